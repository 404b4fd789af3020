/**
 * 社区数据大脑 · 指挥中心: the full-screen command-center display (dark, large type, readable across
 * a room). Grids as polygons shaded by the period's case count, a heat map of the cases and their
 * spatial clusters (Leaflet + leaflet.heat, no tile server needed; the deployment's tile URL from
 * /api/meta when set; each layer can be switched off), live cases and device alarms pushed over SSE,
 * today's figures, and for a chosen period (today, 7 or 30 days, any range) the trend, category and
 * department breakdowns, grid ranking with each grid's top problems, and early warnings.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import L from 'leaflet';
// leaflet.heat extends the Leaflet object (`L.heatLayer`); it must come after leaflet
import 'leaflet.heat';
import 'leaflet/dist/leaflet.css';
import type { Feature, Geometry } from 'geojson';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { addDays, districtDay } from '../../day';
import { hasPermission, useMe } from '../../auth';
import type { Alarm } from '../iot/common';
import './command-center.css';
import type { AnalyticsFigures as Figures } from '../../types';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

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
  period: { from: string; to: string };
  byGrid: Array<{ path: string; name: string; count: number }>;
  topCategoriesPerGrid: Array<{ path: string; name: string; top: Array<{ code: string | null; name: string; count: number }> }>;
  clusters: Array<{ count: number; lng: number; lat: number; radiusM: number; grid: string; topCategory: string; cases: Array<{ id: string; number: string }> }>;
  heat: Array<[number, number]>;
  truncated: boolean;
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
  /** device alarms */
  alarmId?: string;
  status?: 'raised' | 'cleared';
  severity?: string;
}
/** an active device alarm on the map (listed when the page opens, then kept by the live stream) */
interface AlarmMark {
  alarmId: string;
  lng: number;
  lat: number;
  severity: string;
  label: string;
}

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const hhmm = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(11, 19);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

// ---------------------------------------------------------------- the period (Asia/Shanghai days)

type PeriodKind = 'today' | '7d' | '30d' | 'custom';
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const spanDays = (from: string, to: string) => Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / 86_400_000) + 1;

function periodRange(kind: PeriodKind, custom: { from: string; to: string }, today: string): { from: string; to: string } {
  if (kind === 'today') return { from: today, to: today };
  if (kind === '7d') return { from: addDays(today, -6), to: today };
  if (kind === '30d') return { from: addDays(today, -29), to: today };
  return custom;
}

/** why a custom range cannot be asked for (the API's limits), or null */
function rangeProblem(r: { from: string; to: string }, x: (zh: string, en: string) => string): string | null {
  if (!DAY_RE.test(r.from) || !DAY_RE.test(r.to)) return x('请选择开始和结束日期', 'Pick both dates');
  if (r.from > r.to) return x('开始日期不能晚于结束日期', 'The start is after the end');
  if (spanDays(r.from, r.to) > 400) return x('统计区间最长 400 天', 'At most 400 days');
  return null;
}

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

export interface MapLayers {
  grids: boolean;
  heat: boolean;
  clusters: boolean;
}

