/**
 * 社区数据大脑 · 指挥中心: the full-screen command-center display (dark, large type, readable across
 * a room). Grids as polygons shaded by the period's case count (Leaflet, no tile server needed; the
 * deployment's tile URL from /api/meta when set), spatial clusters, live cases pushed over SSE,
 * today's figures, trend, category and department breakdowns, grid ranking and early warnings.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Feature, Geometry } from 'geojson';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import './command-center.css';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Figures {
  reported: number;
  filed: number;
  closed: number;
  overdue: number;
  onTimeRate: number | null;
  satisfaction: number | null;
  satisfiedRate: number | null;
  rated: number;
}
interface Warning {
  id: string;
  path: string;
  grid: string;
  community: string | null;
  category: string;
  period: 'day' | 'week';
  observed: number;
  expected: number;
  pValue: number;
}
interface Dashboard {
  scope: { path: string | null; name: string };
  period: { from: string; to: string };
  today: Figures & { open: number; overdueOpen: number };
  totals: Figures;
  trend: Array<{ day: string; reported: number; closed: number; overdue: number }>;
  byCategory: Array<{ code: string | null; name: string; reported: number; closed: number }>;
  byDepartment: Array<Figures & { id: string; name: string }>;
  ranking: Array<Figures & { path: string; name: string; community: string | null }>;
  warnings: Warning[];
}
interface Hotspots {
  byGrid: Array<{ path: string; name: string; count: number }>;
  clusters: Array<{ count: number; lng: number; lat: number; radiusM: number; grid: string; topCategory: string; cases: Array<{ id: string; number: string }> }>;
  heat: Array<[number, number]>;
}
interface LiveItem {
  key: string;
  type: string;
  at: string;
  number?: string;
  category?: string;
  grid?: string;
  summary?: string;
  lng?: number;
  lat?: number;
  text: string;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const hhmm = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(11, 19);

function Chart({ option, label }: { option: echarts.EChartsCoreOption; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, 'dark', { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', textStyle: { fontSize: 14 }, ...option }, true);
  }, [option]);
  return <div ref={el} className="cc-chart" role="img" aria-label={label} />;
}

/** shade of a grid by its share of the busiest grid's count */
function shade(count: number, max: number): string {
  if (!count) return '#1b2b4a';
  const r = Math.min(1, count / Math.max(1, max));
  return r > 0.75 ? '#d4380d' : r > 0.5 ? '#fa8c16' : r > 0.25 ? '#fadb14' : '#36cfc9';
}

function CenterMap({ grids, counts, clusters, live, tileUrl }: { grids: OrgNode[]; counts: Map<string, number>; clusters: Hotspots['clusters']; live: LiveItem[]; tileUrl: string | null }) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const polyLayer = useRef<L.LayerGroup | null>(null);
  const clusterLayer = useRef<L.LayerGroup | null>(null);
  const liveLayer = useRef<L.LayerGroup | null>(null);
  const fitted = useRef(false);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, minZoom: 10, maxZoom: 19 });
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(m);
    m.setView([28.155, 112.975], 14);
    polyLayer.current = L.layerGroup().addTo(m);
    clusterLayer.current = L.layerGroup().addTo(m);
    liveLayer.current = L.layerGroup().addTo(m);
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
      fitted.current = false;
    };
  }, [tileUrl]);

  useEffect(() => {
    const m = map.current;
    const g = polyLayer.current;
    if (!m || !g) return;
    g.clearLayers();
    const max = Math.max(0, ...counts.values());
    const fg = L.featureGroup();
    for (const n of grids) {
      if (!n.geometry) continue;
      const c = counts.get(n.path) ?? 0;
      const f: Feature<Geometry> = { type: 'Feature', geometry: n.geometry as Geometry, properties: {} };
      L.geoJSON(f, { style: { color: '#69b1ff', weight: 1.5, fillColor: shade(c, max), fillOpacity: 0.45 } })
        .bindTooltip(`${n.name}：${c} 件`, { sticky: true })
        .addTo(fg);
    }
    fg.addTo(g);
    if (!fitted.current && fg.getLayers().length) {
      m.fitBounds(fg.getBounds(), { padding: [16, 16] });
      fitted.current = true;
    }
  }, [grids, counts]);

  useEffect(() => {
    const g = clusterLayer.current;
    if (!g) return;
    g.clearLayers();
    for (const c of clusters.slice(0, 30)) {
      L.circle([c.lat, c.lng], { radius: Math.max(30, c.radiusM), color: '#ff4d4f', weight: 2, fillOpacity: 0.25 })
        .bindTooltip(`聚集点：${c.grid} · ${c.topCategory} · ${c.count} 件`)
        .addTo(g);
    }
  }, [clusters]);

  useEffect(() => {
    const g = liveLayer.current;
    if (!g) return;
    g.clearLayers();
    for (const e of live.slice(0, 40)) {
      if (typeof e.lng !== 'number' || typeof e.lat !== 'number') continue;
      L.circleMarker([e.lat, e.lng], { radius: 9, color: '#fff', weight: 2, fillColor: e.type === 'case.reported' ? '#ff7a45' : '#40a9ff', fillOpacity: 0.9, className: 'cc-live-marker' })
        .bindTooltip(`${e.number ?? ''} ${e.category ?? ''}`)
        .addTo(g);
    }
  }, [live]);

  return <div ref={el} className="cc-map" data-testid="cc-map" />;
}

