import { lazy, Suspense, useMemo, useState } from 'react';
import { Alert, Button, Card, Col, Row, Segmented, Spin, Statistic, Table, Tag, Typography } from 'antd';
import { ReloadOutlined } from '@ant-design/icons';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { format, useI18n } from '../../i18n';
import type { Category } from '../../types';
import { pct } from './common';
import type { EChartOption } from './HeatmapChart';

const HeatmapChart = lazy(() => import('./HeatmapChart'));

interface Evaluation {
  n: number;
  top1: number;
  top3: number;
  department: number;
  macroF1: number;
  autoRate: number;
  autoAccuracy: number;
  ece: number;
  perCategory: Array<{ code: string; n: number; recall: number; precision: number; f1: number }>;
  confusion: { labels: string[]; matrix: number[][] };
  topConfusions: Array<{ gold: string; predicted: string; count: number }>;
}

interface Stats {
  model: { trainedAt: string; features: number; temperature: number; meta: Record<string, unknown> };
  heldout: Evaluation;
  corrections: {
    total: number;
    confusion: { labels: string[]; matrix: number[][]; uncategorised: number[] };
    pairs: Array<{ predicted: string | null; predictedName: string | null; corrected: string; correctedName: string; count: number }>;
    mostCorrected: Array<{ code: string; name: string; count: number }>;
    mostMissed: Array<{ code: string; name: string; count: number }>;
  };
}

interface Correction {
  id: string;
  caseId: string | null;
  text: string;
  predictedCode: string | null;
  correctedCode: string;
  actorName: string | null;
  createdAt: string;
}

