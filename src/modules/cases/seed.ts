import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { addTime, loadCalendar, localDate } from '../../platform/calendar/index.js';
import { listCategories, seedCategories, type Category } from '../dispatch/index.js';
import { listDepartments, listNodes, type DepartmentView, type NodeView } from '../org/index.js';
import { pointInCell } from '../org/demo-geometry.js';
import { caseRepo, type CaseState, type Channel, type NewCaseEvent } from './repository.js';
import { clockModeFor, computeDeadlines, jobKeys, OVERDUE_JOB, WARN_JOB } from './deadlines.js';
import { randomTrackCode } from './service.js';

/**
 * Demo cases: `config.demoCases` (default 2,000; ONEGRID_DEMO_CASES=0 skips) across the demo district
 * over the 90 days before ctx.clock.now(). Each case's whole story is generated first (report,
 * dispatch, sometimes a return, acceptance, warning, overdue, resolution, verification, rework,
 * closure, rating, reopening) and then cut at "now", so every timeline is consistent with the case's
 * state, counters and dates. Rows go in with bulk inserts.
 */
export async function seedCases(ctx: AppContext): Promise<void> {
  const n = ctx.config.demoCases;
  if (!n) return;
  if (await ctx.db.selectFrom('cases').select('id').limit(1).executeTakeFirst()) return;
  // the catalogue is loaded at start, which runs after the seeds: make sure it is there
  await seedCategories(ctx);
  const nodes = await listNodes(ctx, systemActor(), { levels: ['community', 'estate', 'grid'], withGeometry: false });
  const grids = nodes.filter((x) => x.level === 'grid' && Array.isArray((x.props as { cell?: unknown }).cell));
  if (grids.length === 0) return;
  const byPath = new Map(nodes.map((x) => [x.path, x]));
  const categories = (await listCategories(ctx)).filter((c) => c.active);
  const depts = await listDepartments(ctx);
  const deptByCode = new Map(depts.map((d) => [d.code, d]));
  const users = await ctx.db.selectFrom('users').select(['id', 'username', 'display_name', 'department_id']).execute();
  const userByName = new Map(users.map((u) => [u.username, u]));
  const deptUser = new Map(users.filter((u) => u.department_id).map((u) => [u.department_id!, u]));
  const cal = await loadCalendar(ctx);
  const rand = rng(20261122);
  const now = ctx.clock.now();
  const nowMs = now.getTime();
  const H = 3_600_000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const between = (a: number, b: number) => a + rand() * (b - a);

  const weighted = categories.map((c) => ({ c, w: FREQUENCY[c.code] ?? 1 }));
  const totalW = weighted.reduce((s, x) => s + x.w, 0);
  const pickCategory = (): Category => {
    let r = rand() * totalW;
    for (const x of weighted) if ((r -= x.w) <= 0) return x.c;
    return weighted[weighted.length - 1]!.c;
  };

  const dispatcher = userByName.get('dispatcher');
  const sys = { id: null as string | null, name: '系统', role: 'system' };
  const person = (u: { id: string; display_name: string } | undefined, role: string) => (u ? { id: u.id as string | null, name: u.display_name, role } : { ...sys });

  type Ev = { at: number; action: string; from?: CaseState; to?: CaseState; actor: { id: string | null; name: string; role: string }; dept?: string | null; note?: string | null; data?: Record<string, unknown>; pub?: boolean; patch?: Record<string, unknown> };
  const cases: Array<Record<string, unknown>> = [];
  const events: NewCaseEvent[] = [];
  const followers: Array<{ case_id: string; user_id: string; reason: 'reporter' | 'merged'; at: Date }> = [];
  const jobs: Array<{ id: string; gen: number; warnAt: Date; deadlineAt: Date }> = [];
  const codes = new Set<string>();
  const stories: Array<{ reportedAt: number; id: string }> = [];

  for (let i = 0; i < n; i++) {
    const id = newId();
    const cat = pickCategory();
    const grid = pick(grids);
    const [ci, cj] = (grid.props as { cell: [number, number] }).cell;
    const [lng, lat] = pointInCell(ci, cj, rand(), rand());
    // grid path: district/street/community/estate/grid (no leading slash)
    const segments = grid.path.split('/');
    const estate = byPath.get(segments.slice(0, 4).join('/'));
    const community = byPath.get(segments.slice(0, 3).join('/'));
    const slug = SLUGS[community?.code ?? ''] ?? 'qiaotou';
    // reports: more recent days a little denser, day-time hours
    const dayAgo = Math.floor(Math.pow(rand(), 1.15) * 90);
    const localMidnight = Date.parse(localDate(nowMs - dayAgo * 86_400_000) + 'T00:00:00+08:00');
    let t0 = localMidnight + between(7, 21.5) * H;
    if (t0 > nowMs - 10 * 60_000) t0 = nowMs - between(0.2, 30) * H;
    const channel: Channel = cat.code.startsWith('EM') && rand() < 0.3 ? 'iot' : pickW<Channel>(rand, [['resident', 38], ['patrol', 36], ['hotline', 20], ['iot', 3], ['api', 3]]);
    const mode = clockModeFor(cat, cat.priority);
    const limitMin = cat.limitHours * 60;
    const dept = concrete(deptByCode, cat.department, estate);
    const cc = cat.cc.map((c) => concrete(deptByCode, c, estate)).filter((d): d is DepartmentView => !!d && d.id !== dept?.id);
    const residentUser = userByName.get(`resident.${slug}`);
    const reporterIsUser = channel === 'resident' && rand() < 0.25 && !!residentUser;
    const gridWorker = person(userByName.get(`grid_worker.${slug}`), 'grid_worker');
    const handler = person(dept ? deptUser.get(dept.id) : undefined, 'dept_handler');
    const disp = person(dispatcher, 'dispatcher');
    const story: Ev[] = [];
    const reporterActor = channel === 'patrol' ? gridWorker : channel === 'hotline' ? disp : channel === 'iot' ? sys : reporterIsUser ? person(residentUser, 'resident') : { id: null, name: '居民', role: 'resident' };
    story.push({ at: t0, action: 'reported', to: 'reported', actor: reporterActor, pub: true, data: { channel } });

    const fate = rand();
    let t = t0 + (channel === 'iot' ? 0 : between(5, 150) * 60_000);
    let mergedInto: string | null = null;
    if (fate < 0.03) {
      story.push({ at: t, action: 'rejected', from: 'reported', to: 'rejected', actor: disp, note: pick(REJECT_REASONS), pub: true, patch: { closed_at: new Date(t) } });
    } else if (fate < 0.05 && stories.length > 20) {
      const target = stories[Math.floor(rand() * stories.length)]!;
      mergedInto = target.id;
      story.push({ at: t, action: 'merged', from: 'reported', to: 'merged', actor: disp, note: '重复上报，合并办理', pub: true, patch: { merged_into: target.id, closed_at: new Date(t) } });
    } else if (dept) {
      let gen = 0;
      const dispatchTo = (at: number, d: DepartmentView, from: CaseState, action: 'dispatched' | 'reopened', note: string | null) => {
        const dl = computeDeadlines(cal, mode, new Date(at), limitMin);
        gen++;
        story.push({
          at,
          action,
          from,
          to: 'dispatched',
          actor: action === 'reopened' ? reporterActor : channel === 'iot' ? sys : disp,
          dept: d.id,
          note,
          pub: true,
          data: { deadlineAt: dl.deadlineAt.toISOString(), clockMode: mode },
          patch: {
            department_id: d.id,
            cc_department_ids: d.id === dept.id ? cc.map((x) => x.id) : [],
            dispatched_at: new Date(at),
            accepted_at: null,
            resolved_at: null,
            closed_at: null,
            clock_mode: mode,
            clock_start_at: new Date(at),
            limit_minutes: limitMin,
            accept_due_at: dl.acceptDueAt,
            warn_at: dl.warnAt,
            deadline_at: dl.deadlineAt,
            deadline_gen: gen,
            warned_at: null,
            overdue_at: null,
          },
        });
        return dl;
      };
      story.push({ at: t, action: 'filed', from: 'reported', to: 'filed', actor: channel === 'iot' ? sys : disp, pub: true, patch: { filed_at: new Date(t) } });
      if (rand() < 0.08) {
        const wrong = pick(depts.filter((d) => d.id !== dept.id && d.kind === 'government'));
        dispatchTo(t, wrong, 'filed', 'dispatched', null);
        t += between(0.3, 4) * H;
        story.push({ at: t, action: 'returned', from: 'dispatched', to: 'returned', actor: person(deptUser.get(wrong.id), 'dept_handler'), dept: wrong.id, note: '非本部门职责，请重新派遣', patch: { department_id: null, cc_department_ids: [], accept_due_at: null, warn_at: null, deadline_at: null }, data: {} });
        t += between(0.2, 2) * H;
        dispatchTo(t, dept, 'returned', 'dispatched', null);
      } else dispatchTo(t, dept, 'filed', 'dispatched', channel === 'iot' ? '系统自动派遣' : null);

      // handling: acceptance, warning, overdue, resolution, verification (with rework), closure, rating, reopening
      const handle = (start: number, from: CaseState) => {
        const dl = computeDeadlines(cal, mode, new Date(start), limitMin);
        const acceptMs = dl.acceptDueAt.getTime() - start;
        const tA = rand() < 0.87 ? start + acceptMs * between(0.05, 0.95) : start + acceptMs * between(1.1, 3);
        story.push({ at: tA, action: 'accepted', from, to: 'accepted', actor: handler, dept: dept.id, pub: true, patch: { accepted_at: new Date(tA) } });
        if (rand() < 0.015) {
          const tS = tA + between(2, 30) * H;
          story.push({ at: tS, action: 'suspended', from: 'accepted', to: 'suspended', actor: person(userByName.get('supervisor'), 'supervisor'), dept: dept.id, note: '需协调多个部门，暂时挂账', patch: { suspended_at: new Date(tS), suspended_from: 'accepted' } });
          return null;
        }
        const late = rand() < 0.11;
        const f = late ? between(1.05, 1.9) : between(0.3, 0.97);
        let tR = addTime(cal, mode, new Date(start), limitMin * 60_000 * f).getTime();
        if (tR <= tA) tR = tA + 10 * 60_000;
        if (dl.warnAt.getTime() < tR) story.push({ at: dl.warnAt.getTime(), action: 'warning', actor: sys, dept: dept.id, note: '处置时限已过 80%', patch: { warned_at: dl.warnAt } });
        if (dl.deadlineAt.getTime() < tR) {
          const d = dl.deadlineAt.getTime();
          story.push({ at: d, action: 'overdue', actor: sys, dept: dept.id, note: '已超过处置时限', patch: { overdue_at: dl.deadlineAt } });
          story.push({ at: d, action: 'urged', actor: sys, dept: dept.id, note: '超时自动督办', data: { auto: true }, patch: { urge_count: '+1' } });
        }
        story.push({ at: tR, action: 'resolved', from: 'accepted', to: 'resolved', actor: handler, dept: dept.id, note: pick(RESOLUTIONS), pub: true, patch: { resolved_at: new Date(tR) } });
        let tV = tR + between(0.5, 26) * H;
        if (rand() < 0.07) {
          story.push({ at: tV, action: 'verified', from: 'resolved', to: 'resolved', actor: gridWorker, note: '现场核查未整改到位', data: { passed: false, by: 'person' } });
          story.push({ at: tV, action: 'rework', from: 'resolved', to: 'rework', actor: gridWorker, dept: dept.id, note: '现场核查未整改到位', pub: true, patch: { rework_count: '+1', resolved_at: null } });
          const tR2 = tV + between(2, 30) * H;
          story.push({ at: tR2, action: 'resolved', from: 'rework', to: 'resolved', actor: handler, dept: dept.id, note: '已返工整改', pub: true, patch: { resolved_at: new Date(tR2) } });
          tV = tR2 + between(0.5, 24) * H;
        }
        story.push({ at: tV, action: 'verified', from: 'resolved', to: 'resolved', actor: channel === 'iot' ? sys : gridWorker, data: { passed: true, by: channel === 'iot' ? 'sensor' : 'person' }, pub: true });
        story.push({ at: tV, action: 'closed', from: 'resolved', to: 'closed', actor: channel === 'iot' ? sys : gridWorker, pub: true, patch: { closed_at: new Date(tV) } });
        return tV;
      };
      const firstDispatch = story.filter((e) => e.action === 'dispatched').pop()!.at;
      let tC = handle(firstDispatch, 'dispatched');
      if (tC !== null && rand() < 0.035) {
        const tO = tC + between(0.3, 6) * 86_400_000;
        dispatchTo(tO, dept, 'closed', 'reopened', '问题仍未解决');
        story[story.length - 1]!.patch!.reopen_count = '+1';
        tC = handle(tO, 'dispatched');
      }
      if (tC !== null && rand() < 0.7) {
        const tRate = tC + between(0.5, 72) * H;
        const rating = pickW<number>(rand, [[5, 50], [4, 28], [3, 12], [2, 6], [1, 4]]);
        story.push({ at: tRate, action: 'rated', actor: reporterActor, pub: true, data: { rating }, note: rating >= 4 ? pick(['处理很及时，谢谢', '满意', '网格员很负责']) : pick(['处理太慢', '只是暂时处理了']), patch: { rating, rating_comment: null, rated_at: new Date(tRate) } });
      }
    }

    // cut the story at now and fold it into the case row
    const row: Record<string, unknown> = {
      id,
      number: '',
      track_code: '',
      state: 'reported',
      version: 1,
      channel,
      description: describe(cat, estate?.name ?? '', rand),
      category_code: cat.code,
      priority: cat.priority,
      lng,
      lat,
      address: `${estate?.name ?? ''}${1 + Math.floor(rand() * 20)}栋附近`,
      grid_id: grid.id,
      estate_id: estate?.id ?? null,
      community_id: community?.id ?? null,
      node_path: grid.path,
      department_id: null,
      cc_department_ids: [],
      reporter_user_id: reporterIsUser ? residentUser!.id : channel === 'patrol' ? (gridWorker.id ?? null) : null,
      reporter_name_enc: ctx.cipher.encrypt(reporterIsUser ? residentUser!.display_name : channel === 'hotline' ? pick(NAMES) : channel === 'resident' ? pick(NAMES) : channel === 'patrol' ? gridWorker.name : null),
      reporter_phone_enc: null as string | null,
      reporter_phone_hash: null as string | null,
      anonymous: channel === 'resident' && rand() < 0.08,
      idem_key: null,
      source_type: channel === 'iot' ? 'device' : null,
      source_key: channel === 'iot' ? `DEMO-${String(i).padStart(5, '0')}:alarm` : null,
      merged_into: null,
      duplicate_of: mergedInto,
      advice: JSON.stringify({ categoryCode: cat.code, departmentCode: dept?.code ?? null, source: 'demo' }),
      photos: [],
      reported_at: new Date(t0),
      suspended_ms: 0,
      deadline_gen: 0,
      rework_count: 0,
      return_count: 0,
      reopen_count: 0,
      urge_count: 0,
      escalation_level: 0,
      created_at: new Date(t0),
      updated_at: new Date(t0),
    };
    if (channel === 'hotline' || (channel === 'resident' && !reporterIsUser)) {
      const phone = `1${pick([3, 5, 7, 8, 9])}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`;
      row.reporter_phone_enc = ctx.cipher.encrypt(phone);
      row.reporter_phone_hash = ctx.cipher.blindIndex(phone);
    }
    story.sort((a, b) => a.at - b.at);
    let version = 1;
    for (const e of story) {
      if (e.at > nowMs) break;
      if (e.action === 'returned') row.return_count = (row.return_count as number) + 1;
      for (const [k, v] of Object.entries(e.patch ?? {})) row[k] = v === '+1' ? (row[k] as number) + 1 : v;
      if (e.to) row.state = e.to;
      if (e.to || e.action === 'rated') version++;
      row.updated_at = new Date(e.at);
      events.push({
        id: newId(),
        case_id: id,
        at: new Date(e.at),
        action: e.action,
        from_state: e.from ?? null,
        to_state: e.to ?? null,
        actor_id: e.actor.id,
        actor_name: e.actor.name,
        actor_role: e.actor.role,
        department_id: e.dept ?? null,
        note: e.note ?? null,
        data: JSON.stringify(e.data ?? {}),
        photos: [],
        public: !!e.pub,
      });
    }
    row.version = version;
    if (['dispatched', 'accepted', 'rework'].includes(row.state as string) && row.deadline_at && (row.deadline_at as Date).getTime() > nowMs) {
      jobs.push({ id, gen: row.deadline_gen as number, warnAt: row.warn_at as Date, deadlineAt: row.deadline_at as Date });
    }
    if (row.reporter_user_id) followers.push({ case_id: id, user_id: row.reporter_user_id as string, reason: 'reporter', at: new Date(t0) });
    if (mergedInto && row.state === 'merged' && row.reporter_user_id) followers.push({ case_id: mergedInto, user_id: row.reporter_user_id as string, reason: 'merged', at: new Date(t) });
    cases.push(row);
    if (row.state !== 'merged') stories.push({ reportedAt: t0, id });
  }

  // numbers per local day in report order, unique receipt codes
  cases.sort((a, b) => (a.reported_at as Date).getTime() - (b.reported_at as Date).getTime());
  const perDay = new Map<string, number>();
  for (const c of cases) {
    const day = localDate(c.reported_at as Date).replace(/-/g, '');
    const k = (perDay.get(day) ?? 0) + 1;
    perDay.set(day, k);
    c.number = day + String(k).padStart(5, '0');
    let code = randomTrackCode();
    while (codes.has(code)) code = randomTrackCode();
    codes.add(code);
    c.track_code = code;
  }
  // merged cases must point at a case inserted earlier in the batch order: insert targets first
  const merged = cases.filter((c) => c.state === 'merged');
  const rest = cases.filter((c) => c.state !== 'merged');
  const sources = new Set<string>();
  for (const c of rest) {
    // one open case per source: demo device keys are unique anyway
    if (c.source_type && sources.has(`${c.source_type}:${c.source_key}`)) c.source_type = c.source_key = null;
    if (c.source_type) sources.add(`${c.source_type}:${c.source_key}`);
  }

  await withTx(ctx, async (trx) => {
    await caseRepo.insertMany(trx, rest as never);
    await caseRepo.insertMany(trx, merged as never);
    await caseRepo.addEvents(trx, events);
    await caseRepo.addFollowers(trx, followers);
    for (const [day, last] of perDay) {
      await trx.insertInto('case_counters').values({ day, last }).onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb.fn('greatest', [eb.ref('case_counters.last'), eb.val(last)]) }))).execute();
    }
    for (const j of jobs) {
      const k = jobKeys(j.id, j.gen);
      await ctx.jobs.enqueue(trx, WARN_JOB, { caseId: j.id, gen: j.gen }, { runAt: j.warnAt, uniqueKey: k.warn });
      await ctx.jobs.enqueue(trx, OVERDUE_JOB, { caseId: j.id, gen: j.gen }, { runAt: j.deadlineAt, uniqueKey: k.overdue });
    }
    await audit(trx, ctx.clock, systemActor(), { action: 'demo.seed.cases', entity: 'case', after: { count: cases.length, events: events.length } });
  });
}

