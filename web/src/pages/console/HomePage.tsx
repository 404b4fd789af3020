import { createElement, lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { Card, Col, Descriptions, Empty, Row, Skeleton, Statistic, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { useApi } from '../../hooks';
import { roleLabel, useI18n } from '../../i18n';
import { visibleEntries } from '../../menu';
import { RESIDENT_TAGS, type Category, type Department, type OrgNode, type PageResult, type Resident } from '../../types';
import type { EChartOption } from '../../components/EChart';

const EChart = lazy(() => import('../../components/EChart'));

/** Residents per tag: one count query per tag (pageSize=1, reading `total`). */
function useTagCounts(enabled: boolean): Record<string, number> | null {
  const [counts, setCounts] = useState<Record<string, number> | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const ac = new AbortController();
    Promise.all(RESIDENT_TAGS.map((tag) => api<PageResult<Resident>>('/org/residents', { query: { tag, pageSize: 1 }, signal: ac.signal }).then((r) => [tag, r.total] as const))).then(
      (pairs) => setCounts(Object.fromEntries(pairs)),
      () => {},
    );
    return () => ac.abort();
  }, [enabled]);
  return counts;
}

function ChartCard({ title, option, loading }: { title: string; option: EChartOption | null; loading: boolean }) {
  return (
    <Card title={title} size="small">
      {loading || !option ? (
        <Skeleton active paragraph={{ rows: 5 }} />
      ) : (
        <Suspense fallback={<Skeleton active paragraph={{ rows: 5 }} />}>
          <EChart option={option} ariaLabel={title} />
        </Suspense>
      )}
    </Card>
  );
}

/** 工作台: who I am, what my area holds, and shortcuts to my screens. */
export default function HomePage() {
  const me = useMe();
  const { t, tl } = useI18n();
  const orgRead = hasPermission(me, 'org.read');
  const residentsRead = hasPermission(me, 'residents.read');

  const scopeNode = useApi<OrgNode>(orgRead && me.nodeId ? `/org/nodes/${me.nodeId}` : null);
  const nodes = useApi<OrgNode[]>(orgRead ? '/org/nodes' : null, { level: ['community', 'estate', 'grid'], geometry: false });
  const residents = useApi<PageResult<Resident>>(residentsRead ? '/org/residents' : null, { pageSize: 1 });
  const departments = useApi<Department[]>('/org/departments');
  const categories = useApi<Category[]>('/dispatch/categories');
  const tagCounts = useTagCounts(residentsRead);

  // Counts within the user's own area (the structure itself is visible to all staff).
  const inScope = (n: OrgNode) => !me.nodePath || n.path === me.nodePath || n.path.startsWith(me.nodePath + '/');
  const count = (level: string) => nodes.data?.filter((n) => n.level === level && inScope(n)).length;
  const department = departments.data?.find((d) => d.id === me.departmentId);

  const tagOption = useMemo<EChartOption | null>(
    () =>
      tagCounts && {
        tooltip: { trigger: 'axis' },
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: RESIDENT_TAGS.map((tag) => t(`tag.${tag}`)), axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', data: RESIDENT_TAGS.map((tag) => tagCounts[tag] ?? 0), itemStyle: { color: '#1677ff' }, barMaxWidth: 36 }],
      },
    [tagCounts, t],
  );

  const groupOption = useMemo<EChartOption | null>(() => {
    if (!categories.data) return null;
    const byGroup = new Map<string, number>();
    for (const c of categories.data) byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + 1);
    return {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      series: [{ type: 'pie', radius: ['40%', '70%'], data: [...byGroup].map(([name, value]) => ({ name, value })), label: { formatter: '{b} {c}' } }],
    };
  }, [categories.data]);

  const shortcuts = visibleEntries(me).filter((e) => e.shortcut && !e.hidden);
  const stats: { key: string; title: string; value: number | undefined; loading: boolean }[] = [
    ...(orgRead
      ? [
          { key: 'communities', title: t('home.communities'), value: count('community'), loading: nodes.loading },
          { key: 'estates', title: t('home.estates'), value: count('estate'), loading: nodes.loading },
          { key: 'grids', title: t('home.grids'), value: count('grid'), loading: nodes.loading },
        ]
      : []),
    ...(residentsRead ? [{ key: 'residents', title: t('home.residents'), value: residents.data?.total, loading: residents.loading }] : []),
    { key: 'departments', title: t('home.departments'), value: departments.data?.length, loading: departments.loading },
    { key: 'categories', title: t('home.categories'), value: categories.data?.length, loading: categories.loading },
  ];

  return (
    <div className="og-page">
      <Card className="og-home-hello">
        <Typography.Title level={4} style={{ marginTop: 0 }}>
          {t('home.greeting', { name: me.displayName })}
        </Typography.Title>
        <Descriptions size="small" column={{ xs: 1, md: 3 }} items={[
          { key: 'roles', label: t('home.roles'), children: me.roles.map((r) => <Tag key={r} color="blue">{roleLabel(t, r)}</Tag>) },
          ...(me.nodeId ? [{ key: 'scope', label: t('home.scope'), children: scopeNode.data?.name ?? me.nodePath ?? '' }] : []),
          ...(me.departmentId ? [{ key: 'dept', label: t('home.department'), children: department?.name ?? '' }] : []),
        ]} />
      </Card>

      <Row gutter={[16, 16]} className="og-home-stats">
        {stats.map((s) => (
          <Col key={s.key} xs={12} sm={8} lg={4}>
            <Card size="small">
              <Statistic title={s.title} value={s.value ?? '-'} loading={s.loading && s.value === undefined} />
            </Card>
          </Col>
        ))}
      </Row>

      <Row gutter={[16, 16]}>
        {residentsRead && (
          <Col xs={24} lg={12}>
            <ChartCard title={t('home.byTag')} option={tagOption} loading={!tagCounts} />
          </Col>
        )}
        <Col xs={24} lg={12}>
          <ChartCard title={t('home.byGroup')} option={groupOption} loading={categories.loading && !categories.data} />
        </Col>
      </Row>

      <Card title={t('home.shortcuts')} size="small">
        {shortcuts.length === 0 ? (
          <Empty description={t('home.noShortcuts')} />
        ) : (
          <Row gutter={[12, 12]}>
            {shortcuts.map((e) => (
              <Col key={e.key} xs={12} sm={8} md={6} lg={4}>
                <Link to={e.path} className="og-shortcut">
                  {createElement(e.icon)}
                  <span>{tl(e.label)}</span>
                </Link>
              </Col>
            ))}
          </Row>
        )}
      </Card>
    </div>
  );
}
