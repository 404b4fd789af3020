/**
 * Shared bits of the IoT (物联网感知) pages: response shapes of /api/iot, labels in both languages
 * and small helpers. Labels live here (not in the shared dictionaries) so the module's texts stay in its folder.
 */
import { Tag } from 'antd';
import dayjs from 'dayjs';
import { useI18n, type Localized } from '../../i18n';

export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export type AlarmStatus = 'active_unack' | 'active_ack' | 'cleared_unack' | 'cleared_ack';
export type RuleOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface Device {
  id: string;
  name: string;
  type: { code: string; name: string };
  tokenHint: string;
  lng: number;
  lat: number;
  address: string | null;
  gridId: string | null;
  nodePath: string;
  department: { id: string; code: string; name: string } | null;
  coverType: string | null;
  coverTypeName: string | null;
  isGateway: boolean;
  active: boolean;
  online: boolean;
  lastSeenAt: string | null;
  battery: number | null;
  attributes: Record<string, unknown>;
  props: Record<string, unknown>;
  activeAlarms: number;
  latest?: Record<string, { ts: string; value: unknown; unit: string }>;
}

export interface DeviceDetail extends Device {
  cases: Array<{ caseId: string; alarmType: string; open: boolean; outcome: string | null; normalSince: string | null }>;
}

export interface DeviceType {
  code: string;
  name: string;
  description: string;
  telemetry: Array<{ key: string; name: string; unit: string }>;
}

export interface DeviceTypes {
  types: DeviceType[];
  coverTypes: Array<{ code: string; name: string; categoryCode: string }>;
}

export interface Alarm {
  id: string;
  device: { id: string; name: string | null; type: string | null; typeName: string | null; lng: number | null; lat: number | null; address: string | null };
  ruleId: string;
  name: string;
  alarmType: string;
  severity: Severity;
  severityName: string;
  status: AlarmStatus;
  statusName: string;
  startedAt: string;
  clearedAt: string | null;
  clearedBy: string | null;
  ackedAt: string | null;
  ackedBy: { id: string | null; name: string | null } | null;
  firstValue: unknown;
  lastValue: unknown;
  lastAt: string;
  readings: number;
  caseId: string | null;
  casePending: boolean;
  caseError: string | null;
}

export interface AlarmRule {
  id: string;
  deviceType: string;
  alarmType: string;
  name: string;
  kind: 'threshold' | 'offline';
  key: string | null;
  op: RuleOp | null;
  threshold: number | null;
  clearThreshold: number | null;
  durationS: number;
  offlineMinutes: number | null;
  severity: Severity;
  severityName: string;
  createCase: boolean;
  categoryCode: string | null;
  enabled: boolean;
  summary: string;
  updatedAt: string;
}

export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Series {
  deviceId: string;
  agg: 'raw' | 'hour' | 'day';
  from: string;
  to: string;
  keys: Array<{ key: string; unit: string; name: string }>;
  series: Record<string, Array<{ ts: string; value?: unknown; n?: number; min?: number; max?: number; avg?: number; last?: number }>>;
}

export const SEVERITIES: Severity[] = ['critical', 'major', 'minor', 'warning'];
export const SEVERITY: Record<Severity, Localized & { color: string }> = {
  critical: { zh: '紧急', en: 'Critical', color: 'red' },
  major: { zh: '重要', en: 'Major', color: 'orange' },
  minor: { zh: '次要', en: 'Minor', color: 'gold' },
  warning: { zh: '提示', en: 'Warning', color: 'blue' },
};

export const STATUSES: AlarmStatus[] = ['active_unack', 'active_ack', 'cleared_unack', 'cleared_ack'];
export const STATUS: Record<AlarmStatus, Localized & { color: string }> = {
  active_unack: { zh: '激活未确认', en: 'Active, unacknowledged', color: 'red' },
  active_ack: { zh: '激活已确认', en: 'Active, acknowledged', color: 'volcano' },
  cleared_unack: { zh: '已清除未确认', en: 'Cleared, unacknowledged', color: 'gold' },
  cleared_ack: { zh: '已清除已确认', en: 'Cleared, acknowledged', color: 'default' },
};

export const OPS: Record<RuleOp, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=', neq: '≠' };

export const L = {
  type: { zh: '类型', en: 'Type' },
  name: { zh: '名称', en: 'Name' },
  state: { zh: '状态', en: 'State' },
  online: { zh: '在线', en: 'Online' },
  offline: { zh: '离线', en: 'Offline' },
  grid: { zh: '网格', en: 'Grid' },
  address: { zh: '地址', en: 'Address' },
  department: { zh: '权属部门', en: 'Department' },
  lastSeen: { zh: '最后上报', en: 'Last seen' },
  battery: { zh: '电量', en: 'Battery' },
  alarms: { zh: '告警', en: 'Alarms' },
  actions: { zh: '操作', en: 'Actions' },
  detail: { zh: '详情', en: 'Details' },
  device: { zh: '设备', en: 'Device' },
  severity: { zh: '级别', en: 'Severity' },
  search: { zh: '名称或地址', en: 'Name or address' },
  refresh: { zh: '刷新', en: 'Refresh' },
  all: { zh: '全部', en: 'All' },
  total: { zh: '共 {n} 条', en: '{n} in all' },
} satisfies Record<string, Localized>;

export function fmtTime(ts: string | null | undefined): string {
  return ts ? dayjs(ts).format('YYYY-MM-DD HH:mm:ss') : '-';
}

export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function SeverityTag({ s }: { s: Severity }) {
  const { tl } = useI18n();
  return <Tag color={SEVERITY[s].color}>{tl(SEVERITY[s])}</Tag>;
}

export function StatusTag({ s }: { s: AlarmStatus }) {
  const { tl } = useI18n();
  return <Tag color={STATUS[s].color} data-testid="alarm-status">{tl(STATUS[s])}</Tag>;
}

export function OnlineTag({ online }: { online: boolean }) {
  const { tl } = useI18n();
  return online ? <Tag color="green">{tl(L.online)}</Tag> : <Tag>{tl(L.offline)}</Tag>;
}

/** Marker colours on the device map. */
export const MARKER = { alarm: '#cf1322', online: '#389e0d', offline: '#8c8c8c' };
