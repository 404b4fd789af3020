import { useState } from 'react';
import { App, Button, Input, Result } from 'antd';
import { useNavigate } from 'react-router-dom';
import { api } from '../../../api';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { Loadable, useDetailParam, useX } from './common';
import { uploadPhotos, type Uploaded } from './upload';
import './services.css';

export interface Matter {
  id: string;
  code: string;
  name: string;
  category: string;
  summary: string;
  eligibility: string;
  documents: Array<{ name: string; required: boolean; note?: string }>;
  steps: string[];
  timeLimitDays: number;
  desk: string;
  phone: string | null;
  fee: string;
  online: boolean;
}

/** 办事指南: the matters residents handle with the community, each with documents, steps, time limit and desk; apply online. */
export default function H5GuidePage() {
  const x = useX();
  const [id, setId] = useDetailParam();
  const list = useApi<Matter[]>(id ? null : '/services/matters');
  if (id) return <MatterDetail id={id} onBack={() => setId(null)} />;
  return (
    <Loadable state={list} empty={(d) => d.length === 0}>
      {(items) => (
        <ul className="og-svc-list" aria-label={x('办事事项', 'Services')}>
          {items.map((m) => (
            <li key={m.id}>
              <button type="button" className="og-svc-item" data-testid="matter-item" onClick={() => setId(m.id)}>
                <span className="og-svc-item-title">{m.name}</span>
                <span className="og-svc-item-meta">
                  {m.category} · {x(`${m.timeLimitDays} 个工作日办结`, `${m.timeLimitDays} working days`)} · {m.online ? x('可网上申请', 'Apply online') : x('窗口办理', 'At the desk')}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}

function MatterDetail({ id, onBack }: { id: string; onBack: () => void }) {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const m = useApi<Matter>(`/services/matters/${id}`);
  const [applying, setApplying] = useState(false);
  const [details, setDetails] = useState('');
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ id: string; number: string } | null>(null);

  if (done)
    return (
      <Result
        status="success"
        title={x('申请已提交', 'Application sent')}
        subTitle={x(`受理编号 ${done.number}，办理结果会通过消息通知您`, `Number ${done.number}. We will tell you the result.`)}
        extra={[
          <Button key="view" type="primary" size="large" onClick={() => navigate(`/h5/applications?id=${done.id}`)}>
            {x('查看办理进度', 'See progress')}
          </Button>,
        ]}
      />
    );

  return (
    <Loadable state={m}>
      {(v) => (
        <article className="og-h5-card">
          <h2 className="og-h5-card-title">{v.name}</h2>
          <p className="og-svc-body">{v.summary}</p>
          <ul className="og-svc-facts">
            <li>
              <b>{x('办理条件', 'Who')}</b> {v.eligibility || x('无', 'Anyone')}
            </li>
            <li>
              <b>{x('办理时限', 'Time limit')}</b> {x(`${v.timeLimitDays} 个工作日`, `${v.timeLimitDays} working days`)}
            </li>
            <li>
              <b>{x('办理窗口', 'Desk')}</b> {v.desk}
            </li>
            {v.phone && (
              <li>
                <b>{x('咨询电话', 'Phone')}</b> <a href={`tel:${v.phone}`}>{v.phone}</a>
              </li>
            )}
            <li>
              <b>{x('收费', 'Fee')}</b> {v.fee}
            </li>
          </ul>
          <h3 className="og-svc-label">{x('需要带的材料', 'Documents')}</h3>
          <ol className="og-svc-steps">
            {v.documents.map((d) => (
              <li key={d.name}>
                {d.name}
                {d.required ? '' : x('（可选）', ' (optional)')}
                {d.note ? `：${d.note}` : ''}
              </li>
            ))}
          </ol>
          <h3 className="og-svc-label">{x('办理步骤', 'Steps')}</h3>
          <ol className="og-svc-steps">
            {v.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          {!v.online ? (
            <div className="og-svc-result warn">{x(`本事项需到${v.desk}现场办理`, `Apply in person at ${v.desk}`)}</div>
          ) : !applying ? (
            <div className="og-svc-actions">
              <Button type="primary" size="large" className="og-svc-big" data-testid="apply-start" onClick={() => setApplying(true)}>
                {x('网上申请', 'Apply online')}
              </Button>
            </div>
          ) : (
            <form
              onSubmit={async (e) => {
                e.preventDefault();
                setBusy(true);
                try {
                  const r = await api<{ id: string; number: string }>('/services/applications', { method: 'POST', body: { matterId: v.id, details, files: files.map((f) => f.id) } });
                  setDone(r);
                } catch (err) {
                  message.error(errorText(err, t));
                } finally {
                  setBusy(false);
                }
              }}
            >
              <label className="og-svc-label" htmlFor="apply-details">
                {x('申请说明（选填）', 'Notes (optional)')}
              </label>
              <Input.TextArea id="apply-details" rows={3} maxLength={2000} value={details} onChange={(e) => setDetails(e.target.value)} />
              <label className="og-svc-label" htmlFor="apply-files">
                {x('上传材料照片', 'Photos of the documents')}
              </label>
              <input
                id="apply-files"
                type="file"
                accept="image/jpeg,image/png,image/webp"
                multiple
                data-testid="apply-files"
                onChange={async (e) => {
                  const list = [...(e.target.files ?? [])];
                  e.target.value = '';
                  if (!list.length) return;
                  setBusy(true);
                  try {
                    const up = await uploadPhotos(list);
                    setFiles((f) => [...f, ...up].slice(0, 9));
                  } catch (err) {
                    message.error(errorText(err, t));
                  } finally {
                    setBusy(false);
                  }
                }}
              />
              <p className="og-svc-item-meta" data-testid="apply-file-count" aria-live="polite">
                {x(`已上传 ${files.length} 张`, `${files.length} uploaded`)}
              </p>
              <div className="og-svc-actions">
                <Button type="primary" htmlType="submit" size="large" className="og-svc-big" loading={busy} data-testid="apply-submit">
                  {x('提交申请', 'Submit')}
                </Button>
                <Button size="large" className="og-svc-big" onClick={onBack}>
                  {x('返回', 'Back')}
                </Button>
              </div>
            </form>
          )}
          {!applying && (
            <div className="og-svc-actions">
              <Button size="large" className="og-svc-big" onClick={onBack}>
                {x('返回办事指南', 'Back to the guide')}
              </Button>
            </div>
          )}
        </article>
      )}
    </Loadable>
  );
}
