/**
 * 统计报表: the weekly and monthly report of a community, a street or the caller's whole scope —
 * a preview of the figures (against the previous period), the daily trend, top problems, department
 * and grid rankings and warnings, with PDF and XLSX downloads. Laid out to work at phone width.
 */
import { lazy, Suspense, useMemo, useState } from 'react';
import { Alert, Button, Card, Col, DatePicker, Empty, Row, Segmented, Select, Space, Spin, Statistic, Table, Tag, Typography } from 'antd';
import { FileExcelOutlined, FilePdfOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { districtToday } from '../../day';
import { buildQuery } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { AnalyticsFigures as Figures } from '../../types';

const EChart = lazy(() => import('../../components/EChart'));

type Period = 'week' | 'month';
type FigureKey = keyof Figures;
interface Change {
  delta: number | null;
  ratio: number | null;
}
interface Report {
  title: string;
  kind: Period;
  scope: { path: string | null; name: string; nodeId: string | null };
  period: { from: string; to: string; label: string; complete: boolean; days: number };
  previous: { from: string; to: string; label: string };
  figures: Figures;
  previousFigures: Figures;
  change: Record<FigureKey, Change>;
  trend: Array<{ day: string; reported: number; closed: number; overdue: number }>;
  categories: Array<{ rank: number; code: string | null; name: string; reported: number; closed: number; share: number }>;
  departments: Array<Figures & { rank: number | null; id: string; name: string }>;
  grids: Array<Figures & { rank: number; path: string; name: string; community: string | null }>;
  warnings: Array<{ day: string; grid: string; community: string | null; category: string; period: 'day' | 'week'; observed: number; expected: number; acknowledged: boolean }>;
}
interface ScopeOption {
  id: string | null;
  name: string;
  level: string;
}

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`);
const dash = (v: number | null) => (v === null ? '—' : v);

export default function ReportsPage() {
  const { t, tl } = useI18n();
  const [period, setPeriod] = useState<Period>('week');
  const [date, setDate] = useState<Dayjs | null>(null);
  const [nodeId, setNodeId] = useState<string>('');
  const scopes = useApi<ScopeOption[]>('/analytics/reports/scopes');
  const q = { period, date: date ? date.format('YYYY-MM-DD') : undefined, nodeId: nodeId || undefined };
  const r = useApi<Report>('/analytics/reports', q);
  const rep = r.data;
  const href = (format: 'pdf' | 'xlsx') => `/api/analytics/reports${buildQuery({ ...q, format })}`;

  const levelName = (l: string) => ({ street: tl({ zh: '街道', en: 'Street' }), community: tl({ zh: '社区', en: 'Community' }), grid: tl({ zh: '网格', en: 'Grid' }) })[l] ?? '';
  const cards: Array<{ key: FigureKey; title: string; show: (f: Figures) => string | number; rate?: boolean }> = [
    { key: 'reported', title: tl({ zh: '上报', en: 'Reported' }), show: (f) => f.reported },
    { key: 'filed', title: tl({ zh: '立案', en: 'Filed' }), show: (f) => f.filed },
    { key: 'closed', title: tl({ zh: '结案', en: 'Closed' }), show: (f) => f.closed },
    { key: 'onTimeRate', title: tl({ zh: '按期结案率', en: 'On-time closure' }), show: (f) => pct(f.onTimeRate), rate: true },
    { key: 'overdue', title: tl({ zh: '超期', en: 'Overdue' }), show: (f) => f.overdue },
    { key: 'satisfaction', title: tl({ zh: '平均评分', en: 'Mean rating' }), show: (f) => dash(f.satisfaction) },
    { key: 'satisfiedRate', title: tl({ zh: '满意率', en: 'Satisfied' }), show: (f) => pct(f.satisfiedRate), rate: true },
  ];
  const deltaText = (key: FigureKey, c: Change | undefined, rate?: boolean) => {
    if (!c || c.delta === null) return '—';
    const sign = c.delta > 0 ? '+' : c.delta < 0 ? '−' : '±';
    if (rate) return `${sign}${Math.abs(Math.round(c.delta * 1000) / 10)}${tl({ zh: ' 个百分点', en: ' pp' })}`;
    if (key === 'satisfaction') return `${sign}${Math.abs(c.delta)}`;
    return `${sign}${Math.abs(c.delta)}${c.ratio === null ? '' : `（${sign}${Math.abs(Math.round(c.ratio * 1000) / 10)}%）`}`;
  };

  const trendOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 36, right: 12, top: 32, bottom: 28 },
      xAxis: { type: 'category', data: (rep?.trend ?? []).map((d) => d.day.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { type: 'bar', name: tl({ zh: '上报', en: 'Reported' }), data: (rep?.trend ?? []).map((d) => d.reported), itemStyle: { color: '#1677ff' } },
        { type: 'bar', name: tl({ zh: '结案', en: 'Closed' }), data: (rep?.trend ?? []).map((d) => d.closed), itemStyle: { color: '#52c41a' } },
      ],
    }),
    [rep, tl],
  );
  const categoryOption = useMemo(() => {
    const top = [...(rep?.categories ?? [])].slice(0, 10).reverse();
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: top.map((c) => c.name), axisLabel: { width: 96, overflow: 'truncate' } },
      series: [{ type: 'bar', name: tl({ zh: '上报', en: 'Reported' }), data: top.map((c) => c.reported), label: { show: true, position: 'right' }, itemStyle: { color: '#fa541c' } }],
    };
  }, [rep, tl]);

  const figureColumns = [
    { title: tl({ zh: '上报', en: 'Reported' }), dataIndex: 'reported', width: 70, align: 'right' as const },
    { title: tl({ zh: '结案', en: 'Closed' }), dataIndex: 'closed', width: 70, align: 'right' as const },
    { title: tl({ zh: '按期结案率', en: 'On time' }), dataIndex: 'onTimeRate', width: 100, align: 'right' as const, render: pct },
    { title: tl({ zh: '超期', en: 'Overdue' }), dataIndex: 'overdue', width: 70, align: 'right' as const },
    { title: tl({ zh: '平均评分', en: 'Rating' }), dataIndex: 'satisfaction', width: 90, align: 'right' as const, render: dash },
  ];

  return (
    <div>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {tl({ zh: '统计报表', en: 'Reports' })}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select<string>
          aria-label={tl({ zh: '统计范围', en: 'Scope' })}
          style={{ minWidth: 180 }}
          value={nodeId}
          loading={scopes.loading}
          onChange={setNodeId}
          options={(scopes.data ?? []).map((s) => ({ value: s.id ?? '', label: s.id ? `${s.name}（${levelName(s.level)}）` : `${s.name}（${tl({ zh: '本辖区', en: 'my scope' })}）` }))}
        />
        <Segmented<Period>
          value={period}
          onChange={(v) => setPeriod(v)}
          options={[
            { value: 'week', label: tl({ zh: '周报', en: 'Weekly' }) },
            { value: 'month', label: tl({ zh: '月报', en: 'Monthly' }) },
          ]}
        />
        <DatePicker
          picker={period}
          value={date}
          onChange={(v) => setDate(v)}
          allowClear
          placeholder={period === 'week' ? tl({ zh: '上一完整周', en: 'Last full week' }) : tl({ zh: '上一完整月', en: 'Last full month' })}
          disabledDate={(d) => d.isAfter(districtToday(), 'day')}
        />
        <Button icon={<FilePdfOutlined />} href={href('pdf')} download disabled={!rep} data-testid="report-pdf">
          {tl({ zh: '下载 PDF', en: 'PDF' })}
        </Button>
        <Button icon={<FileExcelOutlined />} href={href('xlsx')} download disabled={!rep} data-testid="report-xlsx">
          {tl({ zh: '下载 Excel', en: 'Excel' })}
        </Button>
      </Space>
      {r.error ? <Alert type="error" showIcon title={errorText(r.error, t)} style={{ marginBottom: 12 }} /> : null}
      {!rep ? (
        r.loading ? (
          <Spin style={{ display: 'block', margin: '48px auto' }} />
        ) : null
      ) : (
        <Spin spinning={r.loading}>
          <Card size="small" style={{ marginBottom: 12 }} data-testid="report-preview">
            <Typography.Title level={5} style={{ margin: 0 }}>
              {rep.title}
            </Typography.Title>
            <Typography.Text type="secondary">
              {rep.period.label}（{rep.period.from} ~ {rep.period.to}）{rep.period.complete ? '' : tl({ zh: '，截至今日', en: ', so far' })} · {tl({ zh: '对比', en: 'vs.' })} {rep.previous.label}
            </Typography.Text>
            <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
              {cards.map((c) => (
                <Col key={c.key} xs={12} sm={8} md={6} xl={3}>
                  <Statistic title={c.title} value={c.show(rep.figures)} />
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {tl({ zh: '较上期', en: 'vs. prev.' })} {deltaText(c.key, rep.change[c.key], c.rate)}
                  </Typography.Text>
                </Col>
              ))}
            </Row>
          </Card>
          <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
            <Col xs={24} lg={14}>
              <Card size="small" title={tl({ zh: '每日趋势', en: 'Daily trend' })}>
                <Suspense fallback={<Spin />}>
                  <EChart option={trendOption} height={260} ariaLabel={tl({ zh: '每日上报与结案', en: 'Reported and closed per day' })} />
                </Suspense>
              </Card>
            </Col>
            <Col xs={24} lg={10}>
              <Card size="small" title={tl({ zh: '高发问题', en: 'Top problems' })}>
                {rep.categories.length ? (
                  <Suspense fallback={<Spin />}>
                    <EChart option={categoryOption} height={260} ariaLabel={tl({ zh: '问题分类排名', en: 'Problems by category' })} />
                  </Suspense>
                ) : (
                  <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
                )}
              </Card>
            </Col>
          </Row>
          <Card size="small" title={tl({ zh: '部门排名', en: 'Departments' })} style={{ marginBottom: 12 }}>
            <Table
              rowKey="id"
              size="small"
              pagination={false}
              scroll={{ x: 560 }}
              dataSource={rep.departments}
              data-testid="report-departments"
              columns={[{ title: tl({ zh: '排名', en: 'Rank' }), dataIndex: 'rank', width: 56, render: dash }, { title: tl({ zh: '处置部门', en: 'Department' }), dataIndex: 'name' }, ...figureColumns]}
            />
          </Card>
          <Card size="small" title={tl({ zh: '网格排名', en: 'Grids' })} style={{ marginBottom: 12 }}>
            <Table
              rowKey="path"
              size="small"
              pagination={{ pageSize: 10, hideOnSinglePage: true }}
              scroll={{ x: 640 }}
              dataSource={rep.grids}
              columns={[
                { title: tl({ zh: '排名', en: 'Rank' }), dataIndex: 'rank', width: 56 },
                { title: tl({ zh: '网格', en: 'Grid' }), dataIndex: 'name' },
                { title: tl({ zh: '社区', en: 'Community' }), dataIndex: 'community', render: (v: string | null) => v ?? '—' },
                ...figureColumns,
              ]}
            />
          </Card>
          <Card size="small" title={tl({ zh: '本期异常预警', en: 'Warnings in the period' })}>
            {rep.warnings.length === 0 ? (
              <Typography.Text type="secondary">{tl({ zh: '本期未发生异常预警', en: 'No warnings in this period' })}</Typography.Text>
            ) : (
              <Table
                rowKey={(w) => `${w.day}-${w.grid}-${w.category}-${w.period}`}
                size="small"
                pagination={false}
                scroll={{ x: 520 }}
                dataSource={rep.warnings}
                columns={[
                  { title: tl({ zh: '日期', en: 'Day' }), dataIndex: 'day', width: 100 },
                  { title: tl({ zh: '网格', en: 'Grid' }), dataIndex: 'grid' },
                  { title: tl({ zh: '问题分类', en: 'Category' }), dataIndex: 'category' },
                  { title: tl({ zh: '实际 / 期望', en: 'Observed / expected' }), key: 'n', render: (_, w) => `${w.observed} / ${w.expected.toFixed(1)}` },
                  { title: tl({ zh: '状态', en: 'State' }), dataIndex: 'acknowledged', width: 80, render: (v: boolean) => (v ? <Tag color="green">{tl({ zh: '已确认', en: 'Acked' })}</Tag> : <Tag color="orange">{tl({ zh: '未确认', en: 'Open' })}</Tag>) },
                ]}
              />
            )}
          </Card>
        </Spin>
      )}
    </div>
  );
}
