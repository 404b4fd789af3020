/**
 * Shared bits of the case-handling (事件处置) screens: response shapes, bilingual labels, the state
 * tag, photo upload, the pin map, the timeline and the list table with filters, paging and export.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Alert, Button, Image, Input, Select, Space, Table, Tag, Timeline, type TableColumnsType } from 'antd';
import { DownloadOutlined, EnvironmentOutlined, ReloadOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { Geometry } from 'geojson';
import { ApiError, api, buildQuery } from '../../api';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import type { Category, PageResult } from '../../types';

export type CaseState = 'reported' | 'filed' | 'rejected' | 'dispatched' | 'accepted' | 'returned' | 'resolved' | 'rework' | 'closed' | 'suspended' | 'merged';
export type CaseAction =
  | 'file'
  | 'reject'
  | 'dispatch'
  | 'merge'
  | 'accept'
  | 'return'
  | 'resolve'
  | 'requestExtension'
  | 'decideExtension'
  | 'verify'
  | 'reopen'
  | 'rate'
  | 'suspend'
  | 'resume'
  | 'urge'
  | 'escalate'
  | 'note';

export interface FileView {
  id: string;
  url: string;
  thumbUrl: string | null;
}
type Ref = { id: string; code: string; name: string };

export interface TimelineEntry {
  id: string;
  at: string;
  action: string;
  label: string;
  actor: string | null;
  department: Ref | null;
  note: string | null;
  photos: FileView[];
}

export interface CaseView {
  id: string;
  number: string;
  trackCode: string;
  state: CaseState;
  stateName: string;
  version: number;
  channel: string;
  description: string;
  category: { code: string; name: string; limitHours: number; priority: string } | null;
  priority: string;
  location: { lng: number; lat: number };
  address: string | null;
  grid: (Ref & { path: string }) | null;
  estate: Ref | null;
  community: Ref | null;
  department: Ref | null;
  cc: Ref[];
  reporter: { name: string | null; phone: string | null } | null;
  anonymous: boolean;
  mergedInto: { id: string; number: string } | null;
  advice: { categoryCode?: string | null; departmentCode?: string | null; confidence?: number; autoDispatch?: boolean } | null;
  photos: FileView[];
  reportedAt: string;
  dispatchedAt: string | null;
  acceptedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  acceptDueAt: string | null;
  deadlineAt: string | null;
  overdue: boolean;
  reworkCount: number;
  returnCount: number;
  reopenCount: number;
  urgeCount: number;
  escalationLevel: number;
  /** the level of the tree now supervising the case after escalation (提级) */
  escalation?: { level: number; levelName: string; node: { id: string; name: string; path: string } | null } | null;
  rating: number | null;
  ratingComment: string | null;
  pendingExtension: { id: string; hours: number; reason: string; requestedAt: string } | null;
  allowedActions?: CaseAction[];
  possibleDuplicates?: Array<{ id: string; number: string; distanceM: number; state: CaseState }>;
  timeline?: TimelineEntry[];
  created?: boolean;
}

export type CasePage = PageResult<CaseView>;

export interface Suggestion {
  code: string;
  name: string;
  confidence: number;
}

