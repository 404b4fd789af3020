import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import { systemActor } from '../../platform/auth/actor.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { createUser } from '../../platform/auth/service.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { nodeBriefs } from '../org/index.js';
import { mediationRepo as repo, type DisputeRow, type DisputeType, type ExpertKind, type FollowupOutcome, type MediationType, type RiskLevel, type Tier, type WarningRule } from './repository.js';
import { nextDisputeNumber } from './service.js';
import { FOLLOWUP_JOB, followupJobKey } from './rules.js';

const DAY = 86_400_000;
const DEMO_PASSWORD = 'onegrid-demo';
const DISTRICT = '430103';
const STREET = '430103007';
const C = { qiaotou: '430103007001', mulian: '430103007002', xintian: '430103007003', baoziling: '430103007004', xinkaipu: '430103007005' };

type ExpertSeed = [name: string, kind: ExpertKind, type: MediationType, tier: Tier, code: string, org: string, expertise: DisputeType[], user?: string, bio?: string];

const EXPERTS: ExpertSeed[] = [
  ['王建国', 'mediator', 'people', 'grid', C.qiaotou, '桥头社区人民调解委员会', ['neighbour', 'family', 'property'], 'mediator.qiaotou', '社区专职调解员，从事调解工作12年'],
  ['刘秀英', 'mediator', 'people', 'grid', C.mulian, '木莲社区人民调解委员会', ['neighbour', 'family', 'consumer'], 'mediator.mulian'],
  ['陈德明', 'sage', 'people', 'grid', C.xintian, '新天社区乡贤理事会', ['land', 'family', 'neighbour'], undefined, '原新天村老支书，熟悉村组宅基地历史情况'],
  ['周桂兰', 'sage', 'people', 'grid', C.baoziling, '豹子岭社区“和事佬”工作室', ['family', 'neighbour']],
  ['马春生', 'sage', 'people', 'grid', C.xinkaipu, '新开铺社区乡贤理事会', ['property', 'neighbour']],
  ['何丽华', 'party_rep', 'people', 'grid', C.qiaotou, '桥头社区党委', ['neighbour', 'family']],
  ['谭志强', 'mediator', 'people', 'street', STREET, '新开铺街道矛盾纠纷调处中心', ['neighbour', 'property', 'land', 'labour'], 'mediator.street', '街道调处中心主任'],
  ['彭卫东', 'mediator', 'administrative', 'street', STREET, '新开铺街道司法所', ['neighbour', 'land', 'labour']],
  ['杨帆', 'mediator', 'administrative', 'street', STREET, '天心区市场监督管理局新开铺所', ['consumer']],
  ['曾凡荣', 'retired_cadre', 'people', 'street', STREET, '街道“五老”调解队', ['land', 'neighbour', 'family']],
  ['李明辉', 'lawyer', 'people', 'street', STREET, '湖南湘楚律师事务所', ['labour', 'consumer', 'property']],
  ['罗文斌', 'lawyer', 'people', 'street', STREET, '湖南天心律师事务所', ['neighbour', 'property', 'consumer']],
  ['许晴', 'psychologist', 'people', 'street', STREET, '街道社会心理服务站', ['family', 'neighbour'], undefined, '国家二级心理咨询师'],
  ['贺建军', 'mediator', 'people', 'district', DISTRICT, '天心区矛盾纠纷调处中心', ['land', 'labour', 'property', 'other'], 'mediator.district'],
  ['赵立新', 'mediator', 'judicial', 'district', DISTRICT, '天心区人民法院新开铺人民法庭', ['land', 'family', 'labour'], undefined, '驻中心诉调对接法官'],
  ['孙海涛', 'mediator', 'administrative', 'district', DISTRICT, '天心区人力资源和社会保障局劳动保障监察大队', ['labour']],
  ['黄晓燕', 'lawyer', 'people', 'district', DISTRICT, '湖南金州律师事务所', ['family', 'land']],
  ['邓国平', 'npc_deputy', 'people', 'district', DISTRICT, '天心区人大代表', ['land', 'labour', 'property']],
  ['蒋文静', 'cppcc_member', 'people', 'district', DISTRICT, '天心区政协委员', ['consumer', 'property']],
  ['龙小梅', 'psychologist', 'people', 'district', DISTRICT, '天心区心理援助中心', ['family']],
];