function CenterMap({
  grids,
  counts,
  clusters,
  heat,
  live,
  alarms,
  layers,
  tileUrl,
}: {
  grids: OrgNode[];
  counts: Map<string, number>;
  clusters: Hotspots['clusters'];
  heat: Hotspots['heat'];
  live: LiveItem[];
  alarms: AlarmMark[];
  layers: MapLayers;
  tileUrl: string | null;
}) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const polyLayer = useRef<L.LayerGroup | null>(null);
  const heatLayer = useRef<L.HeatLayer | null>(null);
  const clusterLayer = useRef<L.LayerGroup | null>(null);
  const liveLayer = useRef<L.LayerGroup | null>(null);
  const alarmLayer = useRef<L.LayerGroup | null>(null);
  const fitted = useRef(false);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, minZoom: 10, maxZoom: 19 });
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(m);
    m.setView([28.155, 112.975], 14);
    // leaflet.heat draws into the overlay pane (z 400): the shaded grids go under it, clusters and live markers over it
    m.createPane('cc-grids').style.zIndex = '350';
    m.createPane('cc-clusters').style.zIndex = '450';
    m.createPane('cc-live').style.zIndex = '460';
    polyLayer.current = L.layerGroup();
    // a heat map of the period's cases: a red glow where many were reported close together
    heatLayer.current = L.heatLayer([], { radius: 20, blur: 16, maxZoom: 14, minOpacity: 0.05, gradient: { 0.3: '#1d39c4', 0.5: '#13c2c2', 0.7: '#a0d911', 0.85: '#fadb14', 1: '#f5222d' } });
    clusterLayer.current = L.layerGroup();
    liveLayer.current = L.layerGroup().addTo(m);
    alarmLayer.current = L.layerGroup().addTo(m);
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
      heatLayer.current = null;
      fitted.current = false;
    };
  }, [tileUrl]);

  // switch the layers on and off (grids under the heat, clusters above)
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const show = (layer: L.Layer | null, on: boolean) => {
      if (!layer) return;
      if (on && !m.hasLayer(layer)) m.addLayer(layer);
      if (!on && m.hasLayer(layer)) m.removeLayer(layer);
    };
    show(polyLayer.current, layers.grids);
    show(heatLayer.current, layers.heat);
    show(clusterLayer.current, layers.clusters);
  }, [layers, tileUrl]);

  useEffect(() => {
    const h = heatLayer.current;
    if (!h) return;
    // relative to the busiest grid of the period: a quiet period still shows where its cases were,
    // a busy one does not turn every grid red
    const busiest = Math.max(0, ...counts.values());
    h.setOptions({ max: Math.max(1, busiest / 2) });
    h.setLatLngs(heat.map(([lng, lat]) => [lat, lng, 1] as L.HeatLatLngTuple));
  }, [heat, counts, tileUrl]);

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
      L.geoJSON(f, { pane: 'cc-grids', style: { color: '#69b1ff', weight: 1.5, fillColor: shade(c, max), fillOpacity: 0.45 } })
        .bindTooltip(`${n.name}：${c} 件`, { sticky: true })
        .addTo(fg);
    }
    fg.addTo(g);
    if (!fitted.current && fg.getLayers().length) {
      // not animated: a screen left during the zoom animation threw from Leaflet ('_leaflet_pos' of a
      // removed marker, seen once the alarm signs were drawn at load)
      m.fitBounds(fg.getBounds(), { padding: [16, 16], animate: false });
      fitted.current = true;
    }
  }, [grids, counts, tileUrl]);

  useEffect(() => {
    const g = clusterLayer.current;
    if (!g) return;
    g.clearLayers();
    for (const c of clusters.slice(0, 30)) {
      L.circle([c.lat, c.lng], { pane: 'cc-clusters', radius: Math.max(30, c.radiusM), color: '#ff4d4f', weight: 2, fillOpacity: 0.25 })
        .bindTooltip(`聚集点：${c.grid} · ${c.topCategory} · ${c.count} 件`)
        .addTo(g);
    }
  }, [clusters, tileUrl]);

  useEffect(() => {
    const g = liveLayer.current;
    if (!g) return;
    g.clearLayers();
    for (const e of live.slice(0, 40)) {
      if (typeof e.lng !== 'number' || typeof e.lat !== 'number' || e.type === 'iot.alarm') continue;
      L.circleMarker([e.lat, e.lng], { pane: 'cc-live', radius: 9, color: '#fff', weight: 2, fillColor: e.type === 'case.reported' ? '#ff7a45' : '#40a9ff', fillOpacity: 0.9, className: 'cc-live-marker' })
        .bindTooltip(`${e.number ?? ''} ${e.category ?? ''}`)
        .addTo(g);
    }
  }, [live, tileUrl]);

  // active device alarms: a pulsing warning sign at the device until the alarm clears
  useEffect(() => {
    const g = alarmLayer.current;
    if (!g) return;
    g.clearLayers();
    for (const a of alarms) {
      L.marker([a.lat, a.lng], {
        icon: L.divIcon({ className: `cc-alarm-icon cc-sev-${a.severity}`, html: '<span aria-hidden="true">!</span>', iconSize: [26, 26], iconAnchor: [13, 13] }),
        title: a.label,
        zIndexOffset: 1000,
      })
        .bindTooltip(a.label)
        .addTo(g);
    }
  }, [alarms, tileUrl]);

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
  'iot.alarm': '设备告警',
};
const EVENT_TEXT_EN: Record<string, string> = {
  'case.reported': 'Reported',
  'case.filed': 'Filed',
  'case.dispatched': 'Dispatched',
  'case.accepted': 'Accepted',
  'case.resolved': 'Resolved',
  'case.closed': 'Closed',
  'case.overdue': 'Overdue',
  'case.warning': 'Due soon',
  'case.urged': 'Urged',
  'emergency.raised': 'Emergency',
  'analytics.warning': 'Early warning',
  'iot.alarm': 'Device alarm',
};