/** Bilingual text for the cases pages: x('中文', 'English'). */
export function useX() {
  const { locale } = useI18n();
  return useCallback((zh: string, en: string) => (locale === 'en' ? en : zh), [locale]);
}

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai. */
export function fmt(iso: string | null | undefined): string {
  if (!iso) return '—';
  const s = new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

const STATE_COLOR: Record<CaseState, string> = {
  reported: 'gold',
  filed: 'orange',
  rejected: 'default',
  dispatched: 'blue',
  accepted: 'processing',
  returned: 'magenta',
  resolved: 'cyan',
  rework: 'volcano',
  closed: 'success',
  suspended: 'purple',
  merged: 'default',
};

export function StateTag({ c }: { c: Pick<CaseView, 'state' | 'stateName'> & { overdue?: boolean; escalation?: CaseView['escalation'] } }) {
  const x = useX();
  return (
    <Space size={4} wrap>
      <Tag color={STATE_COLOR[c.state]} data-testid="case-state">
        {c.stateName}
      </Tag>
      {c.overdue && <Tag color="red">{x('已超时', 'Overdue')}</Tag>}
      {c.escalation && (
        <Tag color="volcano" data-testid="case-escalation">
          {x(`已提级至${c.escalation.node?.name ?? c.escalation.levelName}`, `Escalated to ${c.escalation.node?.name ?? c.escalation.levelName}`)}
        </Tag>
      )}
    </Space>
  );
}

export const CHANNEL_NAMES: Record<string, [string, string]> = {
  resident: ['居民上报', 'Resident'],
  patrol: ['网格巡查', 'Patrol'],
  hotline: ['热线', 'Hotline'],
  iot: ['物联感知', 'Sensor'],
  api: ['第三方', 'API'],
  proxy: ['帮代办', 'Proxy'],
};

/** Uploads photos to /api/files (multipart, field "file"); returns their views. */
export async function uploadPhotos(files: File[]): Promise<FileView[]> {
  const fd = new FormData();
  for (const f of files) fd.append('file', f, f.name);
  const res = await fetch('/api/files', { method: 'POST', body: fd, credentials: 'same-origin' });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_' + res.status, e?.message ?? '', e?.details ?? null);
  }
  return data as FileView[];
}

/** A photo picker (camera or album, up to `max`) that uploads at once and keeps the ids. */
export function PhotoPicker({ value = [], onChange, max = 9, testId = 'photo-input' }: { value?: FileView[]; onChange?: (v: FileView[]) => void; max?: number; testId?: string }) {
  const x = useX();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const full = value.length >= max;
  return (
    <div className="og-case-photos">
      <Space wrap>
        {value.map((p) => (
          <div key={p.id} className="og-case-photo">
            <Image src={p.thumbUrl ?? p.url} width={72} height={72} style={{ objectFit: 'cover' }} alt={x('照片', 'Photo')} />
            <Button size="small" type="link" danger onClick={() => onChange?.(value.filter((v) => v.id !== p.id))}>
              {x('删除', 'Remove')}
            </Button>
          </div>
        ))}
        <label className={`og-case-photo-add${full ? ' is-disabled' : ''}`}>
          <input
            type="file"
            accept="image/jpeg,image/png,image/webp"
            multiple
            disabled={full || busy}
            data-testid={testId}
            style={{ display: 'none' }}
            onChange={async (e) => {
              const list = [...(e.target.files ?? [])].slice(0, max - value.length);
              e.target.value = '';
              if (!list.length) return;
              setBusy(true);
              setErr(null);
              try {
                onChange?.([...value, ...(await uploadPhotos(list))].slice(0, max));
              } catch (error) {
                setErr(errorText(error, t));
              } finally {
                setBusy(false);
              }
            }}
          />
          <Button loading={busy} disabled={full} onClick={(e) => (e.currentTarget.previousElementSibling as HTMLInputElement | null)?.click()}>
            {busy ? x('上传中', 'Uploading') : x(`拍照/相册（${value.length}/${max}）`, `Camera/album (${value.length}/${max})`)}
          </Button>
        </label>
      </Space>
      {err && <Alert type="error" showIcon title={err} style={{ marginTop: 8 }} />}
    </div>
  );
}

export function Photos({ photos }: { photos: FileView[] }) {
  const x = useX();
  if (!photos.length) return null;
  return (
    <Image.PreviewGroup>
      <Space wrap>
        {photos.map((p) => (
          <Image key={p.id} src={p.thumbUrl ?? p.url} preview={{ src: p.url }} width={80} height={80} style={{ objectFit: 'cover' }} alt={x('照片', 'Photo')} />
        ))}
      </Space>
    </Image.PreviewGroup>
  );
}

