import { Card, Col, List, Row, Statistic, Table, Tag, Tree } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

interface OrgNode {
  id: string;
  levelName: string;
  name: string;
  members: Array<{ id: string; name: string; post: string; isHouseholdContact: boolean; households: number }>;
  children: OrgNode[];
}
interface Structure {
  orgs: OrgNode[];
  totals: { committees: number; branches: number; groups: number; members: number; householdContacts: number; linkedHouseholds: number };
  crossPosts: Array<{ id: string; memberName: string | null; partyPost: string; bodyKindName: string; bodyName: string; post: string }>;
}
interface Site {
  id: string;
  levelName: string;
  name: string;
  address: string | null;
  openingHours: string;
  services: string[];
  phone: string | null;
}

const toTree = (o: OrgNode): DataNode => ({
  key: o.id,
  title: (
    <span>
      <Tag color="red">{o.levelName}</Tag>
      {o.name}（{o.members.length}）{' '}
      {o.members.filter((m) => m.post !== '党员' || m.isHouseholdContact).map((m) => (
        <Tag key={m.id} color={m.isHouseholdContact ? 'volcano' : 'default'}>
          {m.name} · {m.post}
          {m.isHouseholdContact ? ` · 中心户(${m.households})` : ''}
        </Tag>
      ))}
    </span>
  ),
  children: o.children.map(toTree),
});

/** 党建引领: the party organisations, 党员中心户, 双向进入交叉任职 and the party-mass service sites. */
export default function PartyPage() {
  const { tl } = useI18n();
  const s = useApi<Structure>('/grid-work/party');
  const sites = useApi<Site[]>('/grid-work/service-sites');
  const tt = s.data?.totals;
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Card>
          <Row gutter={16}>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '社区党委', en: 'Committees' })} value={tt?.committees ?? 0} /></Col>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '小区党支部', en: 'Branches' })} value={tt?.branches ?? 0} /></Col>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '楼栋党小组', en: 'Groups' })} value={tt?.groups ?? 0} /></Col>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '党员', en: 'Members' })} value={tt?.members ?? 0} /></Col>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '党员中心户', en: 'Household contacts' })} value={tt?.householdContacts ?? 0} /></Col>
            <Col xs={12} md={4}><Statistic title={tl({ zh: '联系户', en: 'Linked households' })} value={tt?.linkedHouseholds ?? 0} /></Col>
          </Row>
        </Card>
      </Col>
      <Col xs={24} lg={14}>
        <Card title={tl({ zh: '党组织架构', en: 'Party organisations' })} loading={s.loading}>
          {s.data && <Tree treeData={s.data.orgs.map(toTree)} defaultExpandAll={false} defaultExpandedKeys={s.data.orgs.map((o) => o.id)} />}
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        <Card title={tl({ zh: '双向进入、交叉任职', en: 'Cross posts' })}>
          <List size="small" dataSource={s.data?.crossPosts ?? []} renderItem={(c) => <List.Item>{c.memberName}（{c.partyPost}）↔ {c.bodyName} {c.post}</List.Item>} />
        </Card>
      </Col>
      <Col span={24}>
        <Card title={tl({ zh: '党群服务阵地（街道—社区—小区）', en: 'Party-mass service sites' })}>
          <Table<Site> size="small" rowKey="id" dataSource={sites.data ?? []} pagination={{ pageSize: 10 }} columns={[
            { title: tl({ zh: '层级', en: 'Level' }), dataIndex: 'levelName' },
            { title: tl({ zh: '名称', en: 'Name' }), dataIndex: 'name' },
            { title: tl({ zh: '开放时间', en: 'Hours' }), dataIndex: 'openingHours' },
            { title: tl({ zh: '服务项目', en: 'Services' }), render: (_, r) => r.services.map((x) => <Tag key={x}>{x}</Tag>) },
            { title: tl({ zh: '电话', en: 'Phone' }), dataIndex: 'phone' },
          ]} />
        </Card>
      </Col>
    </Row>
  );
}