/**
 * Demo data: the expert pool, two center accounts (mediator.street, mediator.district), and disputes
 * in every tier and state with sessions, agreements, follow-ups, warnings and legal-aid requests.
 */
export async function seedMediation(ctx: AppContext): Promise<void> {
  if ((await repo.listExperts(ctx.db, {})).length > 0) return;
  const nodes = await nodeBriefs(ctx.db, { levels: ['district', 'street', 'community', 'grid'] });
  if (!nodes.some((n) => n.code === STREET)) return; // no demo district
  const byCode = new Map(nodes.map((n) => [n.code, n]));
  const path = (code: string) => byCode.get(code)!.path;
  const sys = systemActor();
  const hash = await hashPassword(DEMO_PASSWORD);
  const now = ctx.clock.now();
  const ago = (days: number, hours = 0) => new Date(now.getTime() - days * DAY - hours * 3_600_000);

  await withTx(ctx, async (trx) => {
    await createUser(ctx, sys, { username: 'mediator.street', displayName: '街道调处中心调解员', password: DEMO_PASSWORD, passwordHash: hash, roles: ['mediator'], nodeId: byCode.get(STREET)!.id }, trx);
    await createUser(ctx, sys, { username: 'mediator.district', displayName: '区调处中心调解员', password: DEMO_PASSWORD, passwordHash: hash, roles: ['mediator'], nodeId: byCode.get(DISTRICT)!.id }, trx);
    const users = new Map((await trx.selectFrom('users').select(['id', 'username']).where('username', 'in', ['mediator.qiaotou', 'mediator.mulian', 'mediator.street', 'mediator.district', 'resident.qiaotou', 'resident.xinkaipu', 'resident.mulian']).execute()).map((u) => [u.username, u.id]));

    const experts = new Map<string, string>();
    let phoneSeq = 0;
    for (const [name, kind, type, tier, code, org, expertise, user, bio] of EXPERTS) {
      const id = newId();
      experts.set(name, id);
      await repo.insertExpert(trx, {
        id,
        name,
        kind,
        mediation_type: type,
        tier,
        node_path: path(code),
        organization: org,
        expertise,
        phone_enc: ctx.cipher.encrypt(`1397310${String(1000 + phoneSeq++).slice(-4)}`),
        bio: bio ?? null,
        available: name !== '黄晓燕',
        max_load: kind === 'mediator' ? 8 : 4,
        user_id: user ? (users.get(user) ?? null) : null,
        created_at: ago(200),
        updated_at: ago(200),
      });
    }

    const s = new Seeder(ctx, trx, experts);
    const grid = (community: string, n = 1) => path(`${community}G${String(n).padStart(2, '0')}`);

    // 1. A homestead boundary quarrel spotted by the grid worker; the village committee could not settle it, so
    //    the street center mediates with a 乡贤, the justice office and the land office together (三调联动).
    const land = await s.dispute({
      source: 'grid', type: 'land', title: '新天村小区宅基地边界纠纷', nodePath: grid(C.xintian, 2), tier: 'grid', state: 'mediating', risk: 'medium', createdDaysAgo: 12,
      description: '村民欧阳某与邻居谭某因两户之间约0.6米宽的宅基地边界发生争执，谭某砌围墙占用通道，双方多次口角，网格员巡查时发现。',
      claims: '欧阳某要求拆除围墙、恢复通道；谭某认为该处属其宅基地范围。',
      parties: [['applicant', '欧阳志华', '13787310021'], ['respondent', '谭国庆', '13787310022']],
    });
    await s.assign(land, '陈德明', 'lead', 11);
    await s.escalate(land, 'grid', 'street', '涉及历史遗留宅基地确权，村调委会两次调解未果，需国土所、司法所共同参与', 8);
    await s.assign(land, '谭志强', 'lead', 8);
    await s.assign(land, '彭卫东', 'administrative', 8);
    await s.contact(land, 'visit', '欧阳某到街道调处中心反映围墙仍未拆除', 5);
    await s.session(land, { daysAgo: 6, mode: 'in_person', location: '新天社区调解室', outcome: 'failed', notes: '双方对边界认定分歧较大，约定待国土所现场测量后再次调解。', names: ['欧阳志华', '谭国庆'] });
    await s.session(land, { daysAgo: -2, mode: 'in_person', location: '新开铺街道矛盾纠纷调处中心第一调解室' });

    // 2. A noise dispute applied for online and settled by a "quiet hours" agreement, confirmed by the court.
    const noise = await s.dispute({
      source: 'online', type: 'neighbour', title: '楼上深夜噪音扰民', nodePath: grid(C.qiaotou, 1), tier: 'grid', state: 'agreed', risk: 'low', createdDaysAgo: 20, applicant: users.get('resident.qiaotou'),
      description: '楼上住户每晚23点后拖动桌椅、孩子跑跳，持续三个月，多次上门沟通无果，影响老人休息。',
      claims: '希望对方晚上10点以后保持安静，并铺设地垫。',
      parties: [['applicant', '张丽华', '13787310031'], ['respondent', '李强', '13787310032']],
    });
    await s.assign(noise, '王建国', 'lead', 19);
    const noiseSession = await s.session(noise, { daysAgo: 15, mode: 'online', meetingUrl: '腾讯会议 628 114 903', outcome: 'agreement', notes: '双方线上视频调解，李某表示歉意，同意安静时段约定。', names: ['张丽华', '李强'] });
    await s.agreement(noise, noiseSession, {
      daysAgo: 15,
      kind: 'full',
      terms: ['每日22:00至次日7:00为安静时段，李强一家在此期间不拖动家具、不进行跑跳等产生明显噪音的活动。', '李强于协议签订后7日内在客厅及儿童房铺设隔音地垫。', '双方如再有意见，先通过社区调解员沟通，不采取过激行为。'],
      performance: '第二项于2026年12月前完成，其余自签订之日起履行。',
      signed: true,
      judicial: { status: 'confirmed', court: '天心区人民法院', filedDaysAgo: 12, decidedDaysAgo: 5 },
      followups: [['done', 'kept', '回访张某，晚间已基本无噪音，地垫已铺设。']],
    });

    // 3. Wage arrears at a decoration company: enterprise-related, street center, failed and referred to arbitration.
    const wage = await s.dispute({
      source: 'mediator', type: 'labour', title: '装饰公司拖欠农民工工资', nodePath: grid(C.mulian, 3), tier: 'street', state: 'referred', risk: 'high', enterprise: true, createdDaysAgo: 25,
      description: '湘雅装饰工程有限公司拖欠6名装修工人2026年8月至10月工资共计8.6万元，工人到社区反映。',
      claims: '工人要求一次性结清欠薪；公司称业主未付工程款，只能分期支付。',
      parties: [['applicant', '罗大勇等6人', '13787310041'], ['respondent', '湘雅装饰工程有限公司', '13787310042', 'enterprise']],
    });
    await s.assign(wage, '谭志强', 'lead', 24);
    await s.assign(wage, '孙海涛', 'administrative', 23);
    await s.assign(wage, '李明辉', 'people', 23);
    await s.session(wage, { daysAgo: 18, mode: 'in_person', location: '新开铺街道矛盾纠纷调处中心', outcome: 'failed', notes: '公司只同意分12期支付，工人不接受，调解不成。已告知工人申请劳动仲裁的途径并协助准备材料。', names: ['罗大勇', '湘雅装饰代表'] });
    await s.refer(wage, { to: 'arbitration', institution: '天心区劳动人事争议仲裁委员会', reason: '调解不成，双方对付款期限分歧大，引导工人申请劳动仲裁，律师提供法律援助' }, 17);

    // 4. A family dispute over support of an elderly mother: settled, both visits done, counselling given; closed.
    const family = await s.dispute({
      source: 'mediator', type: 'family', title: '三兄妹赡养老母亲纠纷', nodePath: grid(C.baoziling, 1), tier: 'grid', state: 'closed', risk: 'medium', createdDaysAgo: 45,
      description: '82岁的刘奶奶有三个子女，因赡养费分摊和轮流照料问题长期争吵，老人情绪低落。',
      claims: '老人希望子女按月给付赡养费并轮流照顾。',
      parties: [['applicant', '刘桂芳', '13787310051'], ['respondent', '彭建华', '13787310052'], ['respondent', '彭建军', '13787310053'], ['third', '彭丽', '13787310054']],
    });
    await s.assign(family, '周桂兰', 'lead', 44);
    const famSession = await s.session(family, { daysAgo: 40, mode: 'in_person', location: '豹子岭社区“和事佬”工作室', outcome: 'agreement', notes: '在乡贤主持下，三兄妹就赡养费和照料安排达成一致。', names: ['刘桂芳', '彭建华', '彭建军', '彭丽'] });
    await s.agreement(family, famSession, {
      daysAgo: 40,
      kind: 'full',
      terms: ['彭建华、彭建军、彭丽每人每月10日前各支付母亲赡养费800元。', '三人按月轮流接母亲同住照料，医疗费用三人平均分担。', '子女每周至少探望母亲一次。'],
      signed: true,
      judicial: null,
      followups: [
        ['done', 'kept', '赡养费已按时给付，老人住在大儿子家。', true],
        ['done', 'kept', '三个月轮流照料运行正常，老人情绪明显好转。'],
      ],
    });
    await s.close(family, 10);

    // 5. A property-fee dispute applied for online, waiting to be accepted.
    await s.dispute({
      source: 'online', type: 'property', title: '物业费与电梯维修费用争议', nodePath: grid(C.xinkaipu, 2), tier: 'grid', state: 'pending', risk: 'low', createdDaysAgo: 1, applicant: users.get('resident.xinkaipu'),
      description: '小区电梯频繁故障，物业要求业主分摊电梯大修费用，业主认为应从维修资金列支，拒交物业费后被物业停止门禁卡服务。',
      claims: '恢复门禁卡，电梯大修费用依法从专项维修资金列支。',
      parties: [['applicant', '马晓东', '13787310061'], ['respondent', '天心城投物业管理有限公司', '13787310062', 'enterprise']],
    });

    // 6. A consumer dispute with a gym: a partial agreement (refund agreed, compensation not).
    const gym = await s.dispute({
      source: 'mediator', type: 'consumer', title: '健身房闭店预付卡退费', nodePath: grid(C.qiaotou, 3), tier: 'street', state: 'partial', risk: 'medium', enterprise: true, createdDaysAgo: 9,
      description: '小区旁健身房突然闭店，23名会员预付卡余额未退，会员推选代表申请调解。',
      claims: '退还预付卡余额并赔偿损失。',
      parties: [['applicant', '何文等23名会员', '13787310071'], ['respondent', '力美健身服务有限公司', '13787310072', 'enterprise']],
    });
    await s.assign(gym, '杨帆', 'lead', 9);
    await s.assign(gym, '罗文斌', 'people', 8);
    const gymSession = await s.session(gym, { daysAgo: 4, mode: 'in_person', location: '新开铺街道矛盾纠纷调处中心', outcome: 'partial', notes: '经营者同意分两期退还余额，对赔偿请求未达成一致。', names: ['何文', '力美健身负责人'] });
    await s.agreement(gym, gymSession, {
      daysAgo: 4,
      kind: 'partial',
      terms: ['力美健身服务有限公司于2026年12月31日前退还会员预付卡余额的50%，2027年1月31日前退还其余50%。'],
      signed: true,
      judicial: { status: 'filed', court: '天心区人民法院', filedDaysAgo: 2 },
      followups: [],
    });

    // 7. Same parties as the noise dispute again, now over water leaking: a repeat, flagged to the street center.
    const leak = await s.dispute({
      source: 'mediator', type: 'neighbour', title: '楼上漏水致天花板受损', nodePath: grid(C.qiaotou, 1), tier: 'grid', state: 'mediating', risk: 'high', createdDaysAgo: 2,
      description: '张某家卫生间天花板渗水，认为系楼上李某家防水层破损所致，双方再次发生争吵。',
      claims: '要求李某修复防水并赔偿吊顶维修费用。',
      parties: [['applicant', '张丽华', '13787310031'], ['respondent', '李强', '13787310032']],
    });
    await s.assign(leak, '王建国', 'lead', 2);
    await s.contact(leak, 'phone', '张某来电称漏水加重', 1);
    await s.contact(leak, 'visit', '张某到社区反映', 0);
    await s.warning(leak, 'repeat', '同一当事人近180天内已有1起纠纷，属重复发生', 2);
    await s.warning(leak, 'many_contacts', '当事人近30天内反映3次，诉求反复', 0);

    // 8. A collective compensation dispute over land requisition: critical, escalated up to the district center.
    const requisition = await s.dispute({
      source: 'mediator', type: 'land', title: '地块征收补偿群体性纠纷', nodePath: path(C.xintian), tier: 'grid', state: 'mediating', risk: 'critical', enterprise: true, createdDaysAgo: 30,
      description: '新天片区14户村民对集体土地征收补偿标准有异议，聚集到施工现场阻工。',
      claims: '村民要求提高青苗和附着物补偿标准，并解决安置房分配。',
      parties: [['applicant', '新天片区村民代表欧阳海等14户', '13787310081'], ['respondent', '天心城市建设投资有限公司', '13787310082', 'enterprise']],
    });
    await s.escalate(requisition, 'grid', 'street', '涉及群体、补偿政策，社区无权解释', 29);
    await s.escalate(requisition, 'street', 'district', '群体性、重大风险，需区征收办、法院、人大代表共同参与', 27);
    await s.assign(requisition, '贺建军', 'lead', 27);
    await s.assign(requisition, '赵立新', 'judicial', 27);
    await s.assign(requisition, '邓国平', 'people', 26);
    await s.session(requisition, { daysAgo: 20, mode: 'in_person', location: '天心区矛盾纠纷调处中心', outcome: 'failed', notes: '解释补偿政策，村民代表要求再核算附着物。', names: ['欧阳海', '城投公司代表'] });
    await s.session(requisition, { daysAgo: -5, mode: 'in_person', location: '天心区矛盾纠纷调处中心' });
    await s.warning(requisition, 'rising_risk', '风险等级由“高”升至“重大”，存在激化可能', 27);

    // Legal aid: a resident's question answered by a lawyer, and an enterprise's question matched.
    await repo.insertLegalAid(trx, {
      id: newId(), requester_user_id: users.get('resident.qiaotou') ?? null, requester_kind: 'resident', enterprise_name: null, name: '张丽华', phone_enc: ctx.cipher.encrypt('13787310031'), topic: 'neighbour',
      question: '楼上漏水导致我家吊顶损坏，物业说不管，我应该找谁赔偿？', node_path: grid(C.qiaotou, 1), status: 'answered', expert_id: experts.get('罗文斌')!,
      answer: '依据《民法典》第一千一百六十五条，因楼上防水破损造成损害的，由楼上业主承担赔偿责任；建议先拍照留证，由社区调解员组织协商，协商不成可诉至法院。', matched_at: ago(3), answered_at: ago(2), created_at: ago(3), updated_at: ago(2),
    });
    await repo.insertLegalAid(trx, {
      id: newId(), requester_user_id: null, requester_kind: 'enterprise', enterprise_name: '长沙新开铺小微企业商会', name: '周经理', phone_enc: ctx.cipher.encrypt('13787310091'), topic: 'labour',
      question: '员工试用期内不能胜任工作，公司如何合法解除劳动合同？', node_path: path(STREET), status: 'matched', expert_id: experts.get('李明辉')!,
      answer: null, matched_at: ago(1), answered_at: null, created_at: ago(1), updated_at: ago(1),
    });

    await audit(trx, ctx.clock, sys, { action: 'demo.seed.mediation', entity: 'mediation_dispute', after: { experts: EXPERTS.length, disputes: s.count } });
  });
}

