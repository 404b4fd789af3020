import type { Actor } from '../../platform/auth/actor.js';
import { hasRole } from '../../platform/auth/actor.js';
import { can } from '../../platform/auth/permissions.js';
import { scopeCoversPath } from '../../platform/auth/scope.js';
import type { CaseRow, CaseState } from './repository.js';

/** Every step a person (or the system) can take on a case. */
export const ACTIONS = [
  'file',
  'reject',
  'dispatch',
  'merge',
  'accept',
  'return',
  'resolve',
  'requestExtension',
  'decideExtension',
  'verify',
  'reopen',
  'rate',
  'suspend',
  'resume',
  'urge',
  'escalate',
  'note',
] as const;
export type Action = (typeof ACTIONS)[number];

export const STATE_NAMES: Record<CaseState, string> = {
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

export const ACTION_NAMES: Record<string, string> = {
  reported: '上报',
  filed: '立案',
  rejected: '不予立案',
  dispatched: '派遣',
  accepted: '签收',
  returned: '退回',
  resolved: '处置反馈',
  verified: '核查通过',
  rework: '核查不通过，返工',
  closed: '结案',
  reopened: '重新办理',
  rated: '评价',
  extension_requested: '申请延期',
  extended: '同意延期',
  extension_refused: '不同意延期',
  suspended: '挂账',
  resumed: '恢复办理',
  urged: '督办',
  escalated: '提级',
  merged: '合并',
  note: '备注',
  warning: '临近时限提醒',
  overdue: '超时',
};

/** States in which the handling clock runs. */
export const HANDLING_STATES: CaseState[] = ['dispatched', 'accepted', 'rework'];
/** States in which the case is finished and the clock has stopped for good. */
export const FINAL_STATES: CaseState[] = ['closed', 'rejected', 'merged'];
export const QUEUE_STATES: CaseState[] = ['reported', 'filed', 'returned'];

/** The permission each action needs (roles are declared in the manifest). */
export const ACTION_PERMISSION: Record<Action, string> = {
  file: 'cases.dispatch',
  reject: 'cases.dispatch',
  dispatch: 'cases.dispatch',
  merge: 'cases.dispatch',
  accept: 'cases.handle',
  return: 'cases.handle',
  resolve: 'cases.handle',
  requestExtension: 'cases.handle',
  decideExtension: 'cases.supervise',
  verify: 'cases.verify',
  reopen: 'cases.report',
  rate: 'cases.report',
  suspend: 'cases.supervise',
  resume: 'cases.supervise',
  urge: 'cases.supervise',
  escalate: 'cases.supervise',
  note: 'cases.note',
};

export const REOPEN_DAYS = 7;

/**
 * Escalation (提级) moves a case's supervision up the administrative tree, one rung at a time:
 * the case starts under its grid (level 0), then the community (1), the street (2), the district (3).
 * `depth` is the number of path segments of that rung's node (区 1, 街道 2, 社区 3).
 */
export const ESCALATION_RUNGS = [
  { level: 1, nodeLevel: 'community', depth: 3, name: '社区' },
  { level: 2, nodeLevel: 'street', depth: 2, name: '街道' },
  { level: 3, nodeLevel: 'district', depth: 1, name: '区' },
] as const;
export type EscalationRung = (typeof ESCALATION_RUNGS)[number];
export const MAX_ESCALATION = ESCALATION_RUNGS[ESCALATION_RUNGS.length - 1]!.level;
/** Who receives an escalated case at a rung: the supervisors and administrators bound to that rung's node. */
export const ESCALATION_ROLES = ['supervisor', 'community_admin', 'street_admin'] as const;

export const escalationRung = (level: number): EscalationRung | undefined => ESCALATION_RUNGS.find((r) => r.level === level);
/** The path of the node supervising a case at this escalation level (the case's own path at level 0). */
export function escalationPath(nodePath: string, level: number): string {
  const r = escalationRung(level);
  return r ? nodePath.split('/').slice(0, r.depth).join('/') : nodePath;
}
/** The rungs above the case's current level that lie above its own node. */
export function rungsAbove(c: Pick<CaseRow, 'node_path' | 'escalation_level'>): EscalationRung[] {
  const depth = c.node_path.split('/').length;
  return ESCALATION_RUNGS.filter((r) => r.level > c.escalation_level && r.depth < depth);
}

/** The next rung that has someone bound to supervise it, with its node and those people. */
export interface EscalationTarget {
  level: number;
  levelName: string;
  node: { id: string; name: string; path: string };
  userIds: string[];
}

export interface CaseFacts {
  now: Date;
  pendingExtension: boolean;
  /** the actor reported or follows the case */
  isReporter: boolean;
  /** where an escalation would take the case now (null at the top, or when no rung above has supervisors) */
  nextEscalation: EscalationTarget | null;
}

/** Whether the case itself (its state, dates, counters) admits the action, whoever asks. */
export function caseAllows(c: CaseRow, action: Action, f: CaseFacts): boolean {
  const s = c.state;
  switch (action) {
    case 'file':
      return s === 'reported';
    case 'reject':
    case 'dispatch':
    case 'merge':
      return QUEUE_STATES.includes(s);
    case 'accept':
      return s === 'dispatched';
    case 'return':
      return s === 'dispatched' || s === 'accepted';
    case 'resolve':
      return s === 'accepted' || s === 'rework';
    case 'requestExtension':
      return (s === 'accepted' || s === 'rework') && !f.pendingExtension;
    case 'decideExtension':
      return HANDLING_STATES.includes(s) && f.pendingExtension;
    case 'verify':
      return s === 'resolved';
    case 'reopen':
      return s === 'closed' && !!c.closed_at && f.now.getTime() - new Date(c.closed_at).getTime() <= REOPEN_DAYS * 86_400_000;
    case 'rate':
      return s === 'closed' && c.rating === null;
    case 'suspend':
      return HANDLING_STATES.includes(s);
    case 'resume':
      return s === 'suspended';
    case 'urge':
      return HANDLING_STATES.includes(s) || s === 'returned';
    case 'escalate':
      return !FINAL_STATES.includes(s) && c.escalation_level < MAX_ESCALATION && f.nextEscalation !== null;
    case 'note':
      return true;
  }
}

const isSystem = (a: Actor) => a.userId === null && hasRole(a, 'admin');

/** Whether this actor may take the action on this case (role, department, area, own case), whatever its state. */
export function actorMay(actor: Actor, c: CaseRow, action: Action, f: CaseFacts): boolean {
  if (!can(actor, ACTION_PERMISSION[action])) return false;
  const admin = hasRole(actor, 'admin');
  switch (action) {
    case 'accept':
    case 'return':
    case 'resolve':
    case 'requestExtension':
      return admin || (!!actor.departmentId && actor.departmentId === c.department_id);
    case 'verify':
      return admin || scopeCoversPath(actor, c.node_path);
    case 'reopen':
    case 'rate':
      // the reporter (or a follower after a merge); the hotline desk on a caller's behalf
      return f.isReporter || can(actor, 'cases.dispatch');
    default:
      return admin || isSystem(actor) || scopeCoversPath(actor, c.node_path) || action === 'note';
  }
}

/** The actions this actor can take on this case now (what a 409 offers, and what the screens show). */
export function allowedActions(actor: Actor, c: CaseRow, f: CaseFacts): Action[] {
  return ACTIONS.filter((a) => caseAllows(c, a, f) && actorMay(actor, c, a, f));
}
