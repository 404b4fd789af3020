import { useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Form, Input, List, Modal, Row, Select, Space, Tag, Typography } from 'antd';
import { PrinterOutlined, SearchOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { errorText, validValues } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { newKey } from './offlineQueue';
import { PhotoPicker, type FileView } from '../cases/common';

interface Hit {
  id: string;
  name: string;
  phone: string | null;
  idCard: string | null;
  household: string | null;
  tags: string[];
  openProxy: number;
  visitOverdue: boolean;
}
interface Desk {
  resident: { id: string; name: string; gender: string | null; age: number | null; phone: string | null; idCard: string | null; address: string | null; tags: string[]; status: string };
  household: { name: string; location: { lng: number; lat: number } | null; members: Array<{ id: string; name: string; relation: string | null }> } | null;
  gridWorker: { name: string; phone: string | null } | null;
  partyContact: { name: string; post: string } | null;
  visitPlan: { ruleTag: string; dueAt: string; overdue: boolean } | null;
  moves: Array<{ kind: string; movedOn: string; reason: string | null }>;
  open: { cases: Array<{ id: string; number: string; stateName: string; description: string }>; proxy: Array<{ id: string; item: string; trackCode: string }>; other: Array<{ id: string; title: string; state: string }> };
  history: { cases: Array<{ id: string; number: string; stateName: string }>; proxy: Array<{ id: string; item: string; result: string | null }> };
}
interface Receipt {
  id: string;
  trackCode: string;
  refNumber: string | null;
  item: string;
  result: string | null;
}
interface Matter {
  id: string;
  name: string;
  online: boolean;
  documents: Array<{ name: string; required: boolean }>;
}
interface Activity {
  id: string;
  title: string;
  startsAt: string;
  location: string;
  capacity: number;
  confirmed: number;
  status: string;
}

/** 一门式办事: find a resident at the counter, see everything open for them, and act for them. */
export default function DeskPage() {
  const { tl, t } = useI18n();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [id, setId] = useState<string | null>(null);
  const desk = useApi<Desk>(id ? `/grid-work/desk/residents/${id}` : null);
  const matters = useApi<Matter[]>('/services/matters');
  const activities = useApi<{ items: Activity[] }>('/services/activities', { upcoming: true, pageSize: 100 });
  const [action, setAction] = useState<'case' | 'service' | 'activity' | null>(null);
  const [matterId, setMatterId] = useState<string | null>(null);
  const matter = (matters.data ?? []).find((m) => m.id === matterId) ?? null;
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [form] = Form.useForm();

  const search = async () => {
    if (!q.trim()) return;
    try {
      setHits((await api<{ items: Hit[] }>('/grid-work/desk/search', { query: { q: q.trim(), pageSize: 20 } })).items);
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const submit = async () => {
    const v = await validValues(form);
    if (!v) return;
    const d = desk.data;
    if (!d) return;
    try {
      const r =
        action === 'case'
          ? await api<Receipt>('/grid-work/proxy/cases', { method: 'POST', body: { residentId: d.resident.id, description: v.description, location: d.household?.location, idempotencyKey: newKey('desk') } })
          : action === 'service'
            ? await api<Receipt>('/grid-work/proxy/services', { method: 'POST', body: { residentId: d.resident.id, matterId: v.matterId, details: v.details ?? null, files: ((v.files ?? []) as FileView[]).map((f) => f.id), idempotencyKey: newKey('desk') } })
            : await api<Receipt>('/grid-work/proxy/activities', { method: 'POST', body: { residentId: d.resident.id, activityId: v.activityId, idempotencyKey: newKey('desk') } });
      setReceipt(r);
      setAction(null);
      setMatterId(null);
      form.resetFields();
      desk.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const d = desk.data;
  return (
    <Row gutter={16}>
      <Col xs={24} lg={9}>
        <Card title={tl({ zh: '一门式办事', en: 'One-stop desk' })}>
          <Space.Compact style={{ width: '100%' }}>
            <Input value={q} onChange={(e) => setQ(e.target.value)} onPressEnter={search} placeholder={tl({ zh: '姓名 / 手机号 / 身份证号', en: 'Name / phone / ID number' })} data-testid="desk-q" />
            <Button type="primary" icon={<SearchOutlined />} onClick={search}>{tl({ zh: '查找', en: 'Find' })}</Button>
          </Space.Compact>
          {hits && (
            <List
              style={{ marginTop: 12 }}
              dataSource={hits}
              locale={{ emptyText: tl({ zh: '未找到（只显示您辖区内的居民）', en: 'Nobody found in your area' }) }}
              renderItem={(h) => (
                <List.Item onClick={() => setId(h.id)} style={{ cursor: 'pointer', background: h.id === id ? '#e6f4ff' : undefined }}>
                  <List.Item.Meta title={<>{h.name} {h.visitOverdue && <Tag color="red">{tl({ zh: '走访逾期', en: 'Visit overdue' })}</Tag>}{h.openProxy > 0 && <Tag color="orange">{tl({ zh: '在办', en: 'Open' })} {h.openProxy}</Tag>}</>} description={`${h.household ?? ''} · ${h.phone ?? ''} · ${h.idCard ?? ''}`} />
                </List.Item>
              )}
            />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={15}>
        {!d && <Card><Empty description={tl({ zh: '请先查找并选择居民', en: 'Find and choose a resident' })} /></Card>}
        {d && (
          <Card title={d.resident.name} data-testid="desk-resident" extra={<Space><Button onClick={() => setAction('case')}>{tl({ zh: '代为上报事件', en: 'Report for them' })}</Button><Button onClick={() => setAction('service')}>{tl({ zh: '代办事项', en: 'Apply for them' })}</Button><Button onClick={() => setAction('activity')}>{tl({ zh: '代为报名活动', en: 'Sign them up' })}</Button></Space>}>
            {receipt && (
              <Alert type="success" showIcon style={{ marginBottom: 12 }} message={`${tl({ zh: '已受理', en: 'Accepted' })}：${receipt.item} · ${tl({ zh: '查询码', en: 'Code' })} ${receipt.trackCode}${receipt.refNumber ? ` · ${receipt.refNumber}` : ''}${receipt.result ? ` · ${receipt.result}` : ''}`} action={<Button icon={<PrinterOutlined />} href={`/api/grid-work/proxy/${receipt.id}/receipt.pdf`} target="_blank">{tl({ zh: '打印回执', en: 'Print receipt' })}</Button>} />
            )}
            <Descriptions size="small" column={2}>
              <Descriptions.Item label={tl({ zh: '手机', en: 'Phone' })}>{d.resident.phone}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '身份证', en: 'ID' })}>{d.resident.idCard}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '住址', en: 'Home' })}>{d.household?.name}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '标签', en: 'Tags' })}>{d.resident.tags.map((x) => <Tag key={x}>{x}</Tag>)}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '网格员', en: 'Grid worker' })}>{d.gridWorker ? `${d.gridWorker.name} ${d.gridWorker.phone ?? ''}` : '—'}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '党员中心户', en: 'Party contact' })}>{d.partyContact?.name ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '同户', en: 'Household' })}>{d.household?.members.map((m) => `${m.name}${m.relation ? `(${m.relation})` : ''}`).join('、') || '—'}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '走访', en: 'Visits' })}>{d.visitPlan ? (d.visitPlan.overdue ? <Tag color="red">{tl({ zh: '已逾期', en: 'Overdue' })}</Tag> : d.visitPlan.dueAt.slice(0, 10)) : '—'}</Descriptions.Item>
            </Descriptions>
            <Typography.Title level={5}>{tl({ zh: '在办事项', en: 'Open for them' })}</Typography.Title>
            <List size="small" dataSource={[...d.open.cases.map((c) => ({ k: c.id, text: `${c.number} ${c.description}`, tag: c.stateName })), ...d.open.proxy.map((p) => ({ k: p.id, text: `${p.item}（${p.trackCode}）`, tag: '代办中' })), ...d.open.other.map((o) => ({ k: o.id, text: o.title, tag: o.state }))]} locale={{ emptyText: tl({ zh: '暂无在办事项', en: 'Nothing open' }) }} renderItem={(x) => <List.Item>{x.text} <Tag color="blue">{x.tag}</Tag></List.Item>} data-testid="desk-open" />
          </Card>
        )}
        <Modal open={action !== null} title={action === 'case' ? tl({ zh: '代为上报事件', en: 'Report for the resident' }) : action === 'service' ? tl({ zh: '代办事项', en: 'Apply for the resident' }) : tl({ zh: '代为报名活动', en: 'Sign the resident up' })} onOk={submit} onCancel={() => setAction(null)} okText={tl({ zh: '提交', en: 'Submit' })} destroyOnHidden>
          <Form form={form} layout="vertical">
            {action === 'case' ? (
              <Form.Item name="description" label={tl({ zh: '问题描述', en: 'Description' })} rules={[{ required: true, message: tl({ zh: '请填写问题描述', en: 'Required' }) }]}>
                <Input.TextArea rows={4} maxLength={2000} />
              </Form.Item>
            ) : action === 'service' ? (
              <>
                <Form.Item name="matterId" label={tl({ zh: '事项（办事指南）', en: 'Matter' })} rules={[{ required: true, message: tl({ zh: '请选择事项', en: 'Required' }) }]}>
                  <Select showSearch optionFilterProp="label" onChange={(x: string) => setMatterId(x)} options={(matters.data ?? []).filter((m) => m.online).map((m) => ({ value: m.id, label: m.name }))} data-testid="desk-matter" />
                </Form.Item>
                {matter && matter.documents.length > 0 && (
                  <Typography.Paragraph type="secondary">{tl({ zh: '所需材料', en: 'Documents' })}：{matter.documents.map((x) => `${x.name}${x.required ? '' : tl({ zh: '（选交）', en: ' (optional)' })}`).join('、')}</Typography.Paragraph>
                )}
                <Form.Item name="files" label={tl({ zh: '材料照片', en: 'Document photos' })}>
                  <PhotoPicker testId="desk-files" />
                </Form.Item>
                <Form.Item name="details" label={tl({ zh: '说明', en: 'Details' })}>
                  <Input.TextArea rows={3} maxLength={2000} />
                </Form.Item>
              </>
            ) : (
              <Form.Item name="activityId" label={tl({ zh: '活动', en: 'Activity' })} rules={[{ required: true, message: tl({ zh: '请选择活动', en: 'Required' }) }]}>
                <Select
                  showSearch
                  optionFilterProp="label"
                  options={(activities.data?.items ?? []).filter((a) => a.status === 'open').map((a) => ({ value: a.id, label: `${a.title} · ${new Date(a.startsAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }).slice(0, -3)} · ${a.location}（${a.confirmed}/${a.capacity}）` }))}
                  data-testid="desk-activity"
                />
              </Form.Item>
            )}
          </Form>
        </Modal>
      </Col>
    </Row>
  );
}