export interface GridShape {
  id: string;
  name: string;
  geometry?: Geometry | null;
}

const PIN: L.CircleMarkerOptions = { radius: 7, color: '#cf1322', weight: 3, fillColor: '#ff4d4f', fillOpacity: 0.8 };

/**
 * A Leaflet map with the grid polygons (when the caller may read them) and one pin. With
 * `onChange` a click moves the pin. No tile server: a plain background, like the org map.
 */
export function PinMap({ value, onChange, grids = [], height = 260 }: { value?: { lng: number; lat: number } | null; onChange?: (v: { lng: number; lat: number }) => void; grids?: GridShape[]; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  const pin = useRef<L.CircleMarker | null>(null);
  const cb = useRef(onChange);
  useEffect(() => {
    cb.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!el.current) return;
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, minZoom: 10, maxZoom: 19 });
    m.setView([28.16, 112.97], 14);
    m.on('click', (e: L.LeafletMouseEvent) => cb.current?.({ lng: Math.round(e.latlng.lng * 1e6) / 1e6, lat: Math.round(e.latlng.lat * 1e6) / 1e6 }));
    map.current = m;
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      m.remove();
      map.current = null;
      pin.current = null;
    };
  }, []);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    const group = L.featureGroup();
    for (const g of grids) {
      if (!g.geometry) continue;
      L.geoJSON({ type: 'Feature', geometry: g.geometry, properties: {} } as GeoJSON.Feature, { style: () => ({ color: '#1677ff', weight: 1.5, fillOpacity: 0.06 }), interactive: false }).eachLayer((layer) => {
        (layer as L.Path).bindTooltip(g.name, { sticky: true });
        group.addLayer(layer);
      });
    }
    group.addTo(m);
    if (grids.length && !pin.current) m.fitBounds(group.getBounds(), { padding: [8, 8] });
    return () => {
      group.remove();
    };
  }, [grids]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    if (!value) {
      pin.current?.remove();
      pin.current = null;
      return;
    }
    if (!pin.current) pin.current = L.circleMarker([value.lat, value.lng], PIN).addTo(m);
    else pin.current.setLatLng([value.lat, value.lng]);
    m.setView([value.lat, value.lng], Math.max(m.getZoom(), 16));
  }, [value]);

  return <div ref={el} className="og-map og-case-map" style={{ height }} data-testid="case-map" />;
}

/** Grid polygons for the maps, for callers who may read the organisation (staff); [] otherwise. */
export function useGridShapes(enabled: boolean): GridShape[] {
  const r = useApi<GridShape[]>(enabled ? '/org/nodes' : null, { level: 'grid', geometry: true });
  return r.data ?? EMPTY;
}
const EMPTY: GridShape[] = [];

export function CaseTimeline({ items }: { items: TimelineEntry[] }) {
  return (
    <Timeline
      data-testid="case-timeline"
      items={items.map((e) => ({
        key: e.id,
        content: (
          <div>
            <div>
              <strong>{e.label}</strong> <span className="og-case-muted">{fmt(e.at)}</span>
            </div>
            <div className="og-case-muted">{[e.actor, e.department?.name].filter(Boolean).join(' · ')}</div>
            {e.note && <div className="og-case-note">{e.note}</div>}
            {e.photos?.length ? <Photos photos={e.photos} /> : null}
          </div>
        ),
      }))}
    />
  );
}

/** Categories (public list), cached by the hook per page. */
export function useCategories(): Category[] {
  return useApi<Category[]>('/dispatch/categories').data ?? NO_CATS;
}
const NO_CATS: Category[] = [];

