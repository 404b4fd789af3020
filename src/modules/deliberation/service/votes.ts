import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { pathWithin, scopeCoversPath } from '../../../platform/auth/scope.js';
import { can } from '../../../platform/auth/permissions.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { nodeBriefs, residentBriefs } from '../../org/index.js';
import { assertAssist, assertManage, assertSees, canManage, isAdult, residentCovered, viewerOf, type Viewer } from '../policy.js';
import { randomUUID } from 'node:crypto';
import { deliberationRepo as repo, type BallotKind, type Choice, type Eligibility, type VoteMethod, type VoteRow, type VoteRule } from '../repository.js';
import { RULE_LABEL, tally, type TallyResult } from '../tally.js';
import { iso, JOB_VOTE_CLOSE, nodeOrInvalid, uniqueOr409 } from './common.js';
import { adoptVersion } from './conventions.js';
import { manageableTopic } from './topics.js';

/** Owner votes are held for a building (e.g. 加装电梯) or an estate (业主大会); resident votes also for a grid or community. */
export const OWNER_LEVELS = ['building', 'grid', 'estate'];
export const RESIDENT_LEVELS = ['community', 'estate', 'grid', 'building'];

export const CHOICE_LABEL: Record<Choice, string> = { agree: '同意', oppose: '反对', abstain: '弃权' };
export const METHOD_LABEL: Record<VoteMethod, string> = { resident: '一人一票', household: '一户一票', owner: '业主一户一票（计专有面积）' };
export const BALLOT_LABEL: Record<BallotKind, string> = { real_name: '记名投票', secret: '无记名投票' };
export const ELIGIBILITY_LABEL: Record<Eligibility, string> = { all: '范围内全体', owners: '仅登记业主', household_heads: '仅户主', listed: '指定名单（如居民代表）' };

export interface VoteView {
  id: string;
  title: string;
  description: string;
  topicId: string | null;
  conventionId: string | null;
  conventionVersion: number | null;
  nodeId: string;
  nodePath: string;
  nodeName: string;
  method: VoteMethod;
  methodLabel: string;
  rule: VoteRule;
  ruleLabel: string;
  ballot: BallotKind;
  ballotLabel: string;
  quorumPct: number | null;
  eligibility: Eligibility;
  eligibilityLabel: string;
  opensAt: string;
  closesAt: string;
  /** open / closed / cancelled as stored; `phase` adds "not yet open" */
  status: VoteRow['status'];
  phase: 'upcoming' | 'open' | 'counting' | 'closed' | 'cancelled';
  eligibleCount: number;
  eligibleAreaM2: number;
  passed: boolean | null;
  result: TallyResult | null;
  createdAt: string;
  closedAt: string | null;
}

function phaseOf(v: VoteRow, now: Date): VoteView['phase'] {
  if (v.status !== 'open') return v.status;
  if (now < new Date(v.opens_at)) return 'upcoming';
  if (now >= new Date(v.closes_at)) return 'counting';
  return 'open';
}

export function viewVote(v: VoteRow, now: Date): VoteView {
  return {
    id: v.id,
    title: v.title,
    description: v.description,
    topicId: v.topic_id,
    conventionId: v.convention_id,
    conventionVersion: v.convention_version,
    nodeId: v.node_id,
    nodePath: v.node_path,
    nodeName: v.node_name,
    method: v.method,
    methodLabel: METHOD_LABEL[v.method],
    rule: v.rule,
    ruleLabel: RULE_LABEL[v.rule],
    ballot: v.ballot,
    ballotLabel: BALLOT_LABEL[v.ballot],
    quorumPct: v.quorum_pct,
    eligibility: v.eligibility,
    eligibilityLabel: ELIGIBILITY_LABEL[v.eligibility],
    opensAt: iso(v.opens_at)!,
    closesAt: iso(v.closes_at)!,
    status: v.status,
    phase: phaseOf(v, now),
    eligibleCount: v.eligible_count,
    eligibleAreaM2: Number(v.eligible_area),
    passed: v.passed,
    // The breakdown by choice is published only when the vote is closed.
    result: v.status === 'closed' ? (v.result as TallyResult) : null,
    createdAt: iso(v.created_at)!,
    closedAt: iso(v.closed_at),
  };
}

