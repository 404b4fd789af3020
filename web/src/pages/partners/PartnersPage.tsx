import { useState } from 'react';
import { Button, Card, Descriptions, Drawer, Input, Select, Space, Table, Tabs, Tag, Timeline } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { fmtTime } from '../ledger/common';
import { CREDIT_KINDS, CreditTag, type Partner, type PartnerDetail } from './common';

interface Agreement {
  id: string;
  partnerName: string;
  title: string;
  content: string;
  startsOn: string;
  endsOn: string;
  current: boolean;
  status: string;
}

/** 社区合伙人: the registry with type, services, agreements and credit level; recommendation by service. */
export default function PartnersPage() {
  const { tl } = useI18n();
  const [type, setType] = useState<string | undefined>();
  const [service, setService] = useState('');
  const [page, setPage] = useState(1);
  const [recommend, setRecommend] = useState(false);
  const list = useApi<PageResult<Partner>>(recommend ? null : '/partners', { type, service, page, pageSize: 20 });
  const rec = useApi<Partner[]>(recommend ? '/partners/recommend' : null, { type, service });
  const [openId, setOpenId] = useState<string | null>(null);
  const detail = useApi<PartnerDetail>(openId ? `/partners/${openId}` : null);
  const agreements = useApi<Agreement[]>('/partners/agreements');
  const rows = recommend ? rec.data : list.data?.items;
  return (
    <Card title={tl({ zh: '社区合伙人', en: 'Community partners' })}>
      <Tabs
        items={[
          {
            key: 'registry',
            label: tl({ zh: '合伙人名录', en: 'Registry' }),
            children: (
              <>
                <Space wrap style={{ marginBottom: 12 }}>
                  <Select allowClear style={{ width: 120 }} placeholder="类型" value={type} onChange={(v) => (setType(v), setPage(1))} options={[{ value: 'resource', label: '资源型' }, { value: 'professional', label: '专业型' }, { value: 'volunteer', label: '志愿型' }]} />
                  <Input.Search allowClear placeholder="按服务查找，如 法律" onSearch={(v) => (setService(v), setPage(1))} style={{ width: 220 }} />
                  <Button type={recommend ? 'primary' : 'default'} onClick={() => setRecommend(!recommend)}>{recommend ? '按信用推荐中' : '按信用推荐'}</Button>
                </Space>
                <Table
                  rowKey="id"
                  dataSource={rows}
                  pagination={recommend ? false : { current: page, pageSize: 20, total: list.data?.total, onChange: setPage }}
                  onRow={(p) => ({ onClick: () => setOpenId(p.id), style: { cursor: 'pointer' } })}
                  columns={[
                    { title: '名称', dataIndex: 'name', render: (n: string, p: Partner) => <>{n} {p.merchant && <Tag color="magenta">商户</Tag>}</> },
                    { title: '类型', dataIndex: 'typeName' },
                    { title: '形式', dataIndex: 'form', render: (f: string) => (f === 'person' ? '个人' : '组织') },
                    { title: '服务', dataIndex: 'services', render: (s: string[]) => s.map((x) => <Tag key={x}>{x}</Tag>) },
                    { title: '社区', dataIndex: 'communityName' },
                    { title: '信用等级', render: (_: unknown, p: Partner) => <CreditTag p={p} /> },
                    { title: '状态', dataIndex: 'status', render: (s: string) => (s === 'active' ? <Tag color="green">合作中</Tag> : <Tag>暂停</Tag>) },
                  ]}
                />
              </>
            ),
          },
          {
            key: 'agreements',
            label: tl({ zh: '服务协议', en: 'Agreements' }),
            children: (
              <Table
                rowKey="id"
                dataSource={agreements.data}
                pagination={false}
                columns={[
                  { title: '合伙人', dataIndex: 'partnerName' },
                  { title: '协议', dataIndex: 'title' },
                  { title: '内容', dataIndex: 'content' },
                  { title: '期限', render: (_: unknown, a: Agreement) => `${a.startsOn} 至 ${a.endsOn}` },
                  { title: '状态', render: (_: unknown, a: Agreement) => (a.status === 'terminated' ? <Tag>已终止</Tag> : a.current ? <Tag color="green">履行中</Tag> : <Tag color="blue">未在期内</Tag>) },
                ]}
              />
            ),
          },
        ]}
      />
      <Drawer open={Boolean(openId)} onClose={() => setOpenId(null)} width={640} title={detail.data?.name}>
        {detail.data && (
          <>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label="类型">{detail.data.typeName} · {detail.data.form === 'person' ? '个人' : '组织'}</Descriptions.Item>
              <Descriptions.Item label="服务">{detail.data.services.join('、')}</Descriptions.Item>
              <Descriptions.Item label="联系人">{detail.data.contactName} {detail.data.phone}</Descriptions.Item>
              <Descriptions.Item label="信用">
                <CreditTag p={detail.data} /> 按期 {detail.data.credit.onTime} · 逾期 {detail.data.credit.late} · 评价均分 {detail.data.credit.averageEvaluation ?? '—'} · 积分 {detail.data.credit.points}
              </Descriptions.Item>
              <Descriptions.Item label="积分余额">{detail.data.account?.balance ?? 0}</Descriptions.Item>
            </Descriptions>
            <h4 style={{ marginTop: 16 }}>服务协议</h4>
            {detail.data.agreements.map((a) => (
              <p key={a.id}><b>{a.title}</b>（{a.startsOn} 至 {a.endsOn}）：{a.content}</p>
            ))}
            <h4>信用记录</h4>
            <Timeline items={detail.data.creditEvents.map((e) => ({ children: `${fmtTime(e.at)} ${CREDIT_KINDS[e.kind]}${e.value ? ' ' + e.value : ''} ${e.note}` }))} />
          </>
        )}
      </Drawer>
    </Card>
  );
}
