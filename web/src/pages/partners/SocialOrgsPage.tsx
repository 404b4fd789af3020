import { useState } from 'react';
import { Button, Card, Drawer, Select, Steps, Table, Tag } from 'antd';
import { useApi } from '../../hooks';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { useAction } from '../ledger/common';

interface Org {
  id: string;
  name: string;
  field: string;
  stage: 'applied' | 'incubating' | 'registered' | 'graduated';
  stageName: string;
  leaderName: string | null;
  description: string;
  stageHistory: Array<{ stage: string; at: string; note: string }>;
}
interface OrgDetail extends Org {
  activities: Array<{ id: string; title: string; heldOn: string; participants: number; summary: string }>;
}
const STAGES: Org['stage'][] = ['applied', 'incubating', 'registered', 'graduated'];
const STAGE_NAMES = { applied: '申请入驻', incubating: '孵化中', registered: '已登记', graduated: '已出壳' };

/** 社会组织孵化: registry, incubation stage, activities. */
export default function SocialOrgsPage() {
  const { tl } = useI18n();
  const { me } = useAuth();
  const { run, api } = useAction();
  const [stage, setStage] = useState<string | undefined>();
  const list = useApi<PageResult<Org>>('/social-orgs', { stage, pageSize: 100 });
  const [openId, setOpenId] = useState<string | null>(null);
  const detail = useApi<OrgDetail>(openId ? `/social-orgs/${openId}` : null);
  const canManage = me?.permissions.includes('partners.manage');
  const next = (o: Org) => STAGES[STAGES.indexOf(o.stage) + 1];
  return (
    <Card title={tl({ zh: '社会组织孵化', en: 'Social organisation incubation' })}>
      <Select allowClear style={{ width: 140, marginBottom: 12 }} placeholder="孵化阶段" value={stage} onChange={setStage} options={STAGES.map((s) => ({ value: s, label: STAGE_NAMES[s] }))} />
      <Table
        rowKey="id"
        dataSource={list.data?.items}
        pagination={false}
        onRow={(o) => ({ onClick: () => setOpenId(o.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: '名称', dataIndex: 'name' },
          { title: '领域', dataIndex: 'field' },
          { title: '负责人', dataIndex: 'leaderName' },
          { title: '阶段', dataIndex: 'stageName', render: (s: string, o: Org) => <Tag color={o.stage === 'graduated' ? 'green' : o.stage === 'applied' ? 'default' : 'blue'}>{s}</Tag> },
          {
            title: '',
            render: (_: unknown, o: Org) =>
              canManage && next(o) ? (
                <Button size="small" onClick={(e) => (e.stopPropagation(), run(() => api(`/social-orgs/${o.id}/stage`, { method: 'POST', body: { stage: next(o), note: '推进孵化阶段' } }), '已推进').then(() => list.reload()))}>
                  推进到「{STAGE_NAMES[next(o)!]}」
                </Button>
              ) : null,
          },
        ]}
      />
      <Drawer open={Boolean(openId)} onClose={() => setOpenId(null)} width={560} title={detail.data?.name}>
        {detail.data && (
          <>
            <Steps size="small" current={STAGES.indexOf(detail.data.stage)} items={STAGES.map((s) => ({ title: STAGE_NAMES[s] }))} />
            <p style={{ marginTop: 16 }}>{detail.data.description}</p>
            <h4>活动</h4>
            {detail.data.activities.length === 0 ? <p>暂无</p> : detail.data.activities.map((a) => <p key={a.id}>{a.heldOn} {a.title}（{a.participants} 人）{a.summary}</p>)}
          </>
        )}
      </Drawer>
    </Card>
  );
}