export async function listVotes(ctx: AppContext, actor: Actor, f: { status?: string; topicId?: string; page: number; pageSize: number }) {
  const v = await viewerOf(ctx, actor);
  const { rows, total } = await repo.listVotes(ctx.db, { path: v.filter, status: f.status, topicId: f.topicId, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  const now = ctx.clock.now();
  return { items: rows.map((r) => viewVote(r, now)), total, page: f.page, pageSize: f.pageSize };
}

async function visibleVote(v: Viewer, db: Tx | AppContext['db'], id: string, lock: 'update' | 'share' | null = null): Promise<VoteRow> {
  const row = await repo.voteById(db, id, lock);
  if (!row) throw notFound('表决不存在');
  assertSees(v, row.node_path);
  return row;
}

/** The voter key of a resident in a vote: their household for owner votes, themselves otherwise. */
const voterKeyOf = (method: VoteMethod, r: { id: string; householdId: string | null }) => (method === 'resident' ? r.id : r.householdId);

export async function getVote(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const row = await visibleVote(v, ctx.db, id);
  const now = ctx.clock.now();
  const counts = await repo.tally(ctx.db, id);
  const participated = counts.reduce((s, c) => s + c.n, 0);
  const participatedArea = counts.reduce((s, c) => s + c.area_c, 0);
  let my: { eligible: boolean; voted: boolean; choice: Choice | null; castAt: string | null; byHousehold: boolean; onlyMember: string | null } | null = null;
  if (v.kind === 'resident') {
    const key = voterKeyOf(row.method, v.resident);
    const elector = key ? await repo.elector(ctx.db, id, key) : undefined;
    const ballot = key ? await repo.ballot(ctx.db, id, key) : undefined;
    my = {
      eligible: Boolean(elector),
      voted: Boolean(ballot),
      // A household member sees that the household voted, but only the one who cast it sees the choice;
      // a secret ballot's choice is not kept with the voter at all.
      choice: ballot && ballot.resident_id === v.resident.id ? ballot.choice : null,
      castAt: ballot ? iso(ballot.cast_at) : null,
      byHousehold: row.method !== 'resident',
      // a household vote limited to its owner or head: who may cast it
      onlyMember: elector && row.method !== 'resident' && row.eligibility !== 'all' ? elector.name : null,
    };
  }
  return {
    ...viewVote(row, now),
    // Turnout is public while the vote runs; how people voted is not, until it closes.
    turnout: {
      participated,
      participatedAreaM2: participatedArea / 100,
      rate: row.eligible_count ? participated / row.eligible_count : 0,
      areaRate: Number(row.eligible_area) > 0 ? participatedArea / 100 / Number(row.eligible_area) : null,
    },
    my,
    canManage: canManage(actor, row.node_path),
  };
}

export interface VoteInput {
  title: string;
  description?: string;
  topicId?: string;
  conventionId?: string;
  conventionVersion?: number;
  nodeId: string;
  method: VoteMethod;
  rule: VoteRule;
  ballot?: BallotKind;
  quorumPct?: number | null;
  eligibility?: Eligibility;
  /** for eligibility 'listed': the residents who vote (e.g. the residents' representatives) */
  electorIds?: string[];
  opensAt?: string;
  closesAt: string;
}

/**
 * Opens a vote. The electorate is frozen now: for an owner vote the households on the roll under the
 * node with their floor areas, for a resident vote the adult residents living there.
 */
export async function createVote(ctx: AppContext, actor: Actor, input: VoteInput): Promise<VoteView> {
  const areaRule = input.rule === 'double_majority' || input.rule === 'double_three_quarters';
  if (areaRule && input.method !== 'owner') throw invalid('双过半/双四分之三须按业主（户）与专有面积表决', [{ field: 'method', message: '须为 owner' }]);
  const eligibility = input.eligibility ?? 'all';
  if (eligibility === 'listed' && input.method !== 'resident') throw invalid('指定名单的表决须为一人一票', [{ field: 'eligibility', message: '须与 method=resident 一起使用' }]);
  if (eligibility === 'listed' && !input.electorIds?.length) throw invalid('请选择参加表决的人员名单', [{ field: 'electorIds', message: '为必填项' }]);
  if (eligibility !== 'listed' && input.electorIds?.length) throw invalid('只有「指定名单」的表决才需要名单', [{ field: 'electorIds', message: '不应填写' }]);
  const quorumPct = input.quorumPct ?? null;
  // The Civil Code fixes the owners' participation at two thirds: a vote may ask for more, never less.
  if (areaRule && quorumPct !== null && 3 * quorumPct < 200) throw invalid('业主共同决定须有专有部分面积和人数均占三分之二以上的业主参与表决', [{ field: 'quorumPct', message: '不得低于 67' }]);
  const node = await nodeOrInvalid(ctx.db, input.nodeId, input.method === 'owner' ? OWNER_LEVELS : RESIDENT_LEVELS);
  assertManage(actor, node.path);
  const now = ctx.clock.now();
  const opensAt = input.opensAt ? new Date(input.opensAt) : now;
  const closesAt = new Date(input.closesAt);
  if (!(closesAt > opensAt)) throw invalid('截止时间须晚于开始时间', [{ field: 'closesAt', message: '须晚于开始时间' }]);
  if (closesAt <= now) throw invalid('截止时间须晚于当前时间', [{ field: 'closesAt', message: '须晚于当前时间' }]);
  if (input.conventionVersion !== undefined && !input.conventionId) throw invalid('请同时指定公约', [{ field: 'conventionId', message: '为必填项' }]);

  const row: VoteRow = {
    id: newId(),
    title: input.title.trim(),
    description: input.description?.trim() ?? '',
    topic_id: input.topicId ?? null,
    convention_id: input.conventionId ?? null,
    convention_version: null,
    node_id: node.id,
    node_path: node.path,
    node_name: node.name,
    method: input.method,
    rule: input.rule,
    ballot: input.ballot ?? 'real_name',
    quorum_pct: quorumPct,
    eligibility,
    opens_at: opensAt,
    closes_at: closesAt,
    status: 'open',
    eligible_count: 0,
    eligible_area: 0,
    result: null,
    passed: null,
    created_by: actor.userId,
    created_at: now,
    closed_at: null,
  };
  if (!row.title) throw invalid('表决名称不能为空', [{ field: 'title', message: '为必填项' }]);

  await withTx(ctx, async (trx) => {
    if (input.topicId) {
      const t = await manageableTopic(ctx, actor, trx, input.topicId, ['accepted', 'agreed'], '发起表决');
      if (!pathWithin(node.path, t.node_path)) throw invalid('表决范围须在议题所涉范围之内', [{ field: 'nodeId', message: '超出议题范围' }]);
      await repo.updateTopic(trx, t.id, { status: 'voting', updated_at: now });
    }
    if (input.conventionId) {
      const c = await repo.conventionById(trx, input.conventionId, true);
      if (!c) throw invalid('公约不存在', [{ field: 'conventionId', message: '公约不存在' }]);
      assertManage(actor, c.node_path);
      if (c.node_path !== node.path) throw invalid('公约表决的范围须与公约的适用范围一致', [{ field: 'nodeId', message: `须为 ${c.node_name}` }]);
      const versions = await repo.versions(trx, c.id);
      const ver = input.conventionVersion !== undefined ? versions.find((x) => x.version === input.conventionVersion) : versions.find((x) => x.status === 'draft' || x.status === 'consultation');
      if (!ver || !['draft', 'consultation'].includes(ver.status)) throw conflict('该公约没有待表决的新版本');
      const running = (await repo.votesOfConvention(trx, c.id)).find((x) => x.status === 'open' && x.convention_version === ver.version);
      if (running) throw conflict('该版本已在表决中');
      row.convention_version = ver.version;
    }
    const electors = await electorate(trx, row, input.electorIds ?? [], now);
    if (!electors.length) throw invalid(input.method === 'owner' ? '该范围内没有登记业主与面积，请先维护业主名册' : '该范围内没有符合条件、可参与表决的居民');
    row.eligible_count = electors.length;
    row.eligible_area = Math.round(electors.reduce((s, e) => s + Math.round(e.area_m2 * 100), 0)) / 100;
    await repo.insertVote(trx, row);
    await repo.insertElectors(trx, electors);
    await ctx.jobs.enqueue(trx, JOB_VOTE_CLOSE, { voteId: row.id }, { runAt: closesAt, uniqueKey: `${JOB_VOTE_CLOSE}:${row.id}` });
    await audit(trx, ctx.clock, actor, {
      action: 'deliberation.vote.create',
      entity: 'deliberation_vote',
      entityId: row.id,
      after: { title: row.title, node: row.node_path, method: row.method, rule: row.rule, ballot: row.ballot, quorumPct: row.quorum_pct, eligibility: row.eligibility, opensAt: opensAt.toISOString(), closesAt: closesAt.toISOString(), eligibleCount: row.eligible_count, eligibleArea: row.eligible_area, topicId: row.topic_id, convention: row.convention_id ? `${row.convention_id}@${row.convention_version}` : null },
    });
  });
  return viewVote(row, now);
}

/**
 * The electorate, by method and eligibility:
 * - owner: the households on the owners' roll (with their floor area); `owners` limits casting to the registered owner;
 * - household: one ballot per household with an adult resident; `owners`/`household_heads` limit casting to the owner/head;
 * - resident: each adult; `owners` keeps registered owners, `household_heads` heads of household, `listed` the given residents.
 * For limited household votes the elector's resident is the only one who may cast the household's ballot.
 */
async function electorate(trx: Tx, row: VoteRow, listed: string[], now: Date) {
  const path = row.node_path;
  const roll = await repo.rollUnder(trx, path);
  const owners = new Map(roll.filter((h) => h.owner_resident_id).map((h) => [h.household_id, h.owner_resident_id!]));
  const ownerIds = new Set(owners.values());
  if (row.method === 'owner') {
    if (row.eligibility === 'household_heads') throw invalid('业主表决的投票人为登记业主', [{ field: 'eligibility', message: '须为 all 或 owners' }]);
    const rows = row.eligibility === 'owners' ? roll.filter((h) => h.owner_resident_id) : roll;
    return rows.map((h) => ({ vote_id: row.id, voter_key: h.household_id, household_id: h.household_id, resident_id: h.owner_resident_id, name: h.owner_name ?? '（业主未登记）', area_m2: Number(h.area_m2) }));
  }
  const adults = (await residentBriefs(trx, { under: path })).filter((r) => r.status === 'resident' && isAdult(r, now));
  if (row.method === 'household') {
    const byHousehold = new Map<string, typeof adults>();
    for (const r of adults) if (r.householdId) byHousehold.set(r.householdId, [...(byHousehold.get(r.householdId) ?? []), r]);
    const out = [];
    for (const [hid, members] of byHousehold) {
      const head = members.find((r) => r.relation === '户主') ?? null;
      const owner = members.find((r) => r.id === owners.get(hid)) ?? null;
      const caster = row.eligibility === 'owners' ? owner : row.eligibility === 'household_heads' ? head : null;
      if (row.eligibility !== 'all' && !caster) continue;
      out.push({ vote_id: row.id, voter_key: hid, household_id: hid, resident_id: caster?.id ?? null, name: (caster ?? head ?? members[0]!).name, area_m2: 0 });
    }
    return out;
  }
  let pick = adults;
  if (row.eligibility === 'owners') pick = adults.filter((r) => ownerIds.has(r.id));
  if (row.eligibility === 'household_heads') pick = adults.filter((r) => r.relation === '户主');
  if (row.eligibility === 'listed') {
    const want = new Set(listed);
    pick = adults.filter((r) => want.has(r.id));
    if (pick.length !== want.size) throw invalid('名单中有人不在表决范围内或未满十八周岁', [{ field: 'electorIds', message: `${want.size - pick.length} 人不符合条件` }]);
  }
  return pick.map((r) => ({ vote_id: row.id, voter_key: r.id, household_id: r.householdId, resident_id: r.id, name: r.name, area_m2: 0 }));
}

/**
 * Casts a ballot. A resident votes for themselves (resident votes) or for their household (owner
 * votes: 一户一票, any adult member, the first ballot counts). Staff who assist may record a paper
 * ballot for a resident (`residentId`). The primary key (vote, voter) refuses a second ballot, also
 * when two arrive at the same moment: the loser gets 409.
 */
export async function castBallot(ctx: AppContext, actor: Actor, id: string, input: { choice: Choice; residentId?: string }) {
  const v = await viewerOf(ctx, actor);
  const now = ctx.clock.now();
  const result = await uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        // FOR SHARE: ballots run side by side, but never while the vote is being closed.
        const row = await visibleVote(v, trx, id, 'share');
        let voter;
        let method: 'online' | 'paper' = 'online';
        if (input.residentId) {
          if (v.kind !== 'staff') throw forbidden('只有工作人员可以代录纸质选票');
          const [r] = await residentBriefs(trx, { ids: [input.residentId] });
          if (!r || r.status !== 'resident') throw invalid('居民不存在', [{ field: 'residentId', message: '居民不存在' }]);
          // A grid worker records the paper ballots of their own grid's residents.
          assertAssist(actor, r.nodePath);
          if (!pathWithin(r.nodePath, row.node_path)) throw forbidden('该居民不在本次表决的范围内');
          voter = r;
          method = 'paper';
        } else {
          if (v.kind !== 'resident') throw forbidden('工作人员不能以本人身份投票；代录纸质选票请指定居民');
          if (!residentCovered(v, row.node_path)) throw forbidden('您不在本次表决的范围内');
          voter = v.resident;
        }
        if (row.status !== 'open' || now >= new Date(row.closes_at)) throw conflict(row.status === 'cancelled' ? '表决已取消' : '表决已截止');
        if (now < new Date(row.opens_at)) throw conflict('表决尚未开始');
        if (!isAdult(voter, now)) throw forbidden('未满十八周岁的居民不参与表决');
        const key = voterKeyOf(row.method, voter);
        const elector = key ? await repo.elector(trx, id, key) : undefined;
        if (!elector) throw forbidden(row.method === 'owner' ? '您家不在本次表决的业主名册中' : row.method === 'household' ? '您家不在本次表决范围内' : '您不在本次表决的选民名单中');
        if (row.method !== 'resident' && row.eligibility !== 'all' && elector.resident_id !== voter.id) throw forbidden(row.eligibility === 'owners' ? `本户须由登记业主（${elector.name}）投票` : `本户须由户主（${elector.name}）投票`);
        if (await repo.ballot(trx, id, key!)) throw conflict(row.method !== 'resident' ? '本户已投票，一户只能投一票' : '您已投过票');
        const secret = row.ballot === 'secret';
        // The primary key (vote, voter) is what refuses a second ballot, also from parallel requests.
        await repo.insertBallot(trx, { vote_id: id, voter_key: key!, resident_id: voter.id, cast_by_user_id: actor.userId, choice: secret ? null : input.choice, method, cast_at: now });
        // Secret: the choice goes to a table without voter or time, under a random (not time-ordered) id.
        if (secret) await repo.insertSecretChoice(trx, { id: randomUUID(), vote_id: id, choice: input.choice, area_m2: Number(elector.area_m2) });
        const auditActor = method === 'paper' ? { ...actor, actingForResidentId: voter.id } : actor;
        // The audit entry records that a ballot was cast, not the choice: the log is readable by auditors.
        await audit(trx, ctx.clock, auditActor, { action: 'deliberation.vote.ballot', entity: 'deliberation_vote', entityId: id, after: { voterKey: key, method } });
        return { voteId: id, voted: true, choice: secret ? null : input.choice, choiceLabel: secret ? null : CHOICE_LABEL[input.choice], method, castAt: now.toISOString() };
      }),
    '已投过票，不能重复投票',
  );
  return result;
}

