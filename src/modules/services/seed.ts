import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { nodeBriefs, residentsMatching } from '../org/index.js';
import { createAnnouncement } from './service/announcements.js';
import { createActivity, createRoom } from './service/activities.js';
import { upsertMatter, type MatterInput } from './service/catalogue.js';
import { ageOn } from './service/common.js';

const DESK = '社区党群服务中心一楼综合受理窗口';

/** The community-level service catalogue (一网通办), after the Changsha community service lists. */
export const DEMO_MATTERS: MatterInput[] = [
  {
    code: 'ZM01', name: '居住证明开具', category: '证明开具', sort: 1, timeLimitDays: 1, desk: DESK, phone: '0731-85000001',
    summary: '为辖区居民开具实际居住情况证明，用于入学、就业、办理居住证等。',
    eligibility: '在本社区实际居住的居民。',
    documents: [{ name: '申请人身份证', required: true }, { name: '房产证或租赁合同', required: true }, { name: '户口簿', required: false, note: '本地户籍居民提供' }],
    steps: ['在线提交申请并上传材料照片', '网格员核实实际居住情况', '社区出具证明并通知领取', '凭身份证到窗口领取（或电子证明）'],
  },
  {
    code: 'JZ01', name: '居住登记', category: '户籍与居住', sort: 2, timeLimitDays: 3, desk: DESK,
    summary: '来长沙居住的非本地户籍人员办理居住登记，登记满半年可申领居住证。',
    eligibility: '离开常住户口所在地、在本社区居住的人员。',
    documents: [{ name: '身份证', required: true }, { name: '住所证明（房产证或租赁合同）', required: true }, { name: '近期一寸免冠照片', required: false }],
    steps: ['在线申请', '社区核对住所信息', '录入居住登记系统', '短信通知登记结果'],
  },
  {
    code: 'GL01', name: '高龄津贴申请', category: '养老服务', sort: 3, timeLimitDays: 10, desk: DESK, phone: '0731-85000002',
    summary: '80 周岁及以上的本市户籍老年人按月领取高龄津贴（80–89 岁、90–99 岁、100 岁以上分档发放）。',
    eligibility: '年满 80 周岁、具有本市户籍的老年人。',
    documents: [{ name: '老人身份证', required: true }, { name: '户口簿', required: true }, { name: '本人社保卡或银行卡', required: true, note: '用于发放津贴' }],
    steps: ['在线申请（子女或网格员可代办）', '社区初审并公示', '街道审核', '民政部门审批后按月发放'],
  },
  {
    code: 'CJ01', name: '残疾人两项补贴申请', category: '残疾人服务', sort: 4, timeLimitDays: 15, desk: DESK,
    summary: '困难残疾人生活补贴和重度残疾人护理补贴。',
    eligibility: '持第二代残疾人证；生活补贴须为低保家庭，护理补贴须为一、二级残疾。',
    documents: [{ name: '残疾人证', required: true }, { name: '身份证', required: true }, { name: '低保证', required: false, note: '申请生活补贴时提供' }, { name: '银行卡', required: true }],
    steps: ['在线申请', '社区入户核查', '街道审核', '区残联审定', '按月发放'],
  },
  {
    code: 'DB01', name: '最低生活保障申请', category: '社会救助', sort: 5, timeLimitDays: 30, desk: DESK, phone: '0731-85000003',
    summary: '家庭人均收入低于当地低保标准、财产符合规定的家庭可申请低保。',
    eligibility: '本市户籍，家庭人均月收入低于本市低保标准。',
    documents: [{ name: '家庭成员身份证、户口簿', required: true }, { name: '收入证明', required: true }, { name: '家庭经济状况核对授权书', required: true }, { name: '残疾证、病历等', required: false }],
    steps: ['在线申请', '社区入户调查', '民主评议并公示', '街道审核', '区民政局审批'],
  },
  {
    code: 'LN01', name: '老年人优待证办理', category: '养老服务', sort: 6, timeLimitDays: 5, desk: DESK,
    summary: '60 周岁以上老年人办理优待证，可免费乘公交、游览公园等。',
    eligibility: '年满 60 周岁的老年人（含外地户籍常住老人）。',
    documents: [{ name: '身份证', required: true }, { name: '近期一寸彩色照片', required: true }],
    steps: ['在线申请并上传照片', '社区审核', '制证', '通知到窗口领取'],
  },
  {
    code: 'LS01', name: '临时救助申请', category: '社会救助', sort: 7, timeLimitDays: 10, desk: DESK,
    summary: '因火灾、交通事故、重大疾病等导致基本生活暂时困难的家庭可申请临时救助。',
    eligibility: '遭遇突发事件、意外伤害或重大疾病导致基本生活困难的家庭或个人。',
    documents: [{ name: '身份证、户口簿', required: true }, { name: '困难情况证明（病历、事故证明等）', required: true }],
    steps: ['在线申请', '社区核实', '街道审批（紧急情况先行救助）', '发放救助金'],
  },
  {
    code: 'YB01', name: '城乡居民医保参保登记', category: '社保医保', sort: 8, timeLimitDays: 2, desk: DESK,
    summary: '未参加职工医保的城乡居民办理居民医保参保登记和缴费。',
    eligibility: '未参加职工医保的本市户籍居民及持居住证的常住人员。',
    documents: [{ name: '身份证或户口簿', required: true }, { name: '居住证', required: false, note: '非本市户籍提供' }],
    steps: ['在线登记', '社区录入', '通过“湘税社保”缴费'],
  },
  {
    code: 'YL01', name: '养老保险待遇资格认证', category: '社保医保', sort: 9, timeLimitDays: 1, desk: DESK,
    summary: '领取养老金的老人每年完成一次资格认证；行动不便的可由网格员上门认证。',
    eligibility: '领取城乡居民或职工养老保险待遇的人员。',
    documents: [{ name: '身份证', required: true }],
    steps: ['在线申请上门认证或到窗口认证', '网格员上门拍照认证', '认证结果同步社保系统'],
  },
  {
    code: 'YF01', name: '退役军人优待证申领', category: '优抚服务', sort: 10, timeLimitDays: 20, desk: '社区退役军人服务站', online: false,
    summary: '退役军人和其他优抚对象申领优待证，享受交通、文旅等优待。',
    eligibility: '已在退役军人事务部门信息采集的退役军人和其他优抚对象。',
    documents: [{ name: '身份证', required: true }, { name: '退伍证或相关证明', required: true }],
    steps: ['到退役军人服务站现场采集照片与信息', '区退役军人事务局审核', '制证发放'],
  },
];