export default function CommandCenterPage() {
  const { locale } = useI18n();
  const x = useCallback((zh: string, en: string) => (locale === 'en' ? en : zh), [locale]);
  const [clock, setClock] = useState(() => new Date());
  const today = districtDay(clock);
  const [kind, setKind] = useState<PeriodKind>('30d');
  // the custom range as typed, and the last valid one (the one asked for)
  const [draft, setDraft] = useState(() => ({ from: addDays(districtDay(), -6), to: districtDay() }));
  const [custom, setCustom] = useState(draft);
  const draftProblem = kind === 'custom' ? rangeProblem(draft, x) : null;
  const editRange = (patch: Partial<typeof draft>) => {
    const next = { ...draft, ...patch };
    setDraft(next);
    if (!rangeProblem(next, x)) setCustom(next);
  };
  const asked = periodRange(kind, custom, today);
  const period = { from: asked.from, to: asked.to };
  const dash = useApi<Dashboard>('/analytics/dashboard', period);
  const hot = useApi<Hotspots>('/analytics/hotspots', period);
  const gridsApi = useApi<OrgNode[]>('/org/nodes', { level: ['grid'], geometry: true });
  const meta = useApi<{ mapTileUrl: string | null }>('/meta');
  const [live, setLive] = useState<LiveItem[]>([]);
  const [alarms, setAlarms] = useState<AlarmMark[]>([]);
  // alarms already active when the page opens (the stream only tells of changes after that)
  const me = useMe();
  const active = useApi<{ items: Alarm[] }>(hasPermission(me, 'iot.read') ? '/iot/alarms' : null, { active: true, pageSize: 200 });
  const clearedLive = useRef(new Set<string>());
  const [layers, setLayers] = useState<MapLayers>({ grids: true, heat: true, clusters: true });
  const [connected, setConnected] = useState(false);
  const reloadDash = dash.reload;
  const reloadHot = hot.reload;
  const periodLabel =
    kind === 'today' ? x('今日', 'Today') : kind === '7d' ? x('近 7 天', 'Last 7 days') : kind === '30d' ? x('近 30 天', 'Last 30 days') : `${asked.from.slice(5)} ~ ${asked.to.slice(5)}`;

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
        const alarm = d.type === 'iot.alarm';
        const status = d.status === 'cleared' ? 'cleared' : 'raised';
        const item: LiveItem = {
          key: `${d.type}:${String(d.caseId ?? d.alarmId ?? d.id ?? '')}:${alarm ? status : ''}:${d.at}`,
          type: d.type,
          at: d.at,
          number: str(d.number),
          // a device alarm: what kind of device, which rule, how serious
          category: alarm ? [str(d.deviceTypeName), str(d.name)].filter(Boolean).join(' · ') : str(d.category),
          grid: str(d.grid),
          summary: alarm ? [str(d.severityName), str(d.device)].filter(Boolean).join(' · ') : str(d.summary),
          lng: num(d.lng),
          lat: num(d.lat),
          ...(alarm ? { alarmId: str(d.alarmId), status, severity: str(d.severity) } : {}),
        };
        setLive((xs) => [item, ...xs.filter((y) => y.key !== item.key)].slice(0, 100));
        if (alarm && item.alarmId) {
          const id = item.alarmId;
          if (status === 'cleared') clearedLive.current.add(id);
          setAlarms((xs) => {
            const rest = xs.filter((a) => a.alarmId !== id);
            if (status === 'cleared' || item.lng === undefined || item.lat === undefined) return rest;
            return [{ alarmId: id, lng: item.lng, lat: item.lat, severity: item.severity ?? 'major', label: [item.category, item.grid, item.summary].filter(Boolean).join(' · ') }, ...rest].slice(0, 200);
          });
        } else refresh();
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
    const items = active.data?.items;
    if (!items) return;
    setAlarms((xs) => {
      const known = new Set(xs.map((a) => a.alarmId));
      const open = items
        .filter((a) => !known.has(a.id) && !clearedLive.current.has(a.id) && a.device.lng !== null && a.device.lat !== null)
        .map((a): AlarmMark => ({
          alarmId: a.id,
          lng: a.device.lng!,
          lat: a.device.lat!,
          severity: a.severity,
          label: [[a.device.typeName, a.name].filter(Boolean).join(' · '), [a.severityName, a.device.name].filter(Boolean).join(' · ')].filter(Boolean).join(' · '),
        }));
      return [...xs, ...open].slice(0, 200);
    });
  }, [active.data]);

  useEffect(() => {
    const t = setInterval(() => setClock(new Date()), 1000);
    return () => clearInterval(t);
  }, []);

  const d = dash.data;
  const counts = useMemo(() => new Map((hot.data?.byGrid ?? []).map((g) => [g.path, g.count])), [hot.data]);
  const topPerGrid = useMemo(() => new Map((hot.data?.topCategoriesPerGrid ?? []).map((g) => [g.path, g.top])), [hot.data]);
  const grids = useMemo(() => gridsApi.data ?? [], [gridsApi.data]);
  const heat = useMemo(() => hot.data?.heat ?? [], [hot.data]);
  const clusters = useMemo(() => hot.data?.clusters ?? [], [hot.data]);

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
        ['ontime', `${x('按期办结率', 'On time')}（${periodLabel}）`, pct(d.totals.onTimeRate)],
        ['satisfaction', `${x('满意率', 'Satisfied')}（${periodLabel}）`, pct(d.totals.satisfiedRate)],
      ]
    : [];

  return (
    <div className="cc-root" data-testid="command-center">
      <header className="cc-header">
        <nav className="cc-nav">
          <Link to="/" className="cc-back">
            {x('← 返回工作台', '← Back')}
          </Link>
          <Link to="/analytics/repeats" className="cc-back" data-testid="cc-repeats-link">
            {x('重复问题分析 →', 'Repeated problems →')}
          </Link>
        </nav>
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
      <div className="cc-toolbar">
        <div className="cc-period" role="group" aria-label={x('统计时段', 'Period')} data-testid="cc-period">
          {(
            [
              ['today', x('今日', 'Today')],
              ['7d', x('近 7 天', '7 days')],
              ['30d', x('近 30 天', '30 days')],
              ['custom', x('自定义', 'Custom')],
            ] as Array<[PeriodKind, string]>
          ).map(([k, label]) => (
            <button key={k} type="button" className={kind === k ? 'cc-btn cc-btn-on' : 'cc-btn'} aria-pressed={kind === k} onClick={() => setKind(k)}>
              {label}
            </button>
          ))}
          {kind === 'custom' ? (
            <span className="cc-range">
              <input type="date" aria-label={x('开始日期', 'From')} value={draft.from} max={today} onChange={(e) => editRange({ from: e.target.value })} />
              <span aria-hidden>~</span>
              <input type="date" aria-label={x('结束日期', 'To')} value={draft.to} max={today} onChange={(e) => editRange({ to: e.target.value })} />
            </span>
          ) : null}
          <span className="cc-period-text" data-testid="cc-period-text">
            {asked.from === asked.to ? asked.from : `${asked.from} ~ ${asked.to}`}
            {dash.loading || hot.loading ? ` · ${x('更新中…', 'updating…')}` : ''}
          </span>
          {draftProblem ? (
            <span className="cc-period-problem" role="alert">
              {draftProblem}
            </span>
          ) : null}
        </div>
        <div className="cc-layers" role="group" aria-label={x('地图图层', 'Map layers')}>
          {(
            [
              ['grids', x('网格着色', 'Grids')],
              ['heat', x('热力图', 'Heat map')],
              ['clusters', x('聚集点', 'Clusters')],
            ] as Array<[keyof MapLayers, string]>
          ).map(([k, label]) => (
            <button key={k} type="button" className={layers[k] ? 'cc-btn cc-btn-on' : 'cc-btn'} aria-pressed={layers[k]} onClick={() => setLayers((l) => ({ ...l, [k]: !l[k] }))}>
              {label}
            </button>
          ))}
        </div>
      </div>
      {dash.error || hot.error ? <div className="cc-error">{x('数据加载失败，请稍后重试', 'Failed to load')}</div> : null}
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
          <h2>
            {x('趋势', 'Trend')} · {periodLabel}
          </h2>
          <Chart option={trendOption} label={x('上报与结案趋势', 'Trend')} />
          <h2>
            {x('问题分类', 'Categories')} · {periodLabel}
          </h2>
          <Chart option={categoryOption} label={x('问题分类占比', 'Categories')} />
        </section>
        <section className="cc-panel cc-center">
          <CenterMap grids={grids} counts={counts} clusters={clusters} heat={heat} live={live} alarms={alarms} layers={layers} tileUrl={meta.data?.mapTileUrl ?? null} />
          <div className="cc-legend">
            {x(
              `${periodLabel}：网格颜色为事件量，热力为事件密度，红圈为附近反复发生的聚集点（${clusters.length} 处）；闪烁点为实时事件，“!”为设备告警`,
              `${periodLabel}: grid colour = cases, heat = density, red circles = clusters (${clusters.length}); dots = live cases, "!" = device alarms`,
            )}
            {hot.data?.truncated ? x('（仅最近的点参与热力与聚类）', ' (most recent points only)') : ''}
          </div>
        </section>
        <section className="cc-panel cc-right">
          <h2>{x('实时事件', 'Live')}</h2>
          <ol className="cc-live" data-testid="cc-live">
            {live.length === 0 ? <li className="cc-muted">{x('等待新的事件…', 'Waiting for events…')}</li> : null}
            {live.slice(0, 12).map((e) => (
              <li key={e.key} className={`cc-live-item cc-${e.type.replace('.', '-')}${e.status ? ` cc-alarm-${e.status}` : ''}`}>
                <span className="cc-live-time">{hhmm(e.at)}</span>
                <span className="cc-live-tag">{e.type === 'iot.alarm' && e.status === 'cleared' ? x('告警解除', 'Alarm cleared') : ((locale === 'en' ? EVENT_TEXT_EN : EVENT_TEXT)[e.type] ?? e.type)}</span>
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
          <h2>
            {x('网格排名', 'Grid ranking')} · {periodLabel}
          </h2>
          <table className="cc-table">
            <thead>
              <tr>
                <th>#</th>
                <th>{x('网格', 'Grid')}</th>
                <th>{x('社区', 'Community')}</th>
                <th>{x('上报', 'Reported')}</th>
                <th>{x('结案', 'Closed')}</th>
                <th>{x('按期率', 'On time')}</th>
                <th>{x('高发问题', 'Top problems')}</th>
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
                  <td className="cc-top">{(topPerGrid.get(r.path) ?? []).map((c) => `${c.name} ${c.count}`).join('、') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="cc-panel cc-bottom-right">
          <h2>
            {x('部门按期办结率', 'Departments on time')} · {periodLabel}
          </h2>
          <Chart option={deptOption} label={x('部门按期办结率', 'Departments')} />
        </section>
      </main>
    </div>
  );
}
