import type { AppContext } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { listNodes, listResidents, type ResidentView } from '../org/index.js';
import { ledgerRepo } from './repository.js';
import { communityAccount, createRewards, createRules, reviewClaim, submitClaim, type RuleInput } from './service.js';
import { confirmExchange, createExchange, createPost, familyTransfer } from './timebank.js';

/** Earning rules of the demo: action → points, with a cap per period. */
export const DEMO_RULES: RuleInput[] = [
  { code: 'legal_consult', action: '法律咨询', points: 10, period: 'month', periodCap: 200, appliesTo: 'partner', description: '律师为居民提供一次免费法律咨询' },
  { code: 'donation', action: '捐赠物资', points: 20, period: 'month', periodCap: 100, appliesTo: 'any', description: '向社区捐赠物资一次（须经工作人员登记）' },
  { code: 'health_check', action: '义诊/健康检查', points: 10, period: 'month', periodCap: 200, appliesTo: 'partner', description: '为居民提供一次健康检查或义诊' },
  { code: 'children_care', action: '儿童托管课堂', points: 15, period: 'month', periodCap: 300, appliesTo: 'partner', description: '开展一次儿童托管或课堂' },
  { code: 'volunteer_shift', action: '志愿服务', points: 5, period: 'week', periodCap: 30, appliesTo: 'resident', description: '参加一次社区志愿服务（约 2 小时）' },
  { code: 'elderly_visit', action: '探访独居老人', points: 5, period: 'week', periodCap: 20, appliesTo: 'any', description: '入户探访独居或高龄老人一次' },
  { code: 'garbage_sorting', action: '垃圾分类督导', points: 3, period: 'day', periodCap: 6, appliesTo: 'resident', description: '在投放点值守督导垃圾分类' },
  { code: 'deliberation', action: '参加议事协商', points: 2, period: 'month', periodCap: 10, appliesTo: 'resident', description: '参加一次居民议事会' },
];

/**
 * Demo data of the points bank and time bank: each community's pools, the earning rules, the
 * community's own rewards, and a few approved services, redemptions and time-bank exchanges.
 */
export async function seedLedger(ctx: AppContext): Promise<void> {
  if ((await ledgerRepo.rules(ctx.db, false)).length > 0) return;
  const sys = systemActor();
  await createRules(ctx, sys, DEMO_RULES);
  const rules = new Map((await ledgerRepo.rules(ctx.db, false)).map((r) => [r.code, r.id]));
  const communities = await listNodes(ctx, sys, { levels: ['community'], withGeometry: false });
  for (const c of communities) {
    await communityAccount(ctx, c.path, 'points');
    await communityAccount(ctx, c.path, 'time');
  }
  await createRewards(
    ctx,
    sys,
    communities.flatMap((c) => [
      { kind: 'room' as const, name: '活动室预约优先（半天）', description: '社区活动室、会议室预约享优先安排一次', pointsCost: 30, stock: 20, communityId: c.id },
      { kind: 'goods' as const, name: '环保购物袋', description: '社区服务站领取', pointsCost: 10, stock: 100, communityId: c.id },
      { kind: 'goods' as const, name: '大米 5 公斤', description: '社区服务站领取', pointsCost: 80, stock: 20, communityId: c.id },
    ]),
  );

  // The signed-in demo residents and a few volunteers earn points; some claims stay pending.
  const demoResidents = await ctx.db.selectFrom('users').select(['username', 'resident_id']).where('username', 'like', 'resident.%').execute();
  const volunteers = (await listResidents(ctx, sys, { tag: '志愿者', page: 1, pageSize: 200 })).items;
  const elderly = (await listResidents(ctx, sys, { tag: '独居老人', page: 1, pageSize: 200 })).items;
  const grant = async (residentId: string, code: string, note: string, approve = true) => {
    const claim = await submitClaim(ctx, sys, { ruleId: rules.get(code)!, residentId, note });
    if (approve) await reviewClaim(ctx, sys, claim.id, { approve: true, note: '已核实' });
  };
  for (const u of demoResidents) {
    if (!u.resident_id) continue;
    await grant(u.resident_id, 'donation', '捐赠旧衣物一批');
    if (u.username === 'resident.qiaotou') {
      await grant(u.resident_id, 'volunteer_shift', '周末清理楼道小广告');
      await grant(u.resident_id, 'garbage_sorting', '早高峰投放点值守', false);
    }
  }
  for (const v of volunteers.slice(0, 2)) await grant(v.id, 'elderly_visit', '探访独居老人并登记需求');

  // Time bank in each community: a volunteer's offer, an elderly resident's request matched and confirmed, and an open request.
  const byCommunity = (list: ResidentView[], path: string) => list.filter((r) => r.nodePath.startsWith(path + '/'));
  for (const c of communities.slice(0, 1)) {
    const v = byCommunity(volunteers, c.path)[0];
    const old = byCommunity(elderly, c.path);
    if (!v || old.length < 2) continue;
    const offer = await createPost(ctx, sys, { kind: 'offer', category: '陪伴', title: '周末陪老人聊天、读报', minutes: 120, residentId: v.id });
    const req = await createPost(ctx, sys, { kind: 'request', category: '陪伴', title: '希望有人陪我去公园散步', minutes: 90, residentId: old[0]!.id });
    const ex = await createExchange(ctx, sys, { requestId: req.id, offerId: offer.id });
    await confirmExchange(ctx, sys, ex.id, { minutes: 90 });
    await createPost(ctx, sys, { kind: 'request', category: '代买', title: '帮忙买药（降压药）', description: '社区卫生服务站取药', minutes: 30, residentId: old[1]!.id });
    await createPost(ctx, sys, { kind: 'offer', category: '维修', title: '小家电、水龙头维修', minutes: 60, residentId: v.id });
    // a volunteer's household member receives part of the stored hours
    if (v.householdId) {
      const family = (await listResidents(ctx, sys, { nodeId: v.householdId, page: 1, pageSize: 10 })).items.find((r) => r.id !== v.id);
      if (family) await familyTransfer(ctx, sys, { fromResidentId: v.id, toResidentId: family.id, minutes: 30, relation: family.relation ?? '家人' });
    }
  }
}