/** Who is on the electorate and whether they have voted (never how): for staff mobilising turnout. */
export async function listElectors(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const row = await visibleVote(v, ctx.db, id);
  if (!can(actor, 'deliberation.assist')) throw forbidden();
  let rows = await repo.electorsWithBallots(ctx.db, id);
  if (!scopeCoversPath(actor, row.node_path)) {
    // A grid worker sees the electors of their own grid only.
    const households = new Map((await nodeBriefs(ctx.db, { ids: rows.map((e) => e.household_id).filter((x): x is string => x !== null) })).map((n) => [n.id, n.path]));
    rows = rows.filter((e) => e.household_id !== null && scopeCoversPath(actor, households.get(e.household_id)));
  }
  return {
    voteId: id,
    method: row.method,
    items: rows.map((e) => ({ voterKey: e.voter_key, householdId: e.household_id, residentId: e.resident_id, name: e.name, areaM2: Number(e.area_m2), voted: e.cast_at !== null, votedAt: iso(e.cast_at), method: e.method })),
  };
}

/** Counts the ballots and closes the vote (at its deadline, by the job; or by staff once it is due). */
export async function closeVoteTx(ctx: AppContext, trx: Tx, actor: Actor, id: string, opts: { manual: boolean }): Promise<VoteRow | null> {
  const row = await repo.voteById(trx, id, 'update');
  if (!row || row.status !== 'open') {
    if (opts.manual) throw conflict('表决已结束');
    return null;
  }
  const now = ctx.clock.now();
  if (now < new Date(row.closes_at)) {
    if (opts.manual) throw conflict('表决尚未到截止时间，不能提前计票');
    return null;
  }
  const t = row.ballot === 'secret' ? await repo.secretTally(trx, id) : await repo.tally(trx, id);
  const z = { agree: 0, oppose: 0, abstain: 0 };
  const counts = { ...z };
  const areas = { ...z };
  for (const c of t) {
    if (!c.choice) continue;
    counts[c.choice] = c.n;
    areas[c.choice] = c.area_c;
  }
  const result = tally({ rule: row.rule, method: row.method, eligibleCount: row.eligible_count, eligibleArea: await repo.electorArea(trx, id), quorumPct: row.quorum_pct, counts, areas });
  await repo.updateVote(trx, id, { status: 'closed', result: JSON.stringify(result), passed: result.passed, closed_at: now });
  if (row.topic_id) {
    const topic = await repo.topicById(trx, row.topic_id, true);
    if (topic?.status === 'voting') await repo.updateTopic(trx, topic.id, { status: result.passed ? 'passed' : 'failed', updated_at: now });
  }
  if (row.convention_id && row.convention_version && result.passed) {
    await adoptVersion(ctx, trx, row.convention_id, row.convention_version, { via: 'vote', ref: row.id });
  }
  await audit(trx, ctx.clock, actor, { action: 'deliberation.vote.close', entity: 'deliberation_vote', entityId: id, before: { status: 'open' }, after: { status: 'closed', passed: result.passed, counts, participated: result.participated, eligible: result.eligibleCount } });
  return { ...row, status: 'closed', result, passed: result.passed, closed_at: now };
}