/** Classifier top-3 for a text (debounced); [] when the caller may not classify or the text is short. */
export function useSuggestions(text: string, location: { lng: number; lat: number } | null | undefined, enabled: boolean): Suggestion[] {
  const [res, setRes] = useState<{ key: string; top: Suggestion[] }>({ key: '', top: [] });
  const lng = location?.lng;
  const lat = location?.lat;
  const s = text.trim();
  const active = enabled && s.length >= 4;
  const key = `${s}|${lng}|${lat}`;
  useEffect(() => {
    if (!active) return;
    const ac = new AbortController();
    const timer = setTimeout(() => {
      api<{ top: Suggestion[] }>('/dispatch/classify', { method: 'POST', body: { text: s, ...(lng !== undefined && lat !== undefined ? { location: { lng, lat } } : {}) }, signal: ac.signal }).then(
        (r) => setRes({ key, top: r.top.slice(0, 3) }),
        () => setRes({ key, top: [] }),
      );
    }, 400);
    return () => {
      clearTimeout(timer);
      ac.abort();
    };
  }, [s, lng, lat, active, key]);
  // the last answer stays on screen while the next one is on its way
  return active ? res.top : NO_SUGGESTIONS;
}
const NO_SUGGESTIONS: Suggestion[] = [];

export function SuggestionTags({ top, value, onPick }: { top: Suggestion[]; value?: string; onPick: (code: string) => void }) {
  const x = useX();
  if (!top.length) return null;
  return (
    <div className="og-case-suggest" data-testid="category-suggestions">
      <span className="og-case-muted">{x('智能建议：', 'Suggested: ')}</span>
      {top.map((s) => (
        <Tag.CheckableTag key={s.code} checked={value === s.code} onChange={() => onPick(s.code)}>
          {s.name} {Math.round(s.confidence * 100)}%
        </Tag.CheckableTag>
      ))}
    </div>
  );
}

export interface ListFilters {
  q?: string;
  category?: string;
  channel?: string;
  state?: CaseState[];
}

/**
 * The table every case list shares: keyword, category and channel filters, paging, CSV export of
 * the same query, and a column of row actions supplied by the page.
 */
