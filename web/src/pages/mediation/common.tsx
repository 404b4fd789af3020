/**
 * Shared bits of the mediation (矛盾纠纷调解) pages: response shapes, labels in both languages and
 * small helpers. Labels live here (not in the shared dictionaries) so the module's texts stay in its folder.
 */
import { Tag } from 'antd';
import { useI18n, type Localized } from '../../i18n';

export type DisputeType = 'neighbour' | 'family' | 'property' | 'land' | 'labour' | 'consumer' | 'other';
export type Tier = 'grid' | 'street' | 'district';
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type DisputeState = 'pending' | 'mediating' | 'agreed' | 'partial' | 'failed' | 'referred' | 'closed' | 'rejected';

export interface DisputeItem {
  id: string;
  number: string;
  source: string;
  caseId: string | null;
  type: DisputeType;
  typeName: string;
  title: string;
  nodePath: string;
  placeName: string | null;
  tier: Tier;
  tierName: string;
  state: DisputeState;
  stateName: string;
  riskLevel: RiskLevel;
  riskName: string;
  enterpriseRelated: boolean;
  warned: boolean;
  partyNames: string[];
  createdAt: string;
  concludedAt: string | null;
}

export interface Party {
  id: string;
  role: 'applicant' | 'respondent' | 'third';
  kind: 'person' | 'enterprise';
  name: string;
  phone: string | null;
  address: string | null;
}

export interface Session {
  id: string;
  scheduledAt: string;
  mode: 'in_person' | 'online';
  location: string | null;
  meetingUrl: string | null;
  status: 'scheduled' | 'held' | 'cancelled';
  attendance: Array<{ name: string; role: string; present: boolean }>;
  notes: string | null;
  outcome: 'agreement' | 'partial' | 'failed' | null;
}

export interface Agreement {
  id: string;
  number: string;
  kind: 'full' | 'partial';
  terms: string[];
  performance: string | null;
  mediatorNames: string[];
  signed: boolean;
  judicialStatus: 'none' | 'filed' | 'confirmed' | 'refused';
  judicialCourt: string | null;
  judicialNote: string | null;
  superseded: boolean;
  createdAt: string;
  pdfUrl: string;
}

export interface Followup {
  id: string;
  dayOffset: number;
  dueAt: string;
  status: 'scheduled' | 'due' | 'done' | 'cancelled';
  outcome: 'kept' | 'partly_kept' | 'broken' | null;
  notes: string | null;
  counselling: boolean;
}

export interface Warning {
  id: string;
  disputeId: string;
  rule: 'repeat' | 'rising_risk' | 'many_contacts';
  detail: string;
  status: 'open' | 'acknowledged';
  createdAt: string;
  ackNote: string | null;
}

export interface DisputeDetail extends DisputeItem {
  description: string;
  claims: string | null;
  referral: { to: string; institution: string; reason: string; at: string } | null;
  rejectReason: string | null;
  reopenCount: number;
  contactCount: number;
  parties: Party[];
  masked: boolean;
  mediators: Array<{ expertId: string; name: string; kindName: string; mediationTypeName: string; tier: Tier; role: string; organization: string | null }>;
  escalations: Array<{ fromTier: Tier; toTier: Tier; reason: string; byName: string | null; at: string }>;
  sessions: Session[];
  agreements: Agreement[];
  followups: Followup[];
  warnings: Warning[];
  timeline: Array<{ id: string; type: string; actor: string | null; note: string | null; at: string }>;
  allowedActions: string[];
}

export interface Expert {
  id: string;
  name: string;
  kind: string;
  kindName: string;
  mediationType: string;
  mediationTypeName: string;
  tier: Tier;
  tierName: string;
  placeName: string | null;
  organization: string | null;
  expertise: DisputeType[];
  expertiseNames: string[];
  phone: string | null;
  available: boolean;
  maxLoad: number;
  load: number;
  score?: number;
  reasons?: string[];
}

export interface LegalAid {
  id: string;
  requesterKind: 'resident' | 'enterprise';
  enterpriseName: string | null;
  name: string;
  phone: string | null;
  topicName: string;
  question: string;
  placeName: string | null;
  status: 'open' | 'matched' | 'answered' | 'closed';
  expert: { id: string; name: string; kindName: string; organization: string | null } | null;
  answer: string | null;
  createdAt: string;
}