function concrete(byCode: Map<string, DepartmentView>, code: string, estate: NodeView | undefined): DepartmentView | undefined {
  if (code === 'WY') {
    const company = (estate?.props as { propertyCompanyCode?: string | null } | undefined)?.propertyCompanyCode;
    return (company && byCode.get(company)) || byCode.get('SQ');
  }
  return byCode.get(code);
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickW<T>(rand: () => number, xs: Array<[T, number]>): T {
  const total = xs.reduce((s, x) => s + x[1], 0);
  let r = rand() * total;
  for (const [v, w] of xs) if ((r -= w) <= 0) return v;
  return xs[xs.length - 1]![0];
}

const SLUGS: Record<string, string> = { '430103007001': 'qiaotou', '430103007002': 'mulian', '430103007003': 'xintian', '430103007004': 'baoziling', '430103007005': 'xinkaipu' };

/** How common each category is in a street's caseload (relative). */
const FREQUENCY: Record<string, number> = {
  EN01: 14, RT04: 10, EN04: 9, EN02: 7, PR01: 8, UF06: 6, RT01: 5, EN03: 5, EN05: 5, NS02: 4, RT05: 4, UF08: 4, GR01: 3, NS01: 3, PS03: 3, EN07: 2, EN08: 2, PS05: 2, UF02: 2, UF01: 2, DP01: 2, EN06: 1.5, PS04: 1.2,
};

const DETAILS: Record<string, string[]> = {
  EN01: ['垃圾堆放多日无人清运，气味很大', '路边有大量建筑垃圾和生活垃圾', '垃圾桶旁边堆满了垃圾袋'],
  RT04: ['车辆长期占用消防通道', '人行道上停满了机动车，行人无法通行', '小区门口车辆乱停堵住出入口'],
  EN04: ['流动摊贩占道经营，影响通行', '早市摊点占用人行道', '夜宵摊占道经营到深夜'],
  EN02: ['路面有大量泥沙和落叶', '道路油污严重，行人容易滑倒'],
  PR01: ['楼道灯坏了很久没人修', '单元门禁损坏', '楼顶漏水，物业一直没处理'],
  UF06: ['路灯不亮，晚上很黑', '路灯白天一直亮着', '路灯杆倾斜'],
  RT01: ['路面出现坑洼，电动车容易摔倒', '人行道地砖松动破损'],
  NS02: ['楼上深夜噪音扰民', '广场舞音响声音太大'],
  NS01: ['工地夜间施工噪音很大'],
  PS03: ['小区内有人遛狗不牵绳', '狗粪便无人清理'],
};
const GENERIC = ['请尽快派人处理', '已经持续好几天了', '影响居民正常生活', '希望相关部门尽快解决'];

function describe(cat: Category, estate: string, rand: () => number): string {
  const d = DETAILS[cat.code];
  const detail = d ? d[Math.floor(rand() * d.length)]! : `${cat.name}问题`;
  return `${estate}附近${detail}，${GENERIC[Math.floor(rand() * GENERIC.length)]!}。`;
}

const REJECT_REASONS = ['不属于城市管理事项，已告知居民拨打相应热线', '信息不全且无法联系上报人', '现场核实无此问题'];
const RESOLUTIONS = ['已安排人员现场处理完毕', '已清理完毕并加强巡查', '已维修恢复正常', '已劝离并教育当事人', '已约谈责任单位，限期整改完成'];
const NAMES = ['王女士', '李先生', '张阿姨', '刘师傅', '陈先生', '杨女士', '赵大爷', '周女士'];