type PartySeed = [role: 'applicant' | 'respondent' | 'third', name: string, phone: string, kind?: 'person' | 'enterprise'];

class Seeder {
  count = 0;
  private readonly sys = systemActor();
  private readonly now: Date;
  constructor(
    private readonly ctx: AppContext,
    private readonly trx: Tx,
    private readonly experts: Map<string, string>,
  ) {
    this.now = ctx.clock.now();
  }
  private ago(days: number): Date {
    return new Date(this.now.getTime() - days * DAY);
  }
  private async event(disputeId: string, daysAgo: number, type: string, note: string | null, data: Record<string, unknown> = {}, actorName = '系统') {
    await repo.insertEvent(this.trx, { id: newId(), dispute_id: disputeId, type, actor_id: null, actor_name: actorName, note, data: JSON.stringify(data), at: this.ago(daysAgo) });
  }

  async dispute(d: {
    source: DisputeRow['source'];
    type: DisputeType;
    title: string;
    nodePath: string;
    tier: Tier;
    state: DisputeRow['state'];
    risk: RiskLevel;
    enterprise?: boolean;
    createdDaysAgo: number;
    description: string;
    claims: string;
    parties: PartySeed[];
    applicant?: string;
  }): Promise<string> {
    const id = newId();
    const created = this.ago(d.createdDaysAgo);
    await repo.insertDispute(this.trx, {
      id,
      number: await nextDisputeNumber(this.trx, created),
      source: d.source,
      case_id: null,
      type: d.type,
      title: d.title,
      description: d.description,
      claims: d.claims,
      node_path: d.nodePath,
      tier: d.tier,
      state: d.state,
      risk_level: d.risk,
      enterprise_related: d.enterprise ?? false,
      applicant_user_id: d.applicant ?? null,
      created_by: null,
      referral: null,
      reject_reason: null,
      reopen_count: 0,
      contact_count: d.source === 'online' ? 1 : 0,
      warned: false,
      accepted_at: d.state === 'pending' ? null : new Date(created.getTime() + 3_600_000),
      concluded_at: null,
      closed_at: null,
      created_at: created,
      updated_at: created,
    });
    await repo.insertParties(
      this.trx,
      d.parties.map(([role, name, phone, kind], i) => ({ id: newId(), dispute_id: id, role, kind: kind ?? 'person', name, name_hash: this.ctx.cipher.blindIndex(name)!, phone_enc: this.ctx.cipher.encrypt(phone), phone_hash: this.ctx.cipher.blindIndex(phone), address_enc: null, resident_id: null, sort: i })),
    );
    await this.event(id, d.createdDaysAgo, d.source === 'online' ? 'applied' : 'created', null, { source: d.source, tier: d.tier });
    if (d.state !== 'pending') await this.event(id, d.createdDaysAgo - 0.04, 'accepted', null);
    this.count++;
    return id;
  }