/** 分类评估: the model on the held-out split (confusion heatmap, accuracy) and what dispatchers corrected. */
export default function EvaluationPage() {
  const { t, tl } = useI18n();
  const stats = useApi<Stats>('/dispatch/stats');
  const categories = useApi<Category[]>('/dispatch/categories');
  const [cpage, setCpage] = useState(1);
  const corrections = useApi<{ items: Correction[]; total: number }>('/dispatch/corrections', { page: cpage, pageSize: 10 });
  const [view, setView] = useState<'all' | 'errors'>('all');
  const name = useMemo(() => {
    const m = new Map((categories.data ?? []).map((c) => [c.code, c.name]));
    return (c: string | null) => (c ? (m.get(c) ?? c) : '-');
  }, [categories.data]);

  const option: EChartOption | null = useMemo(() => {
    const h = stats.data?.heldout;
    if (!h) return null;
    const labels = h.confusion.labels.map((c) => `${c} ${name(c)}`);
    const data: Array<[number, number, number]> = [];
    let max = 1;
    h.confusion.matrix.forEach((row, g) =>
      row.forEach((v, p) => {
        if (!v || (view === 'errors' && g === p)) return;
        // x = predicted, y = gold
        data.push([p, g, v]);
        max = Math.max(max, v);
      }),
    );
    return {
      tooltip: {
        position: 'top',
        formatter: (p: unknown) => {
          const [x, y, v] = (p as { value: [number, number, number] }).value;
          return `${tl({ zh: '实际', en: 'Gold' })}: ${labels[y]}<br/>${tl({ zh: '预测', en: 'Predicted' })}: ${labels[x]}<br/>${tl({ zh: '条数', en: 'Count' })}: ${v}`;
        },
      },
      grid: { left: 150, right: 70, top: 10, bottom: 150 },
      xAxis: { type: 'category', data: labels, name: tl({ zh: '预测', en: 'Predicted' }), nameLocation: 'middle', nameGap: 135, axisLabel: { rotate: 90, fontSize: 10, interval: 0 }, splitArea: { show: true } },
      yAxis: { type: 'category', data: labels, inverse: true, name: tl({ zh: '实际', en: 'Gold' }), axisLabel: { fontSize: 10, interval: 0 }, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'vertical', right: 0, top: 'middle', inRange: { color: ['#e6f4ff', '#69b1ff', '#0958d9', '#002c8c'] } },
      series: [{ type: 'heatmap', data, emphasis: { itemStyle: { borderColor: '#000', borderWidth: 1 } }, progressive: 0 }],
    };
  }, [stats.data, name, tl, view]);

  if (stats.error) return <Alert type="error" showIcon title={errorText(stats.error, t)} action={<Button onClick={stats.reload}>{t('common.retry')}</Button>} />;
  const s = stats.data;
  if (!s) return <Card loading />;
  const h = s.heldout;
  const figures: Array<[string, string, string]> = [
    [tl({ zh: '首选准确率', en: 'Top-1 accuracy' }), pct(h.top1), 'top1'],
    [tl({ zh: '前三命中率', en: 'Top-3 accuracy' }), pct(h.top3), 'top3'],
    [tl({ zh: '部门正确率', en: 'Department right' }), pct(h.department), 'dept'],
    [tl({ zh: '宏平均 F1', en: 'Macro F1' }), h.macroF1.toFixed(3), 'f1'],
    [tl({ zh: '自动分派比例', en: 'Auto-dispatched' }), pct(h.autoRate), 'auto'],
    [tl({ zh: '自动分派准确率', en: 'Auto accuracy' }), pct(h.autoAccuracy), 'autoacc'],
    [tl({ zh: '校准误差 ECE', en: 'Calibration error' }), h.ece.toFixed(3), 'ece'],
    [tl({ zh: '纠正记录', en: 'Corrections' }), String(s.corrections.total), 'corr'],
  ];
  const weakest = [...h.perCategory].filter((c) => c.n > 0).sort((a, b) => a.f1 - b.f1).slice(0, 8);

  return (
    <div className="og-page" data-testid="dispatch-eval">
      <Row gutter={[12, 12]}>
        {figures.map(([title, value, key]) => (
          <Col key={key} xs={12} md={6} xl={3}>
            <Card size="small">
              <Statistic title={title} value={value} data-testid={`stat-${key}`} />
            </Card>
          </Col>
        ))}
        <Col xs={24} xxl={16}>
          <Card
            size="small"
            title={format(tl({ zh: '留出集混淆矩阵（{n} 条，{k} 类）', en: 'Held-out confusion matrix ({n} reports, {k} categories)' }), { n: h.n, k: h.confusion.labels.length })}
            extra={
              <span>
                <Segmented value={view} onChange={(v) => setView(v as 'all' | 'errors')} options={[{ value: 'all', label: tl({ zh: '全部', en: 'All' }) }, { value: 'errors', label: tl({ zh: '只看错分', en: 'Errors only' }) }]} size="small" />
                <Button size="small" type="text" icon={<ReloadOutlined />} onClick={stats.reload} aria-label={tl({ zh: '刷新', en: 'Refresh' })} />
              </span>
            }
          >
            <Typography.Text type="secondary">
              {format(tl({ zh: '行为实际分类，列为模型首选；模型训练于 {at}，训练从未见过这些样本。', en: 'Rows gold, columns predicted; model trained {at}, never on these examples.' }), { at: s.model.trainedAt })}
            </Typography.Text>
            <div data-testid="confusion-heatmap">
              {option && (
                <Suspense fallback={<Spin />}>
                  <HeatmapChart option={option} height={860} ariaLabel={tl({ zh: '混淆矩阵', en: 'Confusion matrix' })} />
                </Suspense>
              )}
            </div>
          </Card>
        </Col>
        <Col xs={24} xxl={8}>
          <Card size="small" title={tl({ zh: '被纠正最多的分类', en: 'Most-corrected categories' })}>
            <Table
              size="small"
              rowKey="code"
              pagination={false}
              data-testid="most-corrected"
              dataSource={s.corrections.mostCorrected}
              locale={{ emptyText: tl({ zh: '暂无纠正记录', en: 'No corrections yet' }) }}
              columns={[
                { title: tl({ zh: '分类', en: 'Category' }), key: 'c', render: (_, r) => `${r.code} ${r.name}` },
                { title: tl({ zh: '被改走次数', en: 'Corrected away' }), dataIndex: 'count', width: 110 },
              ]}
            />
          </Card>
          <Card size="small" title={tl({ zh: '最常被改成的分类（模型漏判）', en: 'Most often corrected to' })} style={{ marginTop: 12 }}>
            <Table size="small" rowKey="code" pagination={false} dataSource={s.corrections.mostMissed} locale={{ emptyText: tl({ zh: '暂无纠正记录', en: 'No corrections yet' }) }} columns={[{ title: tl({ zh: '分类', en: 'Category' }), key: 'c', render: (_, r) => `${r.code} ${r.name}` }, { title: tl({ zh: '次数', en: 'Count' }), dataIndex: 'count', width: 80 }]} />
          </Card>
          <Card size="small" title={tl({ zh: '留出集上最弱的分类', en: 'Weakest categories (held-out)' })} style={{ marginTop: 12 }}>
            <Table
              size="small"
              rowKey="code"
              pagination={false}
              dataSource={weakest}
              columns={[
                { title: tl({ zh: '分类', en: 'Category' }), key: 'c', render: (_, r) => `${r.code} ${name(r.code)}` },
                { title: 'n', dataIndex: 'n', width: 50 },
                { title: tl({ zh: '召回', en: 'Recall' }), dataIndex: 'recall', width: 70, render: (x: number) => pct(x, 0) },
                { title: tl({ zh: '精确', en: 'Precision' }), dataIndex: 'precision', width: 70, render: (x: number) => pct(x, 0) },
                { title: 'F1', dataIndex: 'f1', width: 60, render: (x: number) => x.toFixed(2) },
              ]}
            />
          </Card>
          <Card size="small" title={tl({ zh: '最常见的错分', en: 'Most frequent confusions' })} style={{ marginTop: 12 }}>
            <Table
              size="small"
              rowKey={(r) => `${r.gold}-${r.predicted}`}
              pagination={false}
              dataSource={h.topConfusions.slice(0, 8)}
              columns={[
                { title: tl({ zh: '实际', en: 'Gold' }), key: 'g', render: (_, r) => `${r.gold} ${name(r.gold)}` },
                { title: tl({ zh: '误判为', en: 'Predicted' }), key: 'p', render: (_, r) => `${r.predicted} ${name(r.predicted)}` },
                { title: tl({ zh: '条数', en: 'Count' }), dataIndex: 'count', width: 60 },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24}>
          <Card size="small" title={tl({ zh: '最近的纠正', en: 'Recent corrections' })}>
            <Table<Correction>
              size="small"
              rowKey="id"
              data-testid="recent-corrections"
              dataSource={corrections.data?.items ?? []}
              loading={corrections.loading && !corrections.data}
              locale={{ emptyText: tl({ zh: '暂无纠正记录', en: 'No corrections yet' }) }}
              pagination={{ current: cpage, pageSize: 10, total: corrections.data?.total ?? 0, onChange: setCpage }}
              columns={[
                { title: tl({ zh: '时间', en: 'When' }), dataIndex: 'createdAt', width: 170, render: (x: string) => new Date(x).toLocaleString() },
                { title: tl({ zh: '描述', en: 'Text' }), dataIndex: 'text', ellipsis: true },
                { title: tl({ zh: '原分类', en: 'Was' }), dataIndex: 'predictedCode', width: 160, render: (c: string | null) => (c ? <Tag>{c} {name(c)}</Tag> : '-') },
                { title: tl({ zh: '改为', en: 'Now' }), dataIndex: 'correctedCode', width: 160, render: (c: string) => <Tag color="blue">{c} {name(c)}</Tag> },
                { title: tl({ zh: '纠正人', en: 'By' }), dataIndex: 'actorName', width: 110, render: (x: string | null) => x ?? '-' },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
