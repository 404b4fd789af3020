import { useState } from 'react';
import { Button, Card, Col, Input, List, Modal, Row, Select, Space, Statistic, Table, Tabs, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { REWARD_KINDS, RedemptionTag, StatementDrawer, fmtTime, useAction, type Account, type Redemption, type Reward } from '../ledger/common';
import { CreditTag, LOG_KINDS, ProjectStatusTag, type PartnerDetail, type Project, type ProjectDetail } from './common';

function MyProject({ id, onChanged }: { id: string; onChanged: () => void }) {
  const { run, busy, api } = useAction();
  const d = useApi<ProjectDetail>(`/projects/${id}`);
  const [kind, setKind] = useState<'progress' | 'issue' | 'completion'>('progress');
  const [content, setContent] = useState('');
  if (!d.data) return null;
  const p = d.data;
  return (
    <div>
      <List size="small" dataSource={p.logs} renderItem={(l) => <List.Item>{fmtTime(l.at)} <Tag>{LOG_KINDS[l.kind]}</Tag> {l.authorName}：{l.content}</List.Item>} />
      {p.isRunner && p.status === 'in_progress' && (
        <Space.Compact style={{ width: '100%', marginTop: 8 }}>
          <Select value={kind} onChange={setKind} style={{ width: 120 }} options={[{ value: 'progress', label: '进展' }, { value: 'issue', label: '问题' }, { value: 'completion', label: '完成报告' }]} />
          <Input value={content} onChange={(e) => setContent(e.target.value)} placeholder="记录实施情况" data-testid="log-content" />
          <Button
            type="primary"
            loading={busy}
            disabled={!content.trim()}
            onClick={async () => {
              if (await run(() => api(`/projects/${id}/logs`, { method: 'POST', body: { kind, content } }), '已记录')) {
                setContent('');
                d.reload();
                onChanged();
              }
            }}
          >
            提交
          </Button>
        </Space.Compact>
      )}
      {p.finalScore !== null && <p>综合得分 {p.finalScore}，获得积分 {p.pointsPaid}</p>}
    </div>
  );
}

/** 合伙人工作台: my points and credit, the project board (claim, log), rewards to redeem and my codes. */
export default function PartnerHomePage() {
  const { tl } = useI18n();
  const { run, busy, api } = useAction();
  const me = useApi<PartnerDetail>('/partners/me');
  const accounts = useApi<Account[]>('/ledger/accounts/me');
  const board = useApi<PageResult<Project>>('/projects', { status: 'published', pageSize: 50 });
  const mine = useApi<PageResult<Project>>('/projects', { mine: true, pageSize: 50 });
  const rewards = useApi<Reward[]>('/ledger/rewards');
  const reds = useApi<PageResult<Redemption>>('/ledger/redemptions', { pageSize: 50 });
  const [claiming, setClaiming] = useState<Project | null>(null);
  const [plan, setPlan] = useState('');
  const [statement, setStatement] = useState<Account | null>(null);
  const [issued, setIssued] = useState<Redemption | null>(null);
  const points = accounts.data?.find((a) => a.currency === 'points');
  const reloadAll = () => (me.reload(), accounts.reload(), board.reload(), mine.reload(), rewards.reload(), reds.reload());
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={tl({ zh: '合伙人工作台', en: 'Partner workbench' })}>
        <Row gutter={16}>
          <Col span={8}><Statistic title={me.data?.name ?? ''} value={me.data?.typeName ?? ''} /></Col>
          <Col span={8}>
            <Statistic title="积分余额" value={points?.balance ?? 0} suffix="分" valueRender={(n) => <span data-testid="partner-balance">{n}</span>} />
            {points && <Button size="small" type="link" onClick={() => setStatement(points)}>查看明细</Button>}
          </Col>
          <Col span={8}>{me.data && <><div style={{ color: '#888' }}>信用等级</div><CreditTag p={me.data} /></>}</Col>
        </Row>
      </Card>
      <Card>
        <Tabs
          items={[
            {
              key: 'board',
              label: '可认领项目',
              children: (
                <Table
                  rowKey="id"
                  dataSource={board.data?.items}
                  pagination={false}
                  columns={[
                    { title: '项目', dataIndex: 'title' },
                    { title: '社区', dataIndex: 'communityName' },
                    { title: '类别', dataIndex: 'category' },
                    { title: '预算（元）', dataIndex: 'budget' },
                    { title: '积分', dataIndex: 'pointsOffered' },
                    { title: '完成期限', dataIndex: 'dueOn' },
                    { title: '', render: (_: unknown, p: Project) => <Button size="small" type="primary" onClick={() => setClaiming(p)}>认领</Button> },
                  ]}
                />
              ),
            },
            {
              key: 'mine',
              label: '我的项目',
              children: (
                <Table
                  rowKey="id"
                  dataSource={mine.data?.items}
                  pagination={false}
                  expandable={{ expandedRowRender: (p: Project) => <MyProject id={p.id} onChanged={reloadAll} /> }}
                  columns={[
                    { title: '项目', dataIndex: 'title' },
                    { title: '社区', dataIndex: 'communityName' },
                    { title: '状态', render: (_: unknown, p: Project) => <ProjectStatusTag p={p} /> },
                    { title: '实施方', dataIndex: 'partnerName', render: (n: string | null) => n ?? '待审核' },
                    { title: '得分', dataIndex: 'finalScore', render: (s: number | null) => s ?? '—' },
                    { title: '积分', dataIndex: 'pointsPaid', render: (s: number | null) => s ?? '—' },
                  ]}
                />
              ),
            },
            {
              key: 'rewards',
              label: '积分兑换',
              children: (
                <Table
                  rowKey="id"
                  dataSource={rewards.data}
                  pagination={false}
                  columns={[
                    { title: '名称', dataIndex: 'name' },
                    { title: '类型', dataIndex: 'kind', render: (k: Reward['kind']) => <Tag>{tl(REWARD_KINDS[k])}</Tag> },
                    { title: '提供方', dataIndex: 'payeeName' },
                    { title: '所需积分', dataIndex: 'pointsCost' },
                    { title: '库存', dataIndex: 'stock' },
                    {
                      title: '',
                      render: (_: unknown, w: Reward) => (
                        <Button
                          size="small"
                          type="primary"
                          loading={busy}
                          disabled={w.stock === 0 || (points?.balance ?? 0) < w.pointsCost}
                          onClick={async () => {
                            const r = await run(() => api<Redemption>(`/ledger/rewards/${w.id}/redeem`, { method: 'POST', body: {} }), '兑换成功');
                            if (r) {
                              setIssued(r);
                              reloadAll();
                            }
                          }}
                        >
                          兑换
                        </Button>
                      ),
                    },
                  ]}
                />
              ),
            },
            {
              key: 'codes',
              label: '我的兑换码',
              children: (
                <Table
                  rowKey="id"
                  dataSource={reds.data?.items}
                  pagination={false}
                  columns={[
                    { title: '兑换品', dataIndex: 'rewardName' },
                    { title: '兑换码', dataIndex: 'code', render: (c: string) => <span className="og-mono">{c}</span> },
                    { title: '状态', dataIndex: 'status', render: (s: Redemption['status']) => <RedemptionTag status={s} /> },
                    { title: '时间', dataIndex: 'createdAt', render: fmtTime },
                  ]}
                />
              ),
            },
          ]}
        />
      </Card>
      <Modal
        open={Boolean(claiming)}
        title={`认领：${claiming?.title ?? ''}`}
        confirmLoading={busy}
        okButtonProps={{ disabled: !plan.trim() }}
        onCancel={() => setClaiming(null)}
        onOk={async () => {
          if (await run(() => api(`/projects/${claiming!.id}/claims`, { method: 'POST', body: { plan } }), '已提交认领，等待社区审核')) {
            setClaiming(null);
            setPlan('');
            reloadAll();
          }
        }}
      >
        <Input.TextArea rows={4} value={plan} onChange={(e) => setPlan(e.target.value)} placeholder="实施方案：人员、时间、方式" data-testid="claim-plan" />
      </Modal>
      <Modal open={Boolean(issued)} title="兑换成功" footer={null} onCancel={() => setIssued(null)}>
        <p>{issued?.rewardName}</p>
        <p>兑换码：<b className="og-mono" data-testid="issued-code">{issued?.code}</b></p>
      </Modal>
      <StatementDrawer account={statement} onClose={() => setStatement(null)} />
    </Space>
  );
}
