import { useState } from 'react';
import { Alert, Button, Descriptions, Input, Tag, Timeline } from 'antd';
import { ApiError, api } from '../../../api';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { fmt, useX } from '../../cases/common';
import '../../cases/cases.css';

interface PublicCase {
  number: string;
  state: string;
  stateName: string;
  category: string | null;
  community: string | null;
  department: string | null;
  reportedAt: string;
  deadlineAt: string | null;
  closedAt: string | null;
  mergedInto: string | null;
  timeline: Array<{ at: string; label: string; actor: string | null; department: string | null; note: string | null }>;
}

/** 进度查询: anyone with a case number or receipt code sees its progress (no personal data). */
export default function H5TrackPage() {
  const x = useX();
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [c, setC] = useState<PublicCase | null>(null);
  const search = async () => {
    const s = code.trim();
    if (!/^(\d{13}|[A-Za-z0-9]{6})$/.test(s)) {
      setErr(x('请输入 13 位案卷编号或 6 位查询码', 'Enter a 13-digit number or 6-character code'));
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      setC(await api<PublicCase>(`/cases/track/${encodeURIComponent(s.toUpperCase())}`));
    } catch (e) {
      setC(null);
      setErr(e instanceof ApiError && e.status === 404 ? x('未找到该案卷，请核对编号或查询码', 'Not found') : errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <section className="og-h5-card">
        <h2 className="og-h5-card-title">{x('进度查询', 'Track a case')}</h2>
        <Input.Search size="large" placeholder={x('案卷编号或查询码', 'Number or code')} value={code} onChange={(e) => setCode(e.target.value)} onSearch={search} enterButton={<Button type="primary" loading={busy}>{x('查询', 'Search')}</Button>} />
        {err && <Alert type="warning" showIcon title={err} style={{ marginTop: 12 }} />}
      </section>
      {c && (
        <section className="og-h5-card" data-testid="track-result">
          <Descriptions column={1} size="small">
            <Descriptions.Item label={x('案卷编号', 'Number')}>{c.number}</Descriptions.Item>
            <Descriptions.Item label={x('状态', 'State')}>
              <Tag color={c.state === 'closed' ? 'success' : 'processing'}>{c.stateName}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={x('类型', 'Type')}>{c.category ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={x('社区', 'Community')}>{c.community ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={x('处置部门', 'Department')}>{c.department ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={x('上报时间', 'Reported')}>{fmt(c.reportedAt)}</Descriptions.Item>
            {c.mergedInto && <Descriptions.Item label={x('已合并到', 'Merged into')}>{c.mergedInto}</Descriptions.Item>}
          </Descriptions>
          <Timeline
            items={c.timeline.map((e, i) => ({
              key: i,
              content: (
                <div>
                  <strong>{e.label}</strong> <span className="og-case-muted">{fmt(e.at)}</span>
                  <div className="og-case-muted">{[e.actor, e.department].filter(Boolean).join(' · ')}</div>
                  {e.note && <div className="og-case-note">{e.note}</div>}
                </div>
              ),
            }))}
          />
        </section>
      )}
    </div>
  );
}
