import { useState } from 'react';
import { Alert, App, Button, Card, Empty, Form, Input, Pagination, Rate, Skeleton, Space } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../../../api';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { useApi } from '../../../hooks';
import { CaseTimeline, LocationText, Photos, StateTag, fmt, useX, type CasePage, type CaseView } from '../../cases/common';
import { stepErrorText } from '../../cases/actions';
import '../../cases/cases.css';

/** 我的上报: the resident's reports; `?id=` opens one with its public timeline, rating and reopening. */
export default function H5MyReportsPage() {
  const [params, setParams] = useSearchParams();
  const id = params.get('id');
  return id ? <Detail id={id} onBack={() => setParams(new URLSearchParams())} /> : <MyList />;
}

function MyList() {
  const x = useX();
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const r = useApi<CasePage>('/cases/mine', { page, pageSize: 10 });
  if (r.error) return <Alert type="error" showIcon title={errorText(r.error, t)} action={<Button onClick={r.reload}>{x('重试', 'Retry')}</Button>} />;
  if (!r.data) return <Skeleton active />;
  if (!r.data.items.length)
    return (
      <Empty description={x('您还没有上报过问题', 'No reports yet')}>
        <Link to="/h5/report">
          <Button type="primary">{x('我要上报', 'Report a problem')}</Button>
        </Link>
      </Empty>
    );
  return (
    <div data-testid="my-reports">
      {r.data.items.map((c) => (
        <Link key={c.id} to={`/h5/reports?id=${c.id}`} className="og-h5-card og-h5-case-item" data-testid="my-report">
          <div className="og-h5-case-item-head">
            <strong>{c.category?.name ?? x('待分类', 'Unclassified')}</strong>
            <StateTag c={c} />
          </div>
          <div className="og-h5-case-desc">{c.description}</div>
          <div className="og-case-muted">
            {c.number} · {fmt(c.reportedAt)}
          </div>
        </Link>
      ))}
      <Pagination simple current={page} pageSize={10} total={r.data.total} onChange={setPage} style={{ textAlign: 'center' }} />
    </div>
  );
}

function Detail({ id, onBack }: { id: string; onBack: () => void }) {
  const x = useX();
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const r = useApi<CaseView>(`/cases/${id}`);
  const [busy, setBusy] = useState(false);
  const [rateForm] = Form.useForm<{ rating: number; comment?: string }>();
  const [reopenForm] = Form.useForm<{ reason: string }>();
  if (r.error && !r.data) return <Alert type="error" showIcon title={errorText(r.error, t)} />;
  const c = r.data;
  if (!c) return <Skeleton active />;
  const can = (a: string) => (c.allowedActions ?? []).includes(a as never);
  const step = async (path: string, body: Record<string, unknown>, ok: string) => {
    setBusy(true);
    try {
      await api(`/cases/${c.id}/${path}`, { method: 'POST', body: { version: c.version, ...body } });
      message.success(ok);
      r.reload();
    } catch (e) {
      message.error(stepErrorText(e, t));
      if (e instanceof ApiError && e.status === 409) r.reload();
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="my-report-detail">
      <Button icon={<ArrowLeftOutlined />} type="link" onClick={onBack} style={{ paddingLeft: 0 }}>
        {x('我的上报', 'My reports')}
      </Button>
      <section className="og-h5-card">
        <div className="og-h5-case-item-head">
          <strong>{c.category?.name ?? x('待分类', 'Unclassified')}</strong>
          <StateTag c={c} />
        </div>
        <p className="og-case-note">{c.description}</p>
        <div className="og-case-muted">
          <LocationText c={c} />
        </div>
        <div className="og-case-muted">
          {x('编号', 'Number')} {c.number} · {x('查询码', 'Code')} {c.trackCode}
        </div>
        {c.department && <div className="og-case-muted">{x(`处置部门：${c.department.name}`, `Handled by ${c.department.name}`)}</div>}
        <Photos photos={c.photos} />
      </section>
      {c.rating !== null && (
        <section className="og-h5-card" data-testid="my-rating">
          <div>{x('我的评价', 'My rating')}</div>
          <Rate disabled value={c.rating} />
          {c.ratingComment && <p className="og-case-note">{c.ratingComment}</p>}
        </section>
      )}
      {can('rate') && (
        <Card className="og-h5-card" size="small" title={x('评价办理结果', 'Rate the result')} data-testid="rate-form">
          <Form form={rateForm} layout="vertical" initialValues={{ rating: 5 }} onFinish={(v) => step('rate', { rating: v.rating, comment: v.comment?.trim() || undefined }, x('感谢您的评价', 'Thank you'))}>
            <Form.Item name="rating" label={x('满意度', 'Satisfaction')} rules={[{ required: true, message: x('请打分', 'Give a score') }]}>
              <Rate allowClear={false} />
            </Form.Item>
            <Form.Item name="comment" label={x('说点什么（选填）', 'Comment (optional)')}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
            <Button type="primary" htmlType="submit" size="large" block loading={busy}>
              {x('提交评价', 'Send rating')}
            </Button>
          </Form>
        </Card>
      )}
      {can('reopen') && (
        <Card className="og-h5-card" size="small" title={x('问题没有解决？', 'Not solved?')}>
          <p className="og-case-muted">{x('结案 7 天内可以申请重新办理。', 'Within 7 days of closure you can ask us to reopen it.')}</p>
          <Form
            form={reopenForm}
            layout="vertical"
            onFinish={(v) =>
              modal.confirm({
                title: x('确认申请重新办理？', 'Reopen this case?'),
                content: x('案卷将重新交由处置部门办理。', 'The case goes back to the department.'),
                okText: x('确认申请', 'Reopen'),
                cancelText: x('取消', 'Cancel'),
                onOk: () => step('reopen', { reason: v.reason.trim() }, x('已申请重新办理', 'Reopened')),
              })
            }
          >
            <Form.Item name="reason" label={x('原因', 'Why')} rules={[{ required: true, whitespace: true, message: x('请说明原因', 'Please say why') }]}>
              <Input.TextArea rows={2} maxLength={2000} />
            </Form.Item>
            <Button danger htmlType="submit" block loading={busy}>
              {x('申请重新办理', 'Reopen')}
            </Button>
          </Form>
        </Card>
      )}
      <section className="og-h5-card">
        <h3 className="og-h5-card-title">{x('办理进度', 'Progress')}</h3>
        <CaseTimeline items={c.timeline ?? []} />
      </section>
      <Space />
    </div>
  );
}