const EVENT_TEXT: Record<string, string> = {
  'case.reported': '新上报',
  'case.filed': '已立案',
  'case.dispatched': '已派遣',
  'case.accepted': '已签收',
  'case.resolved': '已处置',
  'case.closed': '已结案',
  'case.overdue': '已超期',
  'case.warning': '临期提醒',
  'case.urged': '督办',
  'emergency.raised': '紧急求助',
  'analytics.warning': '异常预警',
};

export default function CommandCenterPage() {
  const { locale } = useI18n();
  const x = useCallback((zh: string, en: string) => (locale === 'en' ? en : zh), [locale]);
  const dash = useApi<Dashboard>('/analytics/dashboard');
  const hot = useApi<Hotspots>('/analytics/hotspots');
  const gridsApi = useApi<OrgNode[]>('/org/nodes', { level: ['grid'], geometry: true });
  const meta = useApi<{ mapTileUrl: string | null }>('/meta');
  const [live, setLive] = useState<LiveItem[]>([]);
  const [connected, setConnected] = useState(false);
  const [clock, setClock] = useState(() => new Date());
  const reloadDash = dash.reload;
  const reloadHot = hot.reload;

  // live stream: prepend events, refresh the figures shortly after (coalesced)
  useEffect(() => {
    const es = new EventSource('/api/analytics/stream');
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        reloadDash();
        reloadHot();
      }, 1500);
    };
    const onEvent = (ev: MessageEvent<string>) => {
      try {
        const d = JSON.parse(ev.data) as Record<string, unknown> & { type: string; at: string };
        const label = EVENT_TEXT[d.type] ?? d.type;
        const item: LiveItem = {
          key: `${d.type}:${String(d.caseId ?? d.id ?? '')}:${d.at}`,
          type: d.type,
          at: d.at,
          number: typeof d.number === 'string' ? d.number : undefined,
          category: typeof d.category === 'string' ? d.category : undefined,
          grid: typeof d.grid === 'string' ? d.grid : undefined,
          summary: typeof d.summary === 'string' ? d.summary : undefined,
          lng: typeof d.lng === 'number' ? d.lng : undefined,
          lat: typeof d.lat === 'number' ? d.lat : undefined,
          text: label,
        };
        setLive((xs) => [item, ...xs.filter((y) => y.key !== item.key)].slice(0, 100));
        refresh();
      } catch {
        /* a malformed frame is skipped */
      }
    };
    es.onopen = () => setConnected(true);
    es.onerror = () => setConnected(false);
    for (const type of Object.keys(EVENT_TEXT)) es.addEventListener(type, onEvent as EventListener);
    es.addEventListener('hello', () => setConnected(true));
    return () => {
      es.close();
      if (timer) clearTimeout(timer);
    };
  }, [reloadDash, reloadHot]);

  useEffect(() => {
    const t = setInterval(() => setClock(new Date()), 1000);
    return () => clearInterval(t);
  }, []);

  const d = dash.data;
  const counts = useMemo(() => new Map((hot.data?.byGrid ?? []).map((g) => [g.path, g.count])), [hot.data]);
  const grids = useMemo(() => gridsApi.data ?? [], [gridsApi.data]);

  const trendOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { data: ['上报', '结案', '超期'], textStyle: { color: '#cfe3ff', fontSize: 14 } },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: (d?.trend ?? []).map((p) => p.day.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: '上报', type: 'line', smooth: true, data: (d?.trend ?? []).map((p) => p.reported) },
        { name: '结案', type: 'line', smooth: true, data: (d?.trend ?? []).map((p) => p.closed) },
        { name: '超期', type: 'line', smooth: true, data: (d?.trend ?? []).map((p) => p.overdue) },
      ],
    }),
    [d],
  );
  const categoryOption = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['40%', '70%'], label: { color: '#cfe3ff', fontSize: 13 }, data: (d?.byCategory ?? []).slice(0, 8).map((c) => ({ name: c.name, value: c.reported })) }],
    }),
    [d],
  );
  const deptOption = useMemo(() => {
    const rows = (d?.byDepartment ?? []).filter((r) => r.closed > 0).slice(0, 8).reverse();
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 110, right: 24, top: 12, bottom: 24 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: rows.map((r) => r.name) },
      series: [{ name: '按期办结率', type: 'bar', data: rows.map((r) => Math.round((r.onTimeRate ?? 0) * 1000) / 10), itemStyle: { color: '#36cfc9' } }],
    };
  }, [d]);

  const kpis: Array<[string, string, string]> = d
    ? [
        ['reported', x('今日上报', 'Reported today'), String(d.today.reported)],
        ['filed', x('今日立案', 'Filed today'), String(d.today.filed)],
        ['closed', x('今日结案', 'Closed today'), String(d.today.closed)],
        ['overdue', x('超期未结', 'Overdue open'), String(d.today.overdueOpen)],
        ['ontime', x('按期办结率（30 天）', 'On time (30 d)'), pct(d.totals.onTimeRate)],
        ['satisfaction', x('满意率（30 天）', 'Satisfied (30 d)'), pct(d.totals.satisfiedRate)],
      ]
    : [];

  return (
    <div className="cc-root" data-testid="command-center">
      <header className="cc-header">
        <Link to="/" className="cc-back">
          {x('← 返回工作台', '← Back')}
        </Link>
        <h1>{x('社区数据大脑 · 指挥中心', 'Community data brain · Command center')}</h1>
        <div className="cc-status">
          <span className={connected ? 'cc-dot cc-on' : 'cc-dot'} aria-hidden />
          {connected ? x('实时连接', 'Live') : x('连接中…', 'Connecting…')}
          <span className="cc-clock">{hhmm(clock.toISOString())}</span>
          <span className="cc-scope">{d?.scope.name}</span>
          <button type="button" className="cc-full" onClick={() => void document.documentElement.requestFullscreen?.().catch(() => undefined)}>
            {x('全屏', 'Full screen')}
          </button>
        </div>
      </header>
      {dash.error ? <div className="cc-error">{x('数据加载失败，请稍后重试', 'Failed to load')}</div> : null}
      <section className="cc-kpis">
        {kpis.map(([k, label, value]) => (
          <div key={k} className="cc-kpi" data-testid={`kpi-${k}`}>
            <div className="cc-kpi-value">{value}</div>
            <div className="cc-kpi-label">{label}</div>
          </div>
        ))}
      </section>
      <main className="cc-grid">
        <section className="cc-panel cc-left">
          <h2>{x('近 30 天趋势', '30-day trend')}</h2>
          <Chart option={trendOption} label={x('近 30 天上报与结案趋势', 'Trend')} />
          <h2>{x('问题分类', 'Categories')}</h2>
          <Chart option={categoryOption} label={x('问题分类占比', 'Categories')} />
        </section>
        <section className="cc-panel cc-center">
          <CenterMap grids={grids} counts={counts} clusters={hot.data?.clusters ?? []} live={live} tileUrl={meta.data?.mapTileUrl ?? null} />
          <div className="cc-legend">
            {x('网格颜色：近 7 天事件量；红圈：同一位置反复发生的聚集点；闪烁点：实时事件', 'Grid colour: 7-day count; red circles: clusters; dots: live cases')}
          </div>
        </section>
        <section className="cc-panel cc-right">
          <h2>{x('实时事件', 'Live')}</h2>
          <ol className="cc-live" data-testid="cc-live">
            {live.length === 0 ? <li className="cc-muted">{x('等待新的事件…', 'Waiting for events…')}</li> : null}
            {live.slice(0, 12).map((e) => (
              <li key={e.key} className={`cc-live-item cc-${e.type.replace('.', '-')}`}>
                <span className="cc-live-time">{hhmm(e.at)}</span>
                <span className="cc-live-tag">{e.text}</span>
                <span className="cc-live-text">
                  {[e.number, e.category, e.grid].filter(Boolean).join(' · ')}
                  {e.summary ? <em> {e.summary}</em> : null}
                </span>
              </li>
            ))}
          </ol>
          <h2>{x('异常预警', 'Early warnings')}</h2>
          <ul className="cc-warnings" data-testid="cc-warnings">
            {(d?.warnings ?? []).length === 0 ? <li className="cc-muted">{x('暂无预警', 'None')}</li> : null}
            {(d?.warnings ?? []).slice(0, 6).map((w) => (
              <li key={w.id}>
                <strong>{w.grid}</strong> {w.category}：{w.period === 'day' ? x('今日', 'today') : x('近 7 日', '7 days')} {w.observed} {x('件', '')}（{x('期望', 'exp.')} {w.expected.toFixed(1)}）
              </li>
            ))}
          </ul>
        </section>
        <section className="cc-panel cc-bottom-left">
          <h2>{x('网格排名（近 30 天上报）', 'Grid ranking (30 d)')}</h2>
          <table className="cc-table">
            <thead>
              <tr>
                <th>#</th>
                <th>{x('网格', 'Grid')}</th>
                <th>{x('社区', 'Community')}</th>
                <th>{x('上报', 'Reported')}</th>
                <th>{x('结案', 'Closed')}</th>
                <th>{x('按期率', 'On time')}</th>
              </tr>
            </thead>
            <tbody>
              {(d?.ranking ?? []).slice(0, 8).map((r, i) => (
                <tr key={r.path}>
                  <td>{i + 1}</td>
                  <td>{r.name}</td>
                  <td>{r.community ?? '—'}</td>
                  <td>{r.reported}</td>
                  <td>{r.closed}</td>
                  <td>{pct(r.onTimeRate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="cc-panel cc-bottom-right">
          <h2>{x('部门按期办结率', 'Departments on time')}</h2>
          <Chart option={deptOption} label={x('部门按期办结率', 'Departments')} />
        </section>
      </main>
    </div>
  );
}
