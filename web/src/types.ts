/** Shapes of the server's responses (see /api/docs/json). */
import type { MultiPolygon, Polygon } from 'geojson';

export type Role =
  | 'resident'
  | 'grid_worker'
  | 'grid_leader'
  | 'dispatcher'
  | 'dept_handler'
  | 'supervisor'
  | 'community_admin'
  | 'street_admin'
  | 'mediator'
  | 'partner'
  | 'auditor'
  | 'admin';

export interface Me {
  id: string | null;
  username: string;
  displayName: string;
  roles: Role[];
  roleNames: string[];
  nodeId: string | null;
  nodePath: string | null;
  departmentId: string | null;
  residentId: string | null;
  permissions: string[];
}

export type Level = 'district' | 'street' | 'community' | 'estate' | 'grid' | 'building' | 'household';

export interface OrgNode {
  id: string;
  parentId: string | null;
  level: Level;
  code: string;
  name: string;
  path: string;
  lng: number | null;
  lat: number | null;
  props: Record<string, unknown>;
  geometry?: Polygon | MultiPolygon | null;
}

export interface OrgNodeDetail extends OrgNode {
  parent?: OrgNode | null;
  children?: OrgNode[];
}

export interface Department {
  id: string;
  code: string;
  name: string;
  kind: string;
  handles: string;
  parentCode: string | null;
  serviceArea: unknown;
  phone: string | null;
  active: boolean;
}

export interface Resident {
  id: string;
  name: string;
  gender: 'M' | 'F' | null;
  age: number | null;
  phone: string | null;
  idCard: string | null;
  address: string | null;
  householdId: string | null;
  nodePath: string;
  relation: string | null;
  tags: string[];
  status: 'resident' | 'moved_out' | 'deceased';
  masked: boolean;
}

export const RESIDENT_TAGS = ['独居老人', '高龄', '残疾人', '低保', '优抚对象', '重点关注', '党员', '志愿者'] as const;

export interface Category {
  code: string;
  name: string;
  group: string;
  department: string;
  cc: string[];
  limitHours: number;
  priority: 'urgent' | 'high' | 'normal' | 'low';
  description: string;
  active: boolean;
}

export interface PageResult<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** The case figures of an analytics period (GET /api/analytics/dashboard, /reports). */
export interface AnalyticsFigures {
  reported: number;
  filed: number;
  closed: number;
  overdue: number;
  onTimeRate: number | null;
  satisfaction: number | null;
  satisfiedRate: number | null;
  rated: number;
}