  async assign(disputeId: string, name: string, role: 'lead' | 'people' | 'administrative' | 'judicial' | 'counsellor', daysAgo: number) {
    const expertId = this.experts.get(name)!;
    if (role === 'lead') await this.trx.updateTable('mediation_assignments').set({ released_at: this.ago(daysAgo) }).where('dispute_id', '=', disputeId).where('role', '=', 'lead').where('released_at', 'is', null).execute();
    await repo.insertAssignment(this.trx, { id: newId(), dispute_id: disputeId, expert_id: expertId, role, assigned_at: this.ago(daysAgo), released_at: null });
    await this.event(disputeId, daysAgo, 'assigned', null, { expertId, name, role });
  }

  async escalate(disputeId: string, from: Tier, to: Tier, reason: string, daysAgo: number) {
    await repo.insertEscalation(this.trx, { id: newId(), dispute_id: disputeId, from_tier: from, to_tier: to, reason, by_user_id: null, by_name: '调解员', at: this.ago(daysAgo) });
    await repo.updateDispute(this.trx, disputeId, { tier: to });
    await this.event(disputeId, daysAgo, 'escalated', reason, { from, to });
  }

  async contact(disputeId: string, channel: string, note: string, daysAgo: number) {
    const d = (await repo.disputeById(this.trx, disputeId))!;
    await repo.updateDispute(this.trx, disputeId, { contact_count: d.contact_count + 1 });
    await this.event(disputeId, daysAgo, 'contact', note, { channel });
  }