export async function closeVote(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const row = await visibleVote(v, ctx.db, id);
  assertManage(actor, row.node_path);
  await withTx(ctx, (trx) => closeVoteTx(ctx, trx, actor, id, { manual: true }));
  return getVote(ctx, actor, id);
}

/** Cancels a vote that has not started yet (e.g. a mistake in its settings). */
export async function cancelVote(ctx: AppContext, actor: Actor, id: string, reason: string) {
  const v = await viewerOf(ctx, actor);
  await withTx(ctx, async (trx) => {
    const row = await visibleVote(v, trx, id, 'update');
    assertManage(actor, row.node_path);
    if (row.status !== 'open') throw conflict('表决已结束');
    if ((await repo.ballotCount(trx, id)) > 0) throw conflict('已有居民投票，不能取消表决');
    const now = ctx.clock.now();
    await repo.updateVote(trx, id, { status: 'cancelled', closed_at: now });
    await ctx.jobs.cancel(trx, `${JOB_VOTE_CLOSE}:${id}`);
    if (row.topic_id) {
      const topic = await repo.topicById(trx, row.topic_id, true);
      if (topic?.status === 'voting') await repo.updateTopic(trx, topic.id, { status: 'accepted', updated_at: now });
    }
    await audit(trx, ctx.clock, actor, { action: 'deliberation.vote.cancel', entity: 'deliberation_vote', entityId: id, before: { status: row.status }, after: { status: 'cancelled', reason } });
  });
  return getVote(ctx, actor, id);
}
