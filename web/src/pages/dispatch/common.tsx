/**
 * Shared bits of the dispatch (智能分派) pages: response shapes of /api/dispatch, labels in both
 * languages, and the routing trace table used by the playground and the rules preview.
 */
import { Table, Tag } from 'antd';
import { useI18n, type Localized } from '../../i18n';

export type RuleKind = 'estate_property' | 'service_area' | 'cover_type';

export interface RouteStep {
  ruleId: string;
  name: string;
  kind: string;
  applies: boolean;
  fired: boolean;
  reason: string;
  departmentCode: string | null;
}

interface Ref {
  id: string;
  code: string;
  name: string;
  path: string;
}

export interface Located {
  grid: Ref | null;
  estate: Ref | null;
  community: Ref | null;
}

export interface ClassifyResult {
  top: Array<{ code: string; name: string; confidence: number }>;
  categoryCode: string;
  confidence: number;
  triage: boolean;
  threshold: number;
  departmentCode: string;
  departmentName: string | null;
  ccCodes: string[];
  words: Array<{ word: string; weight: number }>;
  routing: { defaultDepartment: string; rule: { id: string; name: string; kind: string } | null; located: Located | null; trace: RouteStep[] };
  model: { trainedAt: string };
}

export interface PreviewResult {
  source: string;
  confidence: number | null;
  categoryCode: string;
  categoryName: string;
  defaultDepartment: string;
  departmentCode: string;
  departmentName: string | null;
  ccCodes: string[];
  rule: { id: string; name: string; kind: string } | null;
  located: Located | null;
  trace: RouteStep[];
}

export interface DispatchRule {
  id: string;
  name: string;
  kind: RuleKind;
  priority: number;
  categoryCodes: string[];
  categoryGroups: string[];
  params: { departmentCode?: string | null; map?: Record<string, string> };
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export const KINDS: Record<RuleKind, Localized> = {
  estate_property: { zh: '小区物业', en: 'Estate property company' },
  service_area: { zh: '服务区域', en: 'Service area' },
  cover_type: { zh: '井盖权属', en: 'Manhole owner' },
};

export const KIND_HELP: Record<RuleKind, Localized> = {
  estate_property: { zh: '位置落在小区内时，交该小区的物业服务企业处置', en: 'Inside an estate: its property company handles it' },
  service_area: { zh: '位置落在某部门（或默认部门的下属单位）的服务区域内时，交该部门', en: 'Inside a department’s service area: that department' },
  cover_type: { zh: '按井盖类型（属性或描述中的关键词）交权属单位', en: 'By manhole cover type (attribute or words in the text)' },
};

export const COVER_TYPES = [
  { value: 'water_supply', label: { zh: '供水', en: 'Water supply' } },
  { value: 'drainage', label: { zh: '排水', en: 'Drainage' } },
  { value: 'power', label: { zh: '电力', en: 'Power' } },
  { value: 'telecom', label: { zh: '通信', en: 'Telecom' } },
  { value: 'gas', label: { zh: '燃气', en: 'Gas' } },
];

export const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(digits)}%`);

export function LocatedText({ located }: { located: Located | null }) {
  const { tl } = useI18n();
  if (!located) return <>-</>;
  const parts = [located.community?.name, located.estate?.name, located.grid?.name].filter(Boolean);
  return <>{parts.length ? parts.join(' / ') : tl({ zh: '不在辖区网格内', en: 'Outside the grids' })}</>;
}

/** How the rules were tried, in order. */
export function TraceTable({ trace, deptName }: { trace: RouteStep[]; deptName: (code: string) => string }) {
  const { tl } = useI18n();
  return (
    <Table<RouteStep>
      size="small"
      rowKey="ruleId"
      pagination={false}
      dataSource={trace}
      data-testid="route-trace"
      locale={{ emptyText: tl({ zh: '没有启用的分派规则', en: 'No active rules' }) }}
      columns={[
        { title: tl({ zh: '规则', en: 'Rule' }), dataIndex: 'name' },
        { title: tl({ zh: '种类', en: 'Kind' }), dataIndex: 'kind', render: (k: RuleKind) => (KINDS[k] ? tl(KINDS[k]) : k) },
        { title: tl({ zh: '结果', en: 'Result' }), key: 'r', render: (_, s) => (s.fired ? <Tag color="green">{tl({ zh: '命中', en: 'Fired' })}</Tag> : s.applies ? <Tag>{tl({ zh: '未命中', en: 'Did not fire' })}</Tag> : <Tag color="default">{tl({ zh: '不适用', en: 'N/A' })}</Tag>) },
        { title: tl({ zh: '说明', en: 'Why' }), dataIndex: 'reason' },
        { title: tl({ zh: '部门', en: 'Department' }), dataIndex: 'departmentCode', render: (c: string | null) => (c ? deptName(c) : '-') },
      ]}
    />
  );
}