/** The assistant's knowledge base: residents' common questions, in plain words. */
export const DEMO_ARTICLES: Array<{ title: string; body: string; keywords: string[]; matterCode?: string }> = [
  { title: '高龄津贴怎么申请？', matterCode: 'GL01', keywords: ['高龄津贴', '高龄补贴', '80岁', '老人补贴'], body: '年满 80 周岁的本市户籍老人可以申请高龄津贴。带上老人身份证、户口簿和社保卡（或银行卡），在“办事指南”里在线申请，也可以请网格员上门代办。社区初审、街道审核后，按月发到卡上。' },
  { title: '高龄津贴每月发多少？什么时候到账？', matterCode: 'GL01', keywords: ['高龄津贴', '标准', '到账', '发放'], body: '按年龄分档：80–89 岁、90–99 岁、100 岁以上标准不同，具体以当年民政部门公布的标准为准。审批通过后的次月起，每月中旬发到老人的社保卡或银行卡。' },
  { title: '怎么开居住证明？', matterCode: 'ZM01', keywords: ['居住证明', '开证明', '证明开具', '住址证明'], body: '在“办事指南—居住证明开具”在线申请，上传身份证和房产证（或租房合同）照片。网格员核实您确实住在这里后，社区一个工作日内出具证明，凭身份证到社区综合窗口领取。' },
  { title: '外地来长沙居住要办居住登记吗？', matterCode: 'JZ01', keywords: ['居住登记', '居住证', '外地', '暂住'], body: '要办。非本地户籍人员来长沙居住，应办理居住登记；登记满半年、有稳定工作或住所的，可以申领居住证。在线提交身份证和住所证明即可，三个工作日内办结。' },
  { title: '残疾人可以领哪些补贴？', matterCode: 'CJ01', keywords: ['残疾人补贴', '两项补贴', '护理补贴', '生活补贴', '残疾证'], body: '持残疾人证的居民可以申请“两项补贴”：低保家庭中的残疾人可领困难残疾人生活补贴；一、二级重度残疾人可领护理补贴。带残疾人证、身份证和银行卡在线申请。' },
  { title: '低保怎么申请？需要什么条件？', matterCode: 'DB01', keywords: ['低保', '最低生活保障', '困难家庭', '救助'], body: '家庭人均月收入低于本市低保标准、家庭财产符合规定，就可以申请低保。需要全家身份证、户口簿、收入证明和经济状况核对授权书。社区会入户调查并公示，街道审核后由区民政局审批，一般 30 个工作日内办结。' },
  { title: '老年人优待证怎么办？有什么用？', matterCode: 'LN01', keywords: ['老年优待证', '优待证', '老年证', '免费坐公交'], body: '满 60 岁就可以办老年人优待证，外地户籍常住老人也能办。在线上传身份证和一寸照片，五个工作日内制好证，到社区窗口领取。凭证可以免费或优惠乘坐公交、游览公园。' },
  { title: '家里遇到急事生活困难，能申请临时救助吗？', matterCode: 'LS01', keywords: ['临时救助', '生病', '火灾', '困难'], body: '能。因火灾、交通事故、重大疾病等突发情况导致生活暂时困难的，可以申请临时救助。情况紧急的，社区会先行救助再补手续。请准备身份证、户口簿和困难情况的证明材料。' },
  { title: '城乡居民医保怎么参保缴费？', matterCode: 'YB01', keywords: ['医保', '参保', '缴费', '居民医保'], body: '没有参加职工医保的居民可以参加城乡居民医保。先在社区办理参保登记，然后在每年集中缴费期通过“湘税社保”或银行缴费。' },
  { title: '养老金资格认证怎么做？老人走不动怎么办？', matterCode: 'YL01', keywords: ['资格认证', '养老金', '生存认证', '上门'], body: '领取养老金的老人每年要做一次资格认证。可以到社区窗口认证，也可以用手机刷脸认证；老人行动不便的，在线申请“上门认证”，网格员会上门帮忙。' },
  { title: '社区老年食堂在哪里？怎么吃饭？', keywords: ['老年食堂', '长者食堂', '助餐', '吃饭', '送餐'], body: '社区老年食堂设在党群服务中心一楼，每天中午 11:00–12:30 供餐。60 岁以上老人凭优待证享受优惠，80 岁以上和独居老人可以预约送餐上门，请打社区电话或找网格员登记。' },
  { title: '停水停电的通知在哪里看？', keywords: ['停水', '停电', '通知', '公告'], body: '停水、停电等通知会发在居民端“通知公告”，同时贴在楼栋公告栏，服务大厅的屏幕上也能看到。收到通知后请提前储水，关好水龙头和电器开关。' },
  { title: '怎么报名社区活动？满员了怎么办？', keywords: ['活动报名', '报名', '候补', '满员', '兴趣班'], body: '在居民端“社区活动”里选择活动，点“我要报名”。名额满了会自动进入候补名单，有人取消后按报名先后自动递补，并给您发消息。' },
  { title: '活动当天怎么签到？', keywords: ['签到', '扫码', '二维码', '活动'], body: '到活动现场后，用手机扫工作人员展示的签到二维码，页面会自动完成签到。活动开始前 1 小时开放签到。' },
  { title: '社区活动室可以借用吗？', keywords: ['场地预约', '活动室', '借用', '会议室', '书画室'], body: '可以。在居民端“场地预约”选择场地和时间，时段没有被占用就能约上。单次最长 8 小时，请在开放时间内使用，用完后整理干净。' },
  { title: '家里或楼道东西坏了找谁修？', keywords: ['物业报修', '报修', '维修', '楼道灯', '门禁', '水管'], body: '小区公共部位（楼道灯、门禁、公共水管等）坏了，在居民端“物业报修”填写情况、拍照提交，会转给小区物业公司处理，您可以随时查看进度。没有物业的老旧小区由社区安排维修。' },
  { title: '遇到紧急情况怎么求助？', keywords: ['一键报警', '紧急求助', '摔倒', '急救', '报警'], body: '居民端首页有“一键报警”按钮，按下后您的位置和登记信息会立即发给社区值班人员和街道指挥中心，2 分钟内无人响应会自动升级。生命危险请同时拨打 120、110 或 119。' },
  { title: '电动车可以在楼道里充电吗？', keywords: ['电动车', '电瓶车', '电单车', '充电', '楼道', '消防', '充电桩'], body: '不可以。电动自行车在楼道、楼梯间充电和停放容易引发火灾。请到小区集中充电桩充电；发现楼道充电可以在“我要上报”里反映。' },
  { title: '垃圾分类怎么分？', keywords: ['垃圾分类', '厨余垃圾', '可回收物', '有害垃圾'], body: '长沙生活垃圾分为四类：可回收物、有害垃圾、厨余垃圾和其他垃圾。厨余垃圾请沥干水分后投放；电池、灯管、过期药品属于有害垃圾。' },
  { title: '养狗需要登记吗？', keywords: ['养犬', '犬只', '登记', '遛狗', '拴绳'], body: '需要。在城区养犬要办理养犬登记并按时给狗打狂犬疫苗。出门遛狗要拴绳，及时清理粪便，不要带犬进入公共场所。' },
  { title: '家庭医生怎么签约？', keywords: ['家庭医生', '签约', '体检', '健康'], body: '社区卫生服务中心提供家庭医生签约服务，65 岁以上老人、慢性病患者优先签约，每年可免费体检一次。可到社区卫生服务中心或在社区健康讲座现场签约。' },
  { title: '字太小看不清怎么办？', keywords: ['长辈模式', '大字', '看不清', '字体'], body: '在居民端首页或“我的”里打开“长辈模式”，字体和按钮都会变大，颜色对比更清楚，设置会自动记住。' },
  { title: '老人不会用手机，可以请人代办吗？', keywords: ['帮代办', '代办', '不会用手机', '网格员'], body: '可以。网格员和社区工作人员提供帮代办服务，可以代老人申请高龄津贴、报名活动、上报问题等，办理后会给您一张回执，凭查询码查进度。' },
  { title: '智能手机课堂教什么？', keywords: ['智能手机', '手机课堂', '老年人', '数字技能'], body: '社区定期开办智能手机课堂，教老人用微信视频、扫码支付、网上挂号、识别诈骗电话等，在“社区活动”里报名即可。' },
  { title: '孩子放学后没人接怎么办？', keywords: ['四点半课堂', '托管', '放学', '双职工'], body: '社区为双职工家庭开设“四点半课堂”，放学后由志愿者和社工陪伴孩子写作业、做活动，在“社区活动”里给孩子报名，名额有限先到先得。' },
];

