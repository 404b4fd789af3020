import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Descriptions, Drawer, Form, Input, Progress, Select, Slider, Space, Table, Tag, Timeline, type TableColumnsType } from 'antd';
import { api } from '../../api';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { fmtTime, PhotoPicker, Photos, useL, type FileView, type PageResult, type Resolution, type ResolutionDetail } from './common';

/** The steps of a resolution and its progress reports with their photos (console and H5). */
export function ResolutionProgress({ r }: { r: ResolutionDetail }) {
  const L = useL();
  return (
    <>
      {r.steps.length ? (
        <div className="og-delib-steps" data-testid="resolution-steps">
          {r.steps.map((s) => (
            <div key={s.id}>
              <Tag color={s.done ? 'green' : 'default'}>{s.done ? L('已完成', 'Done') : L('待完成', 'To do')}</Tag>
              {s.seq}. {s.title}
              {s.doneAt ? <span className="og-delib-muted"> {fmtTime(s.doneAt)}</span> : null}
            </div>
          ))}
        </div>
      ) : null}
      <Timeline
        items={r.updates.map((u) => ({
          children: (
            <>
              <b>{u.progress}%</b> {u.stepTitle ? <Tag color="green">{L(`完成：${u.stepTitle}`, `Done: ${u.stepTitle}`)}</Tag> : null}
              {u.note}
              <Photos photos={u.photos} />
              <div className="og-delib-muted">{u.byName} · {fmtTime(u.at)}</div>
            </>
          ),
        }))}
      />
    </>
  );
}

/** 决议落实: each resolution's responsible party, deadline and progress reports; overdue ones stand out. */
export default function ResolutionsPage() {
  const L = useL();
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const [filter, setFilter] = useState<string | undefined>();
  const [openId, setOpenId] = useState<string | null>(null);
  const q = filter === 'overdue' ? { overdue: true, status: 'in_progress' } : filter ? { status: filter } : {};
  const list = useApi<PageResult<Resolution>>('/deliberation/resolutions', { ...q, page, pageSize: 20 });
  const columns: TableColumnsType<Resolution> = [
    { title: L('决议', 'Resolution'), dataIndex: 'title', key: 'title', render: (v: string, r) => <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(r.id)}>{v}</Button> },
    { title: L('范围', 'Area'), dataIndex: 'nodeName', key: 'node', width: 130, responsive: ['md'] },
    { title: L('责任方', 'Responsible'), dataIndex: 'assignee', key: 'assignee', width: 200, responsive: ['lg'] },
    { title: L('期限', 'Due'), dataIndex: 'dueDate', key: 'due', width: 110 },
    { title: L('进度', 'Progress'), dataIndex: 'progress', key: 'progress', width: 160, render: (p: number, r) => <Progress percent={p} size="small" status={r.overdue && r.status !== 'completed' ? 'exception' : r.status === 'completed' ? 'success' : 'active'} /> },
    { title: L('状态', 'Status'), key: 'status', width: 110, render: (_: unknown, r) => <Tag color={r.status === 'completed' ? 'green' : r.overdue ? 'red' : 'blue'}>{L(r.statusLabel, r.status === 'completed' ? 'Completed' : r.overdue ? 'Overdue' : 'In progress')}</Tag> },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        <Select allowClear placeholder={t('common.all')} style={{ width: 160 }} value={filter} onChange={(v) => { setFilter(v); setPage(1); }}
          options={[{ value: 'in_progress', label: L('落实中', 'In progress') }, { value: 'overdue', label: L('逾期未办结', 'Overdue') }, { value: 'completed', label: L('已办结', 'Completed') }]} />
      </Card>
      <Card size="small">
        {list.error ? <Alert type="error" showIcon title={errorText(list.error, t)} /> : null}
        <Table<Resolution> rowKey="id" size="middle" columns={columns} dataSource={list.data?.items ?? []} loading={list.loading} data-testid="resolutions-table"
          pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      {openId ? <ResolutionDrawer id={openId} onClose={() => setOpenId(null)} onChanged={list.reload} /> : null}
    </div>
  );
}

function ResolutionDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const L = useL();
  const { t } = useI18n();
  const { message } = App.useApp();
  const d = useApi<ResolutionDetail>(`/deliberation/resolutions/${id}`);
  const [form] = Form.useForm<{ note: string; progress: number; completed: boolean; stepId?: string; photos?: FileView[] }>();
  const r = d.data;
  const report = async () => {
    const v = await validValues(form);
    if (!v) return;
    try {
      await api(`/deliberation/resolutions/${id}/progress`, { method: 'POST', body: { note: v.note, progress: v.completed ? 100 : Math.min(99, v.progress ?? 0), completed: Boolean(v.completed), ...(v.stepId ? { stepId: v.stepId } : {}), photos: (v.photos ?? []).map((p) => p.id) } });
      form.resetFields();
      d.reload();
      onChanged();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  return (
    <Drawer open width={600} onClose={onClose} title={r?.title ?? L('决议', 'Resolution')}>
      {d.error ? <Alert type="error" showIcon title={errorText(d.error, t)} /> : null}
      {r ? (
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} items={[
            { key: 'a', label: L('责任方', 'Responsible'), children: r.assignee },
            { key: 'd', label: L('期限', 'Due'), children: <>{r.dueDate} {r.overdue && r.status !== 'completed' ? <Tag color="red">{L('逾期', 'Overdue')}</Tag> : null}</> },
            { key: 'p', label: L('进度', 'Progress'), children: <Progress percent={r.progress} /> },
          ]} />
          <div className="og-delib-body">{r.content}</div>
          <ResolutionProgress r={r} />
          {r.canManage && r.status !== 'completed' ? (
            <Card size="small" title={L('报告进展', 'Report progress')}>
              <Form form={form} layout="vertical" initialValues={{ progress: r.progress }}>
                <Form.Item name="note" label={L('进展说明', 'Update')} rules={[{ required: true }]}><Input.TextArea rows={3} /></Form.Item>
                {r.steps.some((s) => !s.done) ? (
                  <Form.Item name="stepId" label={L('完成的步骤（可选）', 'Step completed (optional)')}>
                    <Select allowClear options={r.steps.filter((s) => !s.done).map((s) => ({ value: s.id, label: `${s.seq}. ${s.title}` }))} />
                  </Form.Item>
                ) : null}
                <Form.Item name="photos" label={L('现场照片', 'Photos')}><PhotoPicker testId="progress-photos" /></Form.Item>
                <Form.Item name="progress" label={L('进度 %', 'Progress %')}><Slider min={0} max={99} /></Form.Item>
                <Form.Item name="completed" valuePropName="checked"><Checkbox>{L('已办结', 'Completed')}</Checkbox></Form.Item>
                <Button type="primary" onClick={report}>{L('提交', 'Submit')}</Button>
              </Form>
            </Card>
          ) : null}
        </Space>
      ) : null}
    </Drawer>
  );
}
