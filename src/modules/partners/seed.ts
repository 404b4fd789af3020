import type { AppContext } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { listNodes } from '../org/index.js';
import { createReward, partnerAccount, reviewClaim, submitClaim } from '../ledger/index.js';
import { partnersRepo } from './repository.js';
import { addAgreement, addOrgActivity, createPartner, createSocialOrg, setOrgStage } from './service.js';
import { claimProject, confirmCompletion, createProject, evaluateProject, publishProject, reviewProjectClaim, settleProject, submitNeed, addProjectLog } from './projects.js';

type Slug = 'qiaotou' | 'mulian' | 'xintian' | 'baoziling' | 'xinkaipu';

/**
 * Demo partners (one signed-in partner per community, partner.<slug>), the five service agreements
 * of the example, merchants' coupons, needs and projects in different stages, and social
 * organisations in incubation.
 */
export async function seedPartners(ctx: AppContext): Promise<void> {
  if ((await partnersRepo.list(ctx.db, { path: null, limit: 1, offset: 0 })).total > 0) return;
  const sys = systemActor();
  const communities = (await listNodes(ctx, sys, { levels: ['community'], withGeometry: false })).sort((a, b) => a.code.localeCompare(b.code));
  if (communities.length < 5) return;
  const [qiaotou, mulian, xintian, baoziling, xinkaipu] = communities as [typeof communities[0], typeof communities[0], typeof communities[0], typeof communities[0], typeof communities[0]];
  const users = new Set((await ctx.db.selectFrom('users').select('username').where('username', 'like', 'partner.%').execute()).map((u) => u.username));
  const login = (slug: Slug) => (users.has(`partner.${slug}`) ? `partner.${slug}` : undefined);

  const law = await createPartner(ctx, sys, { name: '湖南湘楚律师事务所', type: 'professional', form: 'organisation', services: ['法律咨询', '法律援助', '普法讲座'], contactName: '周律师', phone: '0731-85551234', description: '专业律师团队，长期为社区居民提供公益法律服务', communityId: qiaotou.id, username: login('qiaotou') });
  const clinic = await createPartner(ctx, sys, { name: '仁和社区诊所', type: 'professional', form: 'organisation', services: ['健康检查', '义诊', '慢病随访'], contactName: '陈医生', phone: '0731-85552345', description: '全科诊所，为社区老人提供健康检查和慢病随访', communityId: mulian.id, username: login('mulian') });
  const market = await createPartner(ctx, sys, { name: '步步高超市新开铺店', type: 'resource', form: 'organisation', merchant: true, services: ['优惠券', '物资捐赠'], contactName: '刘店长', phone: '0731-85553456', description: '积分兑换购物优惠券，节日捐赠慰问物资', communityId: xintian.id, username: login('xintian') });
  const team = await createPartner(ctx, sys, { name: '夕阳红志愿服务队', type: 'volunteer', form: 'organisation', services: ['探访老人', '陪伴', '代买', '社区花园'], contactName: '王阿姨', phone: '13807310001', description: '由社区退休党员发起的志愿服务队', communityId: baoziling.id, username: login('baoziling') });
  const school = await createPartner(ctx, sys, { name: '启航培训学校', type: 'professional', form: 'organisation', services: ['儿童托管', '课业辅导', '暑期托管'], contactName: '李校长', phone: '0731-85554567', description: '为双职工家庭提供儿童暑期托管', communityId: xinkaipu.id, username: login('xinkaipu') });
  await createPartner(ctx, sys, { name: '张师傅家电维修', type: 'volunteer', form: 'person', services: ['家电维修', '水电维修'], contactName: '张建国', phone: '13907310002', description: '退休电工，义务为老人维修小家电', communityId: qiaotou.id });
  const barber = await createPartner(ctx, sys, { name: '巧手理发店', type: 'resource', form: 'organisation', merchant: true, services: ['理发', '优惠券'], contactName: '罗师傅', phone: '13607310003', description: '为高龄老人上门理发，接受积分兑换', communityId: qiaotou.id });

  // The five service agreements of the example.
  const year = new Date(ctx.clock.now().getTime() + 8 * 3_600_000).getUTCFullYear();
  const term = { startsOn: `${year}-01-01`, endsOn: `${year}-12-31` };
  await addAgreement(ctx, sys, law.id, { title: '公益法律服务协议', content: '每月第一、三个周六上午在社区党群服务中心提供免费法律咨询；每季度一次普法讲座。', ...term });
  await addAgreement(ctx, sys, clinic.id, { title: '老年人健康检查服务协议', content: '每季度为辖区 60 岁以上老人免费健康检查一次（血压、血糖、心电图），建立随访档案。', ...term });
  await addAgreement(ctx, sys, market.id, { title: '积分兑换优惠券合作协议', content: '居民以积分兑换本店代金券，凭兑换码到店核销；每月提供不少于 50 张。', ...term });
  await addAgreement(ctx, sys, team.id, { title: '独居老人探访服务协议', content: '每周探访辖区独居、高龄老人，登记需求并反馈社区；重要情况当日报告。', ...term });
  await addAgreement(ctx, sys, school.id, { title: '儿童暑期托管服务协议', content: '7 月至 8 月工作日为双职工家庭子女提供公益托管（作业辅导、阅读、手工）。', startsOn: `${year}-07-01`, endsOn: `${year}-08-31` });

  // Merchants' coupons.
  const marketAcc = (await partnerAccount(ctx, ctx.db, market.id))!;
  const barberAcc = (await partnerAccount(ctx, ctx.db, barber.id))!;
  await createReward(ctx, sys, { kind: 'coupon', name: '步步高 10 元代金券', description: '满 50 元可用，到店出示兑换码核销', pointsCost: 20, stock: 50, communityId: xintian.id, payeeAccountId: marketAcc.id });
  await createReward(ctx, sys, { kind: 'coupon', name: '步步高 20 元代金券', description: '满 100 元可用，到店出示兑换码核销', pointsCost: 40, stock: 30, communityId: xintian.id, payeeAccountId: marketAcc.id });
  for (const c of [qiaotou, mulian]) await createReward(ctx, sys, { kind: 'coupon', name: '巧手理发店 理发券', description: '男士、女士剪发一次', pointsCost: 25, stock: 20, communityId: c.id, payeeAccountId: barberAcc.id });

  // Partners earn points for services, confirmed by staff.
  const rules = new Map((await ctx.db.selectFrom('ledger_earning_rules').select(['code', 'id']).execute()).map((r) => [r.code, r.id]));
  const asPartner = async (partnerId: string): Promise<Actor> => ({ ...sys, roles: ['partner'], displayName: (await partnersRepo.byId(ctx.db, partnerId))!.name });
  const earn = async (partnerId: string, code: string, note: string, approve = true) => {
    const acc = (await partnerAccount(ctx, ctx.db, partnerId))!;
    const c = await submitClaim(ctx, sys, { ruleId: rules.get(code)!, accountId: acc.id, note });
    if (approve) await reviewClaim(ctx, sys, c.id, { approve: true, note: '已核实' });
  };
  await earn(law.id, 'legal_consult', '为居民解答房屋租赁纠纷');
  await earn(law.id, 'legal_consult', '为老人办理遗嘱咨询');
  await earn(law.id, 'legal_consult', '邻里噪音纠纷咨询', false);
  await earn(clinic.id, 'health_check', '木莲小区老人血压血糖检测');
  await earn(market.id, 'donation', '中秋慰问物资捐赠');
  await earn(team.id, 'elderly_visit', '探访独居老人 6 户');

  // Needs, from the questionnaire and from visits.
  const staffOf = (c: typeof qiaotou): Actor => ({ ...sys, roles: ['community_admin'], nodePath: c.path, nodeId: c.id, displayName: `${c.name}工作人员` });
  const n1 = await submitNeed(ctx, staffOf(qiaotou), { title: '老人不会用智能手机挂号、扫码', description: '走访中多位老人反映看病挂号、健康码不会操作', category: '为老服务', nodeId: qiaotou.id });
  await submitNeed(ctx, staffOf(qiaotou), { title: '楼道照明损坏', category: '便民服务', nodeId: qiaotou.id });
  const n2 = await submitNeed(ctx, staffOf(xinkaipu), { title: '暑假孩子无人照看', description: '双职工家庭暑期托管需求集中', category: '儿童青少年', nodeId: xinkaipu.id });
  const n3 = await submitNeed(ctx, staffOf(baoziling), { title: '小区空地杂草丛生，希望改成花园', category: '环境美化', nodeId: baoziling.id });

  // Projects in different stages.
  const phone = await createProject(ctx, sys, { title: '长者智能手机培训', description: '每周两次课，教老人用手机挂号、视频通话、防诈骗', category: '为老服务', communityId: qiaotou.id, budget: 3000, resources: '党群服务中心教室、10 台演示手机', pointsOffered: 200, dueOn: `${year}-12-31`, needIds: [n1.id] });
  await publishProject(ctx, sys, phone.id);
  const care = await createProject(ctx, sys, { title: '儿童暑期托管', description: '工作日 8:30–17:30 托管，含午餐与作业辅导', category: '儿童青少年', communityId: xinkaipu.id, budget: 20000, resources: '社区活动室两间', pointsOffered: 500, dueOn: `${year}-12-31`, needIds: [n2.id] });
  await publishProject(ctx, sys, care.id);
  const schoolActor = await asPartner(school.id);
  const schoolUser = (await partnersRepo.byId(ctx.db, school.id))!.user_id;
  if (schoolUser) {
    const claim = await claimProject(ctx, { ...schoolActor, userId: schoolUser }, care.id, { plan: '派 4 名教师，分低、高年级两班，每周五开展手工和阅读活动' });
    await reviewProjectClaim(ctx, sys, care.id, claim.id, { approve: true, note: '资质齐全' });
    await addProjectLog(ctx, { ...schoolActor, userId: schoolUser }, care.id, { kind: 'progress', content: '第一周：报名 32 名儿童，已分班' });
  }
  const garden = await createProject(ctx, sys, { title: '社区花园共建', description: '清理空地，居民认领菜畦和花池', category: '环境美化', communityId: baoziling.id, budget: 5000, resources: '苗木、工具由街道提供', pointsOffered: 300, dueOn: `${year}-12-31`, needIds: [n3.id] });
  await publishProject(ctx, sys, garden.id);
  const teamUser = (await partnersRepo.byId(ctx.db, team.id))!.user_id;
  if (teamUser) {
    const teamActor = { ...(await asPartner(team.id)), userId: teamUser };
    const claim = await claimProject(ctx, teamActor, garden.id, { plan: '组织 20 名志愿者分三次清理和种植' });
    await reviewProjectClaim(ctx, sys, garden.id, claim.id, { approve: true });
    await addProjectLog(ctx, teamActor, garden.id, { kind: 'completion', content: '花园建成，居民认领菜畦 18 块' });
    await confirmCompletion(ctx, sys, garden.id, {});
    const residents = await ctx.db.selectFrom('users').select(['id', 'display_name', 'resident_id']).where('username', '=', 'resident.baoziling').execute();
    for (const r of residents) if (r.resident_id) await evaluateProject(ctx, { ...sys, userId: r.id, roles: ['resident'], residentId: r.resident_id, nodePath: null, displayName: r.display_name }, garden.id, { score: 92, comment: '环境变好了' });
    await evaluateProject(ctx, staffOf(baoziling), garden.id, { score: 88, comment: '按期完成' });
    await evaluateProject(ctx, staffOf(baoziling), garden.id, { score: 85, thirdParty: '长沙市社会工作评估中心' });
    await settleProject(ctx, sys, garden.id);
  }
  await createProject(ctx, sys, { title: '楼道照明改造', category: '便民服务', communityId: xintian.id, budget: 8000, pointsOffered: 100 });

  // Social organisations in incubation.
  const orgs = [
    { name: '夕阳红志愿服务队', field: '为老服务', c: baoziling, partnerId: team.id, stages: ['incubating', 'registered'] as const, leaderName: '王秀英' },
    { name: '桥头社区文艺队', field: '文体活动', c: qiaotou, stages: ['incubating'] as const, leaderName: '刘桂兰' },
    { name: '木莲邻里互助会', field: '邻里互助', c: mulian, stages: [] as const, leaderName: '陈国平' },
    { name: '新天亲子读书会', field: '儿童青少年', c: xintian, stages: ['incubating'] as const, leaderName: '赵敏' },
    { name: '豹子岭环保小卫士', field: '环境保护', c: baoziling, stages: ['incubating', 'registered', 'graduated'] as const, leaderName: '黄晨' },
  ];
  for (const o of orgs) {
    const org = await createSocialOrg(ctx, sys, { name: o.name, field: o.field, leaderName: o.leaderName, communityId: o.c.id, partnerId: 'partnerId' in o ? o.partnerId : undefined, description: `${o.c.name}${o.field}类社会组织` });
    for (const s of o.stages) await setOrgStage(ctx, sys, org.id, { stage: s, note: s === 'incubating' ? '入驻孵化基地' : s === 'registered' ? '完成民政备案' : '能力评估合格，出壳' });
    if (o.stages.length) await addOrgActivity(ctx, sys, org.id, { title: `${o.name}月度活动`, heldOn: new Date(ctx.clock.now().getTime() - 30 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10), participants: 25, summary: '活动顺利开展' });
  }
}