/** Demo content: the catalogue, the knowledge base, rooms, notices (targeted as the registry suggests) and activities. */
export async function seedServices(ctx: AppContext): Promise<void> {
  if (await ctx.db.selectFrom('svc_matters').select('id').limit(1).executeTakeFirst()) return;
  const sys = systemActor();
  const now = ctx.clock.now();
  await withTx(ctx, async (trx) => {
    for (const m of DEMO_MATTERS) await upsertMatter(ctx, sys, m, trx);
    await trx
      .insertInto('svc_kb_articles')
      .values(DEMO_ARTICLES.map((a) => ({ id: newId(), title: a.title, body: a.body, keywords: a.keywords, matter_code: a.matterCode ?? null, active: true, hits: 0, updated_by: '系统', created_at: now, updated_at: now })))
      .execute();
    await audit(trx, ctx.clock, sys, { action: 'demo.seed.services', entity: 'svc_kb_article', after: { matters: DEMO_MATTERS.length, articles: DEMO_ARTICLES.length } });
  });

  const communities = await nodeBriefs(ctx.db, { levels: ['community'] });
  const estates = await nodeBriefs(ctx.db, { levels: ['estate'] });
  const street = (await nodeBriefs(ctx.db, { levels: ['street'] }))[0];
  if (!street || !communities.length) return;
  // local 'YYYY-MM-DD' n days from now, at HH:MM Asia/Shanghai
  const at = (days: number, hm: string) => {
    const d = new Date(now.getTime() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
    return new Date(`${d}T${hm}:00+08:00`).toISOString();
  };

  // The estate of each community with the largest share of residents aged 60+: the senior canteen and health talks go there.
  const residents = await residentsMatching(ctx.db, { under: street.path, on: now });
  const oldest = new Map<string, { id: string; name: string; share: number }>();
  for (const e of estates) {
    const here = residents.filter((r) => r.nodePath.startsWith(e.path + '/'));
    if (!here.length) continue;
    const share = here.filter((r) => (ageOn(r.birthDate, now) ?? 0) >= 60).length / here.length;
    const c = e.path.split('/').slice(0, -1).join('/');
    if (!oldest.has(c) || oldest.get(c)!.share < share) oldest.set(c, { id: e.id, name: e.name, share });
  }

  await createAnnouncement(ctx, sys, { nodeId: street.id, title: '新开铺街道第五届邻里节开幕', category: 'event', body: '11 月 29 日（周六）上午 9 点在街道文化广场举行邻里节开幕式，有百家宴、才艺展示、便民服务集市，欢迎全家参加。', pinned: false, publish: true });
  for (const [i, c] of communities.entries()) {
    const short = c.name.replace('社区', '');
    const old = oldest.get(c.path);
    await createAnnouncement(ctx, sys, { nodeId: c.id, title: `${short}社区老年食堂开餐啦`, category: 'canteen', body: `${c.name}老年食堂设在党群服务中心一楼，每天中午 11:00–12:30 供餐，一荤两素一汤，60 岁以上老人凭优待证 8 元一餐，独居和高龄老人可预约送餐上门。`, tags: ['独居老人', '高龄'], pinned: true, publish: true, onBoard: true });
    if (old) await createAnnouncement(ctx, sys, { nodeId: old.id, title: `冬季心脑血管健康讲座（${old.name}）`, category: 'health', body: '社区卫生服务中心医生来小区讲冬季心脑血管病预防，现场免费量血压、测血糖。时间：本周四下午 3 点，地点：小区活动室。', minAge: 60, publish: true, onBoard: true });
    if (i === 0) {
      const e1 = estates.find((e) => e.path.startsWith(c.path + '/'))!;
      await createAnnouncement(ctx, sys, { nodeId: e1.id, title: '停水通知', category: 'outage', body: `因供水管网改造，${e1.name}将于明天 9:00–17:00 停水，请提前储水。恢复供水初期水质可能浑浊，请放水片刻后再使用。`, pinned: true, expiresAt: at(2, '18:00'), publish: true });
    }
    await createAnnouncement(ctx, sys, { nodeId: c.id, title: '冬季用电用气安全提示', category: 'safety', body: '天气转冷，请勿在楼道内给电动车充电，使用取暖器远离可燃物，燃气热水器洗澡注意通风。', publish: true });
    await createAnnouncement(ctx, sys, { nodeId: c.id, title: '低保、残疾人补贴年度复核', category: 'policy', body: '请享受低保和残疾人两项补贴的家庭在本月底前到社区窗口或在线提交年度复核材料。', tags: ['低保', '残疾人'], publish: true });

    const hall = await createRoom(ctx, sys, { name: `${short}社区多功能活动室`, nodeId: c.id, capacity: 60, facilities: '投影、音响、桌椅 60 套', openFrom: '08:00', openTo: '21:00' });
    await createRoom(ctx, sys, { name: `${short}社区书画室`, nodeId: c.id, capacity: 20, facilities: '书画桌 10 张', openFrom: '08:30', openTo: '17:30' });
    await createActivity(ctx, sys, { nodeId: c.id, title: '冬季养生健康讲座', kind: 'health_talk', description: '社区医生讲冬季养生与慢病管理，现场义诊量血压。', roomId: hall.id, startsAt: at(3 + i, '15:00'), endsAt: at(3 + i, '16:30'), capacity: 40, minAge: 55 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '老年书法兴趣班', kind: 'interest_class', description: '每周一次，书法老师手把手教楷书，笔墨纸砚社区提供。', location: `${short}社区书画室`, startsAt: at(4 + i, '09:30'), endsAt: at(4 + i, '11:00'), capacity: 12 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '广场舞队排练', kind: 'interest_class', description: '为邻里节演出排练，欢迎爱跳舞的居民加入。', location: `${short}社区文化广场`, startsAt: at(2 + i, '19:00'), endsAt: at(2 + i, '20:30'), capacity: 30 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '合唱团招新', kind: 'interest_class', description: '社区合唱团每周三下午排练。', roomId: hall.id, startsAt: at(5 + i, '14:00'), endsAt: at(5 + i, '16:00'), capacity: 25 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '四点半课堂（双职工家庭子女）', kind: 'after_school', description: '放学后由社工和大学生志愿者辅导作业，开展手工和阅读活动。', location: `${short}社区党群服务中心二楼`, startsAt: at(1, '16:30'), endsAt: at(1, '18:30'), capacity: 15, minAge: 6, maxAge: 12 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '长辈智能手机课堂', kind: 'digital_skills', description: '教微信视频、扫码支付、网上挂号和识别诈骗电话。', roomId: hall.id, startsAt: at(6 + i, '09:30'), endsAt: at(6 + i, '11:00'), capacity: 20, minAge: 60 });
    await createActivity(ctx, sys, { nodeId: c.id, title: '独居老人冬至包饺子', kind: 'festival', description: '志愿者陪独居老人一起包饺子过冬至。', roomId: hall.id, startsAt: at(8 + i, '10:00'), endsAt: at(8 + i, '12:00'), capacity: 20, requiredTags: ['独居老人', '高龄'] });
  }
  await createActivity(ctx, sys, { nodeId: street.id, title: '邻里节百家宴', kind: 'festival', description: '各社区居民每家带一道菜，共享百家宴。', location: '新开铺街道文化广场', startsAt: at(6, '11:00'), endsAt: at(6, '13:30'), capacity: 200, residentsOnly: true });
}
