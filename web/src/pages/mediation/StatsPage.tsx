import { lazy, Suspense } from 'react';
import { Card, Col, Row, Spin, Statistic } from 'antd';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { TIERS, TYPES, type DisputeType, type Tier } from './common';

const EChart = lazy(() => import('../../components/EChart'));

interface Stats {
  total: number;
  byType: Array<{ type: DisputeType; count: number }>;
  byTier: Array<{ tier: Tier; count: number }>;
  concluded: number;
  succeeded: number;
  successRate: number | null;
  averageDays: number | null;
  enterpriseRelated: number;
  escalated: number;
  followups: { done: number; kept: number; partlyKept: number; broken: number; keptRate: number | null; due: number };
  judicial: { filed: number; confirmed: number; refused: number };
  openWarnings: number;
}

const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 1000) / 10}%`);

/** 调解统计: by type and tier, success rate, average time, follow-ups kept. */
export default function StatsPage() {
  const { tl } = useI18n();
  const s = useApi<Stats>('/mediation/statistics');
  if (!s.data) return <Card loading />;
  const d = s.data;
  return (
    <div className="og-page" data-testid="mediation-stats">
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '纠纷总数', en: 'Disputes' })} value={d.total} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '调解成功率', en: 'Success rate' })} value={pct(d.successRate)} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '平均办结天数', en: 'Average days' })} value={d.averageDays ?? '-'} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '回访履行率', en: 'Follow-ups kept' })} value={pct(d.followups.keptRate)} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '涉企纠纷', en: 'Enterprise-related' })} value={d.enterpriseRelated} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '上交案件', en: 'Escalated' })} value={d.escalated} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '司法确认', en: 'Judicially confirmed' })} value={d.judicial.confirmed} suffix={`/ ${d.judicial.filed + d.judicial.confirmed + d.judicial.refused}`} /></Card></Col>
        <Col xs={12} md={6}><Card size="small"><Statistic title={tl({ zh: '未处置预警', en: 'Open warnings' })} value={d.openWarnings} valueStyle={{ color: d.openWarnings ? '#cf1322' : undefined }} /></Card></Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={tl({ zh: '按类型', en: 'By type' })}>
            <Suspense fallback={<Spin />}>
              <EChart ariaLabel={tl({ zh: '按类型', en: 'By type' })} option={{ tooltip: {}, xAxis: { type: 'category', data: d.byType.map((x) => tl(TYPES[x.type])) }, yAxis: { type: 'value', minInterval: 1 }, series: [{ type: 'bar', data: d.byType.map((x) => x.count) }] }} />
            </Suspense>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={tl({ zh: '按层级', en: 'By tier' })}>
            <Suspense fallback={<Spin />}>
              <EChart ariaLabel={tl({ zh: '按层级', en: 'By tier' })} option={{ tooltip: {}, series: [{ type: 'pie', radius: '65%', data: d.byTier.map((x) => ({ name: tl(TIERS[x.tier]), value: x.count })) }] }} />
            </Suspense>
          </Card>
        </Col>
      </Row>
    </div>
  );
}
