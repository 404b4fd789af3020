/**
 * 高频与重复问题: the same address and the same reporter reporting again and again (a reporter who
 * keeps complaining may escalate into a petition), and each grid's most frequent problems, for a
 * period and optionally one community. Reporters are shown only by an opaque key; every row drills
 * down to its cases (the case detail pages, which check the caller's access again).
 */
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, Card, DatePicker, InputNumber, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import type { Dayjs } from 'dayjs';
import { districtToday } from '../../day';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useMe } from '../../auth';
import type { OrgNode } from '../../types';

interface CaseRef {
  id: string;
  number: string;
}
interface RepeatedAddress {
  address: string;
  count: number;
  grid: string;
  categories: string[];
  cases: CaseRef[];
}
interface RepeatedReporter {
  key: string;
  count: number;
  categories: string[];
  addresses: string[];
  cases: CaseRef[];
  petitionRisk: boolean;
}
interface Repeats {
  period: { from: string; to: string };
  min: number;
  addresses: RepeatedAddress[];
  reporters: RepeatedReporter[];
}
interface Hotspots {
  byGrid: Array<{ path: string; name: string; community: string | null; count: number }>;
  topCategoriesPerGrid: Array<{ path: string; name: string; top: Array<{ code: string | null; name: string; count: number }> }>;
}

const DAY = 'YYYY-MM-DD';
const within = (path: string, root: string | null) => root === null || path === root || path.startsWith(root + '/');

/** the distinct categories of a row, most frequent first, with their counts */
function categoryTags(names: string[]) {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => (
    <Tag key={n}>
      {n}
      {c > 1 ? ` ×${c}` : ''}
    </Tag>
  ));
}

function CaseLinks({ cases, label }: { cases: CaseRef[]; label: string }) {
  return (
    <div>
      <Typography.Text type="secondary">{label}</Typography.Text>
      <Space wrap size={[12, 4]} style={{ marginTop: 4, display: 'flex' }}>
        {cases.map((c) => (
          <Link key={c.id} to={`/cases/${c.id}`}>
            {c.number}
          </Link>
        ))}
      </Space>
    </div>
  );
}

