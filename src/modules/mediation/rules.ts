/**
 * The mediation module's pure rules: tiers, early-warning flags, suggestion of mediators and
 * follow-up schedule. No database, no clock: the service gathers the facts and applies these.
 */
import type { DisputeType, ExpertKind, MediationType, RiskLevel, Tier, WarningRule } from './repository.js';

export const TIER_RANK: Record<Tier, number> = { grid: 0, street: 1, district: 2 };
export const TIER_NAMES: Record<Tier, string> = { grid: '网格（村/社区）调解', street: '街道（乡镇）矛盾纠纷调处中心', district: '区矛盾纠纷调处中心' };
export const RISK_RANK: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, critical: 3 };
export const RISK_NAMES: Record<RiskLevel, string> = { low: '低', medium: '中', high: '高', critical: '重大' };
export const TYPE_NAMES: Record<DisputeType, string> = {
  neighbour: '邻里纠纷',
  family: '婚姻家庭纠纷',
  property: '物业纠纷',
  land: '土地宅基地纠纷',
  labour: '劳动争议',
  consumer: '消费纠纷',
  other: '其他纠纷',
};
export const EXPERT_KIND_NAMES: Record<ExpertKind, string> = {
  mediator: '专职调解员',
  lawyer: '律师',
  sage: '乡贤',
  retired_cadre: '退休干部',
  party_rep: '党代表',
  npc_deputy: '人大代表',
  cppcc_member: '政协委员',
  psychologist: '心理咨询师',
};
export const MEDIATION_TYPE_NAMES: Record<MediationType, string> = { people: '人民调解', administrative: '行政调解', judicial: '司法调解' };
export const STATE_NAMES = {
  pending: '待受理',
  mediating: '调解中',
  agreed: '已达成协议',
  partial: '部分达成',
  failed: '调解未成功',
  referred: '已引导诉讼/仲裁',
  closed: '已结案',
  rejected: '不予受理',
} as const;

/** Case categories of the group 矛盾纠纷 (spec/categories.json) → dispute types. */
export const CATEGORY_TYPES: Record<string, DisputeType> = { DP01: 'neighbour', DP02: 'family', DP03: 'land' };

/** The level of the org tree a tier's center sits at: number of path segments (区 1, 街道 2). */
const TIER_DEPTH: Record<Tier, number> = { grid: Number.POSITIVE_INFINITY, street: 2, district: 1 };

/**
 * Whether someone bound to an org node at `nodePath` works at a center able to handle `tier`:
 * a community mediator handles grid-tier disputes; the street center handles grid and street;
 * the district center handles everything.
 */
export function nodeHandlesTier(nodePath: string | null, tier: Tier): boolean {
  if (!nodePath) return false;
  return nodePath.split('/').length <= TIER_DEPTH[tier];
}

/** The tier a new dispute starts at: the most serious go straight to a center. */
export function initialTier(risk: RiskLevel, enterprise: boolean): Tier {
  if (risk === 'critical') return 'district';
  if (risk === 'high' || enterprise) return 'street';
  return 'grid';
}

export function canEscalate(from: Tier, to: Tier): boolean {
  return TIER_RANK[to] > TIER_RANK[from];
}

/** Street path (区/街道) of a place path, where early warnings go. */
export function streetPathOf(nodePath: string): string {
  return nodePath.split('/').slice(0, 2).join('/');
}

// ---------------------------------------------------------------- early warning

/** Window in which disputes of the same parties count as repeats. */
export const REPEAT_WINDOW_DAYS = 180;
/** Window and threshold of contacts (applications, visits, calls, petitions) for "many contacts". */
export const CONTACT_WINDOW_DAYS = 30;
export const MANY_CONTACTS = 3;

export interface WarningFacts {
  /** other disputes of the same parties in the repeat window */
  sameParties: number;
  riskBefore: RiskLevel | null;
  riskNow: RiskLevel;
  /** contacts about this dispute (and its repeats) within the contact window */
  contacts: number;
}

export interface Flag {
  rule: WarningRule;
  detail: string;
}

/**
 * The early-warning rule: a dispute is flagged to the street center when
 * - the same parties had another dispute in the last 180 days (repeat),
 * - its risk rose to high or critical (rising risk),
 * - the parties contacted us 3 or more times in 30 days (many contacts).
 */
export function warningFlags(f: WarningFacts): Flag[] {
  const flags: Flag[] = [];
  if (f.sameParties >= 1) flags.push({ rule: 'repeat', detail: `同一当事人近${REPEAT_WINDOW_DAYS}天内已有${f.sameParties}起纠纷，属重复发生` });
  if (f.riskBefore !== null && RISK_RANK[f.riskNow] > RISK_RANK[f.riskBefore] && RISK_RANK[f.riskNow] >= RISK_RANK.high) {
    flags.push({ rule: 'rising_risk', detail: `风险等级由“${RISK_NAMES[f.riskBefore]}”升至“${RISK_NAMES[f.riskNow]}”，存在激化可能` });
  }
  if (f.contacts >= MANY_CONTACTS) flags.push({ rule: 'many_contacts', detail: `当事人近${CONTACT_WINDOW_DAYS}天内反映${f.contacts}次，诉求反复` });
  return flags;
}

// ---------------------------------------------------------------- suggestion

export interface ExpertFacts {
  id: string;
  kind: ExpertKind;
  mediationType: MediationType;
  tier: Tier;
  nodePath: string;
  expertise: string[];
  available: boolean;
  maxLoad: number;
  load: number;
}

export interface Suggestion {
  expertId: string;
  score: number;
  reasons: string[];
}

/**
 * Ranks the pool for a dispute: expertise in the dispute's type, nearness (same community, same
 * street), the tier handling it, and spare capacity. Unavailable or fully loaded people are left out.
 */
export function suggestExperts(d: { type: DisputeType; nodePath: string; tier: Tier }, pool: ExpertFacts[], limit = 5, kinds?: ExpertKind[]): Suggestion[] {
  const out: Suggestion[] = [];
  const community = d.nodePath.split('/').slice(0, 3).join('/');
  for (const e of pool) {
    if (!e.available || e.load >= e.maxLoad) continue;
    if (kinds && !kinds.includes(e.kind)) continue;
    const reasons: string[] = [];
    let score = 0;
    if (e.expertise.includes(d.type)) {
      score += 4;
      reasons.push(`擅长${TYPE_NAMES[d.type]}`);
    }
    const within = d.nodePath === e.nodePath || d.nodePath.startsWith(e.nodePath + '/');
    if (within && e.nodePath.split('/').length >= 3 && (community === e.nodePath || community.startsWith(e.nodePath + '/') || e.nodePath.startsWith(community))) {
      score += 3;
      reasons.push('同社区');
    } else if (within) {
      score += 1;
      reasons.push('服务本辖区');
    } else {
      score -= 2;
    }
    if (e.tier === d.tier) {
      score += 2;
      reasons.push('对应层级');
    }
    const spare = (e.maxLoad - e.load) / e.maxLoad;
    score += Math.round(spare * 2 * 10) / 10;
    reasons.push(`在办 ${e.load}/${e.maxLoad}`);
    out.push({ expertId: e.id, score, reasons });
  }
  return out.sort((a, b) => b.score - a.score || a.expertId.localeCompare(b.expertId)).slice(0, limit);
}

// ---------------------------------------------------------------- follow-up

export const FOLLOWUP_DAYS = [7, 30] as const;
export const FOLLOWUP_JOB = 'mediation.followup.due';
export const HANDOVER_JOB = 'mediation.case.handover';
export const followupJobKey = (followupId: string) => `mediation.followup:${followupId}`;