export function CaseTable({
  path,
  query = {},
  actions,
  states,
  testId,
  extraColumns = [],
  reloadKey = 0,
}: {
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  actions?: (c: CaseView, reload: () => void) => ReactNode;
  states?: CaseState[];
  testId?: string;
  extraColumns?: TableColumnsType<CaseView>;
  reloadKey?: number;
}) {
  const x = useX();
  const { t } = useI18n();
  const cats = useCategories();
  const [draft, setDraft] = useState<ListFilters>({});
  const [filters, setFilters] = useState<ListFilters>({});
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const q = { ...query, ...filters, ...page };
  const r = useApi<CasePage>(path, q);
  const { reload } = r;
  useEffect(() => {
    if (reloadKey) reload();
  }, [reloadKey, reload]);
  const columns: TableColumnsType<CaseView> = [
    { title: x('编号', 'Number'), dataIndex: 'number', width: 150, render: (n: string, c) => <Link to={`/cases/${c.id}`}>{n}</Link> },
    { title: x('描述', 'Description'), dataIndex: 'description', width: 260, ellipsis: true },
    { title: x('分类', 'Category'), key: 'cat', width: 130, render: (_, c) => c.category?.name ?? <Tag>{x('待分类', 'Unclassified')}</Tag> },
    { title: x('网格', 'Grid'), key: 'grid', width: 120, responsive: ['md'], render: (_, c) => c.grid?.name ?? '—' },
    { title: x('部门', 'Department'), key: 'dept', width: 140, responsive: ['lg'], render: (_, c) => c.department?.name ?? '—' },
    { title: x('来源', 'Channel'), dataIndex: 'channel', width: 90, responsive: ['lg'], render: (ch: string) => x(...(CHANNEL_NAMES[ch] ?? [ch, ch])) },
    { title: x('状态', 'State'), key: 'state', width: 120, render: (_, c) => <StateTag c={c} /> },
    { title: x('上报时间', 'Reported'), dataIndex: 'reportedAt', width: 140, responsive: ['md'], render: (v: string) => fmt(v) },
    { title: x('处置时限', 'Deadline'), dataIndex: 'deadlineAt', width: 140, responsive: ['lg'], render: (v: string | null) => fmt(v) },
    ...extraColumns,
  ];
  if (actions) columns.push({ title: x('操作', 'Actions'), key: 'actions', width: 220, fixed: 'right', render: (_, c) => actions(c, reload) });
  const exportHref = `/api${path}${buildQuery({ ...query, ...filters, format: 'csv', page: 1, pageSize: 100 })}`;
  return (
    <div data-testid={testId}>
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={x('编号、描述或地址', 'Number, text or address')}
          style={{ width: 220 }}
          value={draft.q}
          onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          onSearch={() => {
            setFilters(draft);
            setPage((p) => ({ ...p, page: 1 }));
          }}
        />
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          placeholder={x('分类', 'Category')}
          style={{ width: 170 }}
          value={draft.category}
          onChange={(v?: string) => setDraft({ ...draft, category: v })}
          options={cats.map((c) => ({ value: c.code, label: `${c.code} ${c.name}` }))}
        />
        <Select
          allowClear
          placeholder={x('来源', 'Channel')}
          style={{ width: 120 }}
          value={draft.channel}
          onChange={(v?: string) => setDraft({ ...draft, channel: v })}
          options={Object.entries(CHANNEL_NAMES).map(([k, v]) => ({ value: k, label: x(v[0], v[1]) }))}
        />
        {states && (
          <Select
            allowClear
            mode="multiple"
            placeholder={x('状态', 'State')}
            style={{ minWidth: 140 }}
            value={draft.state}
            onChange={(v: CaseState[]) => setDraft({ ...draft, state: v })}
            options={states.map((s) => ({ value: s, label: STATE_LABEL[s] }))}
          />
        )}
        <Button
          type="primary"
          onClick={() => {
            setFilters(draft);
            setPage((p) => ({ ...p, page: 1 }));
          }}
        >
          {x('查询', 'Search')}
        </Button>
        <Button icon={<ReloadOutlined />} onClick={reload} aria-label={x('刷新', 'Refresh')} />
        <Button icon={<DownloadOutlined />} href={exportHref} download>
          {x('导出 CSV', 'Export CSV')}
        </Button>
      </Space>
      {r.error ? <Alert type="error" showIcon title={errorText(r.error, t)} style={{ marginBottom: 12 }} /> : null}
      <Table<CaseView>
        rowKey="id"
        size="middle"
        loading={r.loading}
        columns={columns}
        dataSource={r.data?.items ?? []}
        scroll={{ x: 1400 }}
        pagination={{
          current: page.page,
          pageSize: page.pageSize,
          total: r.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => x(`共 ${n} 条`, `${n} in all`),
          onChange: (p, s) => setPage({ page: p, pageSize: s }),
        }}
      />
    </div>
  );
}

export const STATE_LABEL: Record<CaseState, string> = {
  reported: '待受理',
  filed: '已立案',
  rejected: '不予立案',
  dispatched: '已派遣',
  accepted: '处置中',
  returned: '已退回',
  resolved: '待核查',
  rework: '返工',
  closed: '已结案',
  suspended: '挂账',
  merged: '已合并',
};

export function LocationText({ c }: { c: Pick<CaseView, 'address' | 'grid' | 'community' | 'location'> }) {
  return (
    <span>
      <EnvironmentOutlined /> {[c.community?.name, c.grid?.name, c.address].filter(Boolean).join(' · ') || `${c.location.lng}, ${c.location.lat}`}
    </span>
  );
}

/** A new idempotency key for one submission (kept across retries of that submission). */
export function newIdemKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `k${Date.now()}${Math.random().toString(16).slice(2)}`;
}
