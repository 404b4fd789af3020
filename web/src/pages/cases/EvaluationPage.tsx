import { lazy, Suspense, useMemo, useState } from 'react';
import { Alert, Button, Card, DatePicker, Segmented, Space, Spin, Table, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { districtInstant, districtToday } from '../../day';
import { buildQuery } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useX } from './common';
import './cases.css';

const EChart = lazy(() => import('../../components/EChart'));

type GroupBy = 'department' | 'grid' | 'community';
interface Row {
  group: { id: string; code: string; name: string };
  received: number;
  handled: number;
  closed: number;
  overdue: number;
  rework: number;
  onTimeClosureRate: number | null;
  reworkRate: number | null;
  overdueRate: number | null;
  ratingMean: number | null;
  satisfaction: number | null;
  meanHandlingHours: number | null;
  score: number | null;
  rank: number | null;
}
interface Evaluation {
  groupBy: GroupBy;
  from: string;
  to: string;
  rows: Row[];
}

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);

/** 综合评价: the ranking by department, grid or community for a period; table, chart and downloads. */
export default function EvaluationPage() {
  const x = useX();
  const { t } = useI18n();
  const [groupBy, setGroupBy] = useState<GroupBy>('department');
  const [range, setRange] = useState<[Dayjs, Dayjs]>(() => [districtToday().subtract(30, 'day'), districtToday()]);
  // whole days in the district's zone, whatever the browser's
  const q = { groupBy, from: districtInstant(range[0].format('YYYY-MM-DD')), to: districtInstant(range[1].format('YYYY-MM-DD'), '23:59:59.999') };
  const r = useApi<Evaluation>('/cases/evaluation', q);
  const rows = useMemo(() => [...(r.data?.rows ?? [])].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9)), [r.data]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, top: 24, bottom: 80 },
      xAxis: { type: 'category', data: rows.map((w) => w.group.name), axisLabel: { rotate: 30, interval: 0 } },
      yAxis: { type: 'value', name: x('综合得分', 'Score') },
      series: [{ type: 'bar', name: x('综合得分', 'Score'), data: rows.map((w) => w.score ?? 0), itemStyle: { color: '#1677ff' } }],
    }),
    [rows, x],
  );
  const href = (format: 'csv' | 'xlsx') => `/api/cases/evaluation${buildQuery({ ...q, format })}`;
  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {x('综合评价', 'Performance evaluation')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<GroupBy>
          value={groupBy}
          onChange={setGroupBy}
          options={[
            { value: 'department', label: x('按部门', 'By department') },
            { value: 'grid', label: x('按网格', 'By grid') },
            { value: 'community', label: x('按社区', 'By community') },
          ]}
        />
        <DatePicker.RangePicker allowClear={false} value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0].startOf('day'), v[1].endOf('day')])} />
        <Button icon={<DownloadOutlined />} href={href('csv')} download>
          CSV
        </Button>
        <Button icon={<DownloadOutlined />} href={href('xlsx')} download>
          Excel
        </Button>
      </Space>
      {r.error ? <Alert type="error" showIcon title={errorText(r.error, t)} style={{ marginBottom: 12 }} /> : null}
      <Card size="small" style={{ marginBottom: 12 }}>
        <Suspense fallback={<Spin />}>
          <EChart option={option} height={300} ariaLabel={x('综合得分排名', 'Score ranking')} />
        </Suspense>
      </Card>
      <Table<Row>
        rowKey={(w) => w.group.id}
        size="middle"
        loading={r.loading}
        dataSource={rows}
        scroll={{ x: 900 }}
        pagination={{ pageSize: 20, showTotal: (n) => x(`共 ${n} 条`, `${n} in all`) }}
        data-testid="evaluation-table"
        columns={[
          { title: x('排名', 'Rank'), dataIndex: 'rank', width: 70, render: (v: number | null) => v ?? '—' },
          { title: x('名称', 'Name'), key: 'name', render: (_, w) => w.group.name },
          { title: x('受理', 'Received'), dataIndex: 'received', width: 80, sorter: (a, b) => a.received - b.received },
          { title: x('结案', 'Closed'), dataIndex: 'closed', width: 80 },
          { title: x('按期结案率', 'On-time closure'), dataIndex: 'onTimeClosureRate', width: 120, render: pct },
          { title: x('超时率', 'Overdue'), dataIndex: 'overdueRate', width: 90, render: pct },
          { title: x('返工率', 'Rework'), dataIndex: 'reworkRate', width: 90, render: pct },
          { title: x('满意度', 'Satisfaction'), dataIndex: 'satisfaction', width: 90, render: pct },
          { title: x('平均处置时长(时)', 'Mean handling (h)'), dataIndex: 'meanHandlingHours', width: 130, render: (v: number | null) => v ?? '—' },
          { title: x('综合得分', 'Score'), dataIndex: 'score', width: 100, sorter: (a, b) => (a.score ?? 0) - (b.score ?? 0), render: (v: number | null) => v ?? '—' },
        ]}
      />
    </div>
  );
}
