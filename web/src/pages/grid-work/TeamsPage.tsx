import { useState } from 'react';
import { Card, Col, Descriptions, List, Row, Table, Tag, Typography } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';

interface TeamBrief {
  grid: { id: string; code: string; name: string };
  leaders: string[];
  workers: string[];
  households: number;
  assignedHouseholds: number;
  partyContactHouseholds: number;
}
interface Member {
  id: string;
  roleName: string;
  name: string;
  phone: string | null;
  households: Array<{ id: string; name: string }>;
}
interface Team {
  grid: { name: string };
  leaders: Member[];
  workers: Member[];
  partyContacts: Array<{ memberId: string; name: string; post: string; households: Array<{ id: string; name: string }> }>;
  households: number;
  residents: number;
  unassignedHouseholds: Array<{ id: string; name: string }>;
  withoutPartyContact: number;
}

/** 网格团队: every grid's leader, workers and party-member household contacts, and whom each looks after. */
export default function TeamsPage() {
  const { tl } = useI18n();
  const teams = useApi<TeamBrief[]>('/grid-work/teams');
  const [gridId, setGridId] = useState<string | null>(null);
  const team = useApi<Team>(gridId ? `/grid-work/grids/${gridId}/team` : null);
  return (
    <Row gutter={16}>
      <Col xs={24} lg={10}>
        <Card title={tl({ zh: '网格团队', en: 'Grid teams' })}>
          <Table<TeamBrief>
            size="small"
            rowKey={(r) => r.grid.id}
            loading={teams.loading}
            dataSource={teams.data ?? []}
            onRow={(r) => ({ onClick: () => setGridId(r.grid.id), style: { cursor: 'pointer' } })}
            columns={[
              { title: tl({ zh: '网格', en: 'Grid' }), render: (_, r) => r.grid.name },
              { title: tl({ zh: '网格长', en: 'Leader' }), render: (_, r) => r.leaders.join('、') },
              { title: tl({ zh: '网格员', en: 'Workers' }), render: (_, r) => r.workers.join('、') },
              { title: tl({ zh: '联系户', en: 'Households' }), render: (_, r) => `${r.assignedHouseholds}/${r.households}` },
            ]}
          />
        </Card>
      </Col>
      <Col xs={24} lg={14}>
        {team.data && (
          <Card title={team.data.grid.name} data-testid="team-detail">
            <Descriptions size="small" column={3}>
              <Descriptions.Item label={tl({ zh: '户数', en: 'Households' })}>{team.data.households}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '在册居民', en: 'Residents' })}>{team.data.residents}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '无党员联系户', en: 'No party contact' })}>{team.data.withoutPartyContact}</Descriptions.Item>
            </Descriptions>
            <List
              header={<Typography.Text strong>{tl({ zh: '网格长与网格员', en: 'Leaders and workers' })}</Typography.Text>}
              dataSource={[...team.data.leaders, ...team.data.workers]}
              renderItem={(m) => (
                <List.Item>
                  <List.Item.Meta title={<>{m.name} <Tag>{m.roleName}</Tag> {m.phone}</>} description={m.households.map((h) => h.name).join('、') || tl({ zh: '暂无联系户', en: 'No households' })} />
                </List.Item>
              )}
            />
            <List
              header={<Typography.Text strong>{tl({ zh: '党员中心户', en: 'Party-member household contacts' })}</Typography.Text>}
              dataSource={team.data.partyContacts}
              renderItem={(c) => (
                <List.Item>
                  <List.Item.Meta title={<>{c.name} <Tag color="red">{c.post}</Tag></>} description={c.households.map((h) => h.name).join('、')} />
                </List.Item>
              )}
            />
            {team.data.unassignedHouseholds.length > 0 && <Typography.Paragraph type="warning">{tl({ zh: '未分配联系人的户：', en: 'Unassigned: ' })}{team.data.unassignedHouseholds.map((h) => h.name).join('、')}</Typography.Paragraph>}
          </Card>
        )}
      </Col>
    </Row>
  );
}