export const TYPES: Record<DisputeType, Localized> = {
  neighbour: { zh: '邻里纠纷', en: 'Neighbours' },
  family: { zh: '婚姻家庭纠纷', en: 'Family' },
  property: { zh: '物业纠纷', en: 'Property management' },
  land: { zh: '土地宅基地纠纷', en: 'Land and homestead' },
  labour: { zh: '劳动争议', en: 'Labour' },
  consumer: { zh: '消费纠纷', en: 'Consumer' },
  other: { zh: '其他纠纷', en: 'Other' },
};
export const TIERS: Record<Tier, Localized> = {
  grid: { zh: '网格（社区）', en: 'Grid / community' },
  street: { zh: '街道调处中心', en: 'Street center' },
  district: { zh: '区调处中心', en: 'District center' },
};
export const RISKS: Record<RiskLevel, Localized> = {
  low: { zh: '低', en: 'Low' },
  medium: { zh: '中', en: 'Medium' },
  high: { zh: '高', en: 'High' },
  critical: { zh: '重大', en: 'Critical' },
};
export const STATES: Record<DisputeState, Localized> = {
  pending: { zh: '待受理', en: 'Pending' },
  mediating: { zh: '调解中', en: 'Mediating' },
  agreed: { zh: '已达成协议', en: 'Agreed' },
  partial: { zh: '部分达成', en: 'Partly agreed' },
  failed: { zh: '调解未成功', en: 'Failed' },
  referred: { zh: '已引导诉讼/仲裁', en: 'Referred' },
  closed: { zh: '已结案', en: 'Closed' },
  rejected: { zh: '不予受理', en: 'Rejected' },
};
export const RULES: Record<Warning['rule'], Localized> = {
  repeat: { zh: '重复发生', en: 'Repeated' },
  rising_risk: { zh: '风险升级', en: 'Rising risk' },
  many_contacts: { zh: '反复来访', en: 'Many contacts' },
};
export const FOLLOWUP_OUTCOMES: Record<NonNullable<Followup['outcome']>, Localized> = {
  kept: { zh: '已履行', en: 'Kept' },
  partly_kept: { zh: '部分履行', en: 'Partly kept' },
  broken: { zh: '未履行（重新调解）', en: 'Broken (reopen)' },
};
export const JUDICIAL: Record<Agreement['judicialStatus'], Localized> = {
  none: { zh: '未申请司法确认', en: 'No judicial confirmation' },
  filed: { zh: '已申请司法确认', en: 'Confirmation filed' },
  confirmed: { zh: '法院已确认', en: 'Confirmed by the court' },
  refused: { zh: '法院不予确认', en: 'Refused by the court' },
};
export const PARTY_ROLES: Record<Party['role'], Localized> = {
  applicant: { zh: '申请人', en: 'Applicant' },
  respondent: { zh: '被申请人', en: 'Respondent' },
  third: { zh: '第三人', en: 'Third party' },
};

export const RISK_COLORS: Record<RiskLevel, string> = { low: 'green', medium: 'gold', high: 'orange', critical: 'red' };
export const STATE_COLORS: Record<DisputeState, string> = { pending: 'blue', mediating: 'processing', agreed: 'green', partial: 'cyan', failed: 'volcano', referred: 'purple', closed: 'default', rejected: 'default' };

/** Options for a Select from a label map. */
export function useOptions() {
  const { tl } = useI18n();
  return <K extends string>(m: Record<K, Localized>) => (Object.keys(m) as K[]).map((k) => ({ value: k, label: tl(m[k]) }));
}

export function StateTag({ state }: { state: DisputeState }) {
  const { tl } = useI18n();
  return <Tag color={STATE_COLORS[state]}>{tl(STATES[state])}</Tag>;
}

export function RiskTag({ risk }: { risk: RiskLevel }) {
  const { tl } = useI18n();
  return <Tag color={RISK_COLORS[risk]}>{tl({ zh: '风险', en: 'Risk' })}·{tl(RISKS[risk])}</Tag>;
}

/** Time in Asia/Shanghai, minutes precision. */
export function fmt(iso: string | null | undefined): string {
  if (!iso) return '-';
  return new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}

/** Timeline entry types (mediation_events.type). */
export const EVENT_TYPES: Record<string, Localized> = {
  created: { zh: '登记纠纷', en: 'Recorded' },
  applied: { zh: '在线申请', en: 'Applied online' },
  handover: { zh: '案卷转入', en: 'Handed over from a case' },
  accepted: { zh: '受理', en: 'Accepted' },
  rejected: { zh: '不予受理', en: 'Rejected' },
  escalated: { zh: '上交', en: 'Escalated' },
  assigned: { zh: '邀请调解员', en: 'Mediator added' },
  released: { zh: '调解员退出', en: 'Mediator released' },
  contact: { zh: '来访来电', en: 'Contact' },
  risk: { zh: '调整风险等级', en: 'Risk changed' },
  updated: { zh: '修改信息', en: 'Updated' },
  warning: { zh: '预警', en: 'Warning' },
  'warning.ack': { zh: '处置预警', en: 'Warning handled' },
  'session.scheduled': { zh: '安排调解', en: 'Session scheduled' },
  'session.cancelled': { zh: '取消调解', en: 'Session cancelled' },
  'session.held': { zh: '调解', en: 'Session held' },
  referred: { zh: '引导诉讼/仲裁', en: 'Referred' },
  'agreement.signed': { zh: '协议签署', en: 'Agreement signed' },
  judicial: { zh: '司法确认', en: 'Judicial confirmation' },
  'followup.due': { zh: '回访到期', en: 'Follow-up due' },
  'followup.done': { zh: '回访', en: 'Follow-up visit' },
  reopened: { zh: '重新调解', en: 'Reopened' },
  closed: { zh: '结案', en: 'Closed' },
};