  async session(disputeId: string, o: { daysAgo: number; mode: 'in_person' | 'online'; location?: string; meetingUrl?: string; outcome?: 'agreement' | 'partial' | 'failed'; notes?: string; names?: string[] }): Promise<string> {
    const id = newId();
    const at = this.ago(o.daysAgo);
    await repo.insertSession(this.trx, {
      id,
      dispute_id: disputeId,
      scheduled_at: at,
      mode: o.mode,
      location: o.location ?? null,
      meeting_url: o.meetingUrl ?? null,
      status: o.outcome ? 'held' : 'scheduled',
      attendance: JSON.stringify((o.names ?? []).map((n, i) => ({ name: n, role: i === 0 ? '申请人' : '被申请人', present: true }))),
      notes: o.notes ?? null,
      outcome: o.outcome ?? null,
      held_at: o.outcome ? at : null,
      created_by: null,
      created_at: this.ago(Math.max(o.daysAgo + 2, 0)),
    });
    await this.event(disputeId, Math.max(o.daysAgo + 2, 0), 'session.scheduled', null, { sessionId: id, scheduledAt: at.toISOString(), mode: o.mode });
    if (o.outcome) {
      await this.event(disputeId, o.daysAgo, 'session.held', o.notes ?? null, { sessionId: id, outcome: o.outcome });
      if (o.outcome !== 'failed') await repo.updateDispute(this.trx, disputeId, { concluded_at: at });
    }
    return id;
  }