export default function RepeatsPage() {
  const { locale, t } = useI18n();
  const x = (zh: string, en: string) => (locale === 'en' ? en : zh);
  const me = useMe();
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => [districtToday().subtract(89, 'day'), districtToday()]);
  const [min, setMin] = useState(3);
  const [nodeId, setNodeId] = useState<string | undefined>(undefined);
  const period = { from: range[0].format(DAY), to: range[1].format(DAY) };
  const rep = useApi<Repeats>('/analytics/repeats', { ...period, min, nodeId });
  // limit=1: only the counts are wanted here, not the heat points and clusters
  const hot = useApi<Hotspots>('/analytics/hotspots', { ...period, nodeId, limit: 1 });
  const communitiesApi = useApi<OrgNode[]>('/org/nodes', { level: ['community'] });
  const communities = useMemo(() => (communitiesApi.data ?? []).filter((c) => within(c.path, me.nodePath)), [communitiesApi.data, me.nodePath]);

  const addressColumns: TableColumnsType<RepeatedAddress> = [
    { title: x('地址', 'Address'), dataIndex: 'address' },
    { title: x('网格', 'Grid'), dataIndex: 'grid', width: 160 },
    { title: x('次数', 'Times'), dataIndex: 'count', width: 90, render: (n: number) => <Tag color={n >= min * 2 ? 'red' : 'orange'}>{n}</Tag> },
    { title: x('问题分类', 'Categories'), dataIndex: 'categories', render: (c: string[]) => categoryTags(c) },
  ];
  const reporterColumns: TableColumnsType<RepeatedReporter> = [
    { title: x('反映人（匿名编号）', 'Reporter (opaque key)'), dataIndex: 'key', width: 200, render: (k: string) => <Typography.Text code>{k}</Typography.Text> },
    { title: x('次数', 'Times'), dataIndex: 'count', width: 90, render: (n: number) => <Tag color="orange">{n}</Tag> },
    {
      title: x('信访风险', 'Petition risk'),
      dataIndex: 'petitionRisk',
      width: 120,
      render: (r: boolean) => (r ? <Tag color="red">{x('高，建议提级关注', 'High: escalate')}</Tag> : <Tag>{x('关注', 'Watch')}</Tag>),
    },
    { title: x('涉及地址', 'Addresses'), dataIndex: 'addresses', width: 110, render: (a: string[]) => new Set(a).size },
    { title: x('问题分类', 'Categories'), dataIndex: 'categories', render: (c: string[]) => categoryTags(c) },
  ];
  const gridRows = useMemo(() => {
    const top = new Map((hot.data?.topCategoriesPerGrid ?? []).map((g) => [g.path, g.top]));
    return (hot.data?.byGrid ?? []).map((g) => ({ ...g, top: top.get(g.path) ?? [] }));
  }, [hot.data]);

  return (
    <div>
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          {x('高频与重复问题', 'Frequent and repeated problems')}
        </Typography.Title>
        <Link to="/analytics/command-center">{x('← 指挥中心大屏', '← Command center')}</Link>
      </Space>
      <Typography.Paragraph type="secondary">
        {x(
          '同一地址、同一反映人在所选时段内多次上报的问题（地址忽略空格与大小写；反映人只显示匿名编号，不显示姓名和电话）。同一人反复反映可能升级为信访，请及时研判处置。点击行首展开可查看具体案卷。',
          'Problems reported again and again at the same address or by the same person in the period (addresses ignore spaces and case; reporters are shown by an opaque key only). A person who keeps complaining may escalate into a petition. Expand a row for its cases.',
        )}
      </Typography.Paragraph>
      <Space wrap style={{ marginBottom: 12 }} data-testid="repeats-filters">
        <DatePicker.RangePicker
          allowClear={false}
          value={range}
          disabledDate={(d) => d.isAfter(districtToday(), 'day')}
          presets={[
            { label: x('近 30 天', 'Last 30 days'), value: [districtToday().subtract(29, 'day'), districtToday()] },
            { label: x('近 90 天', 'Last 90 days'), value: [districtToday().subtract(89, 'day'), districtToday()] },
            { label: x('近 180 天', 'Last 180 days'), value: [districtToday().subtract(179, 'day'), districtToday()] },
            { label: x('近一年', 'Last year'), value: [districtToday().subtract(364, 'day'), districtToday()] },
          ]}
          onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])}
        />
        <Space.Compact>
          <Space.Addon>{x('至少', 'At least')}</Space.Addon>
          <InputNumber aria-label={x('至少重复次数', 'Minimum count')} min={2} max={100} precision={0} value={min} onChange={(v) => typeof v === 'number' && setMin(v)} style={{ width: 80 }} />
          <Space.Addon>{x('次', 'times')}</Space.Addon>
        </Space.Compact>
        {communities.length > 0 ? (
          <Select
            allowClear
            aria-label={x('社区', 'Community')}
            placeholder={x('全部社区', 'All communities')}
            style={{ width: 180 }}
            value={nodeId}
            onChange={(v?: string) => setNodeId(v)}
            options={communities.map((c) => ({ value: c.id, label: c.name }))}
          />
        ) : null}
      </Space>
      {rep.error ? <Alert type="error" showIcon style={{ marginBottom: 12 }} title={errorText(rep.error, t)} /> : null}
      <Card title={`${x('同一地址反复上报', 'Same address')}（${rep.data?.addresses.length ?? 0}）`} size="small" style={{ marginBottom: 16 }} data-testid="repeats-addresses">
        <Table<RepeatedAddress>
          size="small"
          rowKey={(r) => `${r.address}\u0000${r.grid}`}
          loading={rep.loading}
          columns={addressColumns}
          dataSource={rep.data?.addresses ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          scroll={{ x: 640 }}
          expandable={{ expandedRowRender: (r) => <CaseLinks cases={r.cases} label={x(`该地址的 ${r.cases.length} 件案卷：`, `${r.cases.length} cases at this address:`)} /> }}
          locale={{ emptyText: x('所选时段没有反复上报的地址', 'No repeated addresses in the period') }}
        />
      </Card>
      <Card title={`${x('同一反映人反复反映', 'Same reporter')}（${rep.data?.reporters.length ?? 0}）`} size="small" style={{ marginBottom: 16 }} data-testid="repeats-reporters">
        <Table<RepeatedReporter>
          size="small"
          rowKey="key"
          loading={rep.loading}
          columns={reporterColumns}
          dataSource={rep.data?.reporters ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          scroll={{ x: 640 }}
          expandable={{
            expandedRowRender: (r) => (
              <Space orientation="vertical" style={{ width: '100%' }}>
                <CaseLinks cases={r.cases} label={x(`此人反映的 ${r.cases.length} 件案卷：`, `${r.cases.length} cases from this reporter:`)} />
                {r.addresses.length ? (
                  <Typography.Text type="secondary">
                    {x('涉及地址：', 'Addresses: ')}
                    {[...new Set(r.addresses)].join('；')}
                  </Typography.Text>
                ) : null}
              </Space>
            ),
          }}
          locale={{ emptyText: x('所选时段没有反复反映的人', 'No repeated reporters in the period') }}
        />
      </Card>
      <Card title={x('各网格高发问题（前三类）', 'Top problems per grid (top 3)')} size="small" data-testid="repeats-top-per-grid">
        {hot.error ? <Alert type="error" showIcon title={errorText(hot.error, t)} /> : null}
        <Table
          size="small"
          rowKey="path"
          loading={hot.loading}
          dataSource={gridRows}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          scroll={{ x: 560 }}
          columns={[
            { title: x('网格', 'Grid'), dataIndex: 'name', width: 160 },
            { title: x('社区', 'Community'), dataIndex: 'community', width: 140, render: (c: string | null) => c ?? '—' },
            { title: x('上报', 'Reported'), dataIndex: 'count', width: 90 },
            {
              title: x('高发问题', 'Top problems'),
              dataIndex: 'top',
              render: (top: Array<{ name: string; count: number }>) =>
                top.map((c, i) => (
                  <Tag key={c.name} color={i === 0 ? 'volcano' : undefined}>
                    {c.name} {c.count}
                  </Tag>
                )),
            },
          ]}
          locale={{ emptyText: x('所选时段没有上报', 'No reports in the period') }}
        />
      </Card>
    </div>
  );
}
