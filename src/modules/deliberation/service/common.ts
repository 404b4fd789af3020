import type { Executor } from '../../../platform/db/database.js';
import { conflict, invalid } from '../../../platform/errors.js';
import { nodeBriefs, type NodeBrief } from '../../org/index.js';

export const JOB_TOPIC_EXPIRE = 'deliberation.topic.expire';
export const JOB_VOTE_CLOSE = 'deliberation.vote.close';
export const JOB_RESOLUTION_DUE = 'deliberation.resolution.due';

/** Days residents have to gather supports for a topic. */
export const SUPPORT_DAYS = 30;

export async function nodeOrInvalid(db: Executor, id: string, levels: string[], field = 'nodeId'): Promise<NodeBrief> {
  const [n] = await nodeBriefs(db, { ids: [id] });
  if (!n) throw invalid('所选组织节点不存在', [{ field, message: '节点不存在' }]);
  if (!levels.includes(n.level)) throw invalid(`该事项不能设在「${n.name}」这一层级`, [{ field, message: `须为 ${levels.join('/')} 节点` }]);
  return n;
}

export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === '23505';

/** Runs a write and turns a unique-constraint violation into a 409 with the given message. */
export async function uniqueOr409<T>(fn: () => Promise<T>, message: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(message);
    throw err;
  }
}

export const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Today's date in Asia/Shanghai as YYYY-MM-DD. */
export function localDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** The instant a local (Asia/Shanghai) date ends. */
export function endOfLocalDate(date: string): Date {
  return new Date(new Date(`${date}T00:00:00+08:00`).getTime() + 24 * 3600_000);
}

export const TOPIC_STATUS_LABEL: Record<string, string> = {
  proposed: '征集附议',
  supported: '附议达标待上会',
  accepted: '已立项',
  rejected: '不予立项',
  withdrawn: '已撤回',
  expired: '附议未达标',
  scheduled: '已排期上会',
  agreed: '协商一致',
  voting: '表决中',
  passed: '表决通过',
  failed: '表决未通过',
  resolved: '决议落实中',
  completed: '已办结',
};