  async agreement(
    disputeId: string,
    sessionId: string,
    o: {
      daysAgo: number;
      kind: 'full' | 'partial';
      terms: string[];
      performance?: string;
      signed: boolean;
      judicial: { status: 'filed' | 'confirmed'; court: string; filedDaysAgo: number; decidedDaysAgo?: number } | null;
      followups: Array<[status: 'done', outcome: FollowupOutcome, notes: string, counselling?: boolean]>;
    },
  ) {
    const d = (await repo.disputeById(this.trx, disputeId))!;
    const id = newId();
    const at = this.ago(o.daysAgo);
    const mediators = (await repo.assignments(this.trx, [disputeId])).filter((a) => a.role !== 'counsellor').map((a) => a.name);
    await repo.insertAgreement(this.trx, {
      id,
      dispute_id: disputeId,
      session_id: sessionId,
      number: `${d.number}-1`,
      kind: o.kind,
      terms: JSON.stringify(o.terms),
      performance: o.performance ?? null,
      mediator_names: mediators,
      signed: o.signed,
      signed_at: o.signed ? at : null,
      judicial_status: o.judicial?.status ?? 'none',
      judicial_court: o.judicial?.court ?? null,
      judicial_note: o.judicial?.status === 'confirmed' ? '民事裁定书确认调解协议有效' : null,
      judicial_filed_at: o.judicial ? this.ago(o.judicial.filedDaysAgo) : null,
      judicial_decided_at: o.judicial?.decidedDaysAgo !== undefined ? this.ago(o.judicial.decidedDaysAgo) : null,
      superseded: false,
      created_at: at,
    });
    const rows = [7, 30].map((days, i) => {
      const due = new Date(at.getTime() + days * DAY);
      const done = o.followups[i];
      return {
        id: newId(),
        dispute_id: disputeId,
        agreement_id: id,
        day_offset: days as 7 | 30,
        due_at: due,
        status: done ? ('done' as const) : due <= this.now ? ('due' as const) : ('scheduled' as const),
        outcome: done?.[1] ?? null,
        notes: done?.[2] ?? null,
        counselling: done?.[3] ?? false,
        counsellor_expert_id: done?.[3] ? this.experts.get('许晴')! : null,
        visited_at: done ? due : null,
        visited_by: null,
      };
    });
    await repo.insertFollowups(this.trx, rows);
    for (const r of rows) {
      if (r.status === 'scheduled') await this.ctx.jobs.enqueue(this.trx, FOLLOWUP_JOB, { followupId: r.id }, { runAt: r.due_at, uniqueKey: followupJobKey(r.id) });
      if (r.status === 'done') await this.event(disputeId, (this.now.getTime() - r.due_at.getTime()) / DAY, 'followup.done', r.notes, { followupId: r.id, dayOffset: r.day_offset, outcome: r.outcome, counselling: r.counselling }, '调解员');
    }
    if (rows.some((r) => r.counselling)) await this.assign(disputeId, '许晴', 'counsellor', o.daysAgo - 7);
  }

  async refer(disputeId: string, referral: { to: 'court' | 'arbitration'; institution: string; reason: string }, daysAgo: number) {
    const at = this.ago(daysAgo);
    await repo.updateDispute(this.trx, disputeId, { referral: JSON.stringify({ ...referral, at: at.toISOString(), byName: '街道调处中心调解员' }), concluded_at: at, closed_at: at });
    await this.event(disputeId, daysAgo, 'referred', referral.reason, { to: referral.to, institution: referral.institution });
  }

  async close(disputeId: string, daysAgo: number) {
    await repo.updateDispute(this.trx, disputeId, { closed_at: this.ago(daysAgo) });
    await this.event(disputeId, daysAgo, 'closed', '回访确认协议已履行，结案');
  }

  async warning(disputeId: string, rule: WarningRule, detail: string, daysAgo: number) {
    const d = (await repo.disputeById(this.trx, disputeId))!;
    await repo.insertWarning(this.trx, { id: newId(), dispute_id: disputeId, rule, detail, street_path: d.node_path.split('/').slice(0, 2).join('/'), status: 'open', created_at: this.ago(daysAgo) });
    await repo.updateDispute(this.trx, disputeId, { warned: true });
    await this.event(disputeId, daysAgo, 'warning', detail, { rule });
  }

  get actor() {
    return this.sys;
  }
}
