import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { nodeBriefs, residentBriefs } from '../org/index.js';
import { deliberationRepo as repo, type Article } from './repository.js';
import { adoptByMeeting, createConvention } from './service/conventions.js';
import { proposeTopic, supportTopic } from './service/topics.js';

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

/** Typical floor areas (建筑面积, m²) of flats in the demo estates: older estates are smaller. */
function areaFor(rand: () => number, oldEstate: boolean): number {
  const [lo, hi] = oldEstate ? [48, 92] : [72, 168];
  return Math.round((lo + rand() * (hi - lo)) * 100) / 100;
}

export const DEMO_CONVENTION: Article[] = [
  { no: 1, title: '总则', text: '为建设文明和谐、安全整洁的美好家园，根据有关法律法规，经居民会议讨论通过，制定本公约。' },
  { no: 2, title: '爱国守法', text: '遵守国家法律法规，维护社会公共秩序，依法理性表达诉求。' },
  { no: 3, title: '环境卫生', text: '垃圾分类投放，不乱扔乱倒；不占用公共楼道堆放杂物；文明养犬，及时清理犬只粪便。' },
  { no: 4, title: '安全防范', text: '电动自行车不进楼入户、不私拉电线充电；发现安全隐患及时报告网格员。' },
  { no: 5, title: '邻里和睦', text: '邻里互谅互助，装修与娱乐活动不扰民；矛盾纠纷先协商，协商不成可申请人民调解。' },
  { no: 6, title: '参与共治', text: '积极参加居民议事协商，有事好商量，众人的事情由众人商量着办。' },
];

/**
 * Demo data: the owners' roll (an owner and a floor area for every household), a residents'
 * convention in force in every community, and two topics in 桥头社区.
 */
export async function seedDeliberation(ctx: AppContext): Promise<void> {
  if ((await repo.rollCount(ctx.db)) > 0) return;
  const sys = systemActor();
  const rand = rng(20261208);
  const [district] = await nodeBriefs(ctx.db, { levels: ['district'] });
  if (!district) return;
  const estates = await nodeBriefs(ctx.db, { levels: ['estate'], under: district.path });
  const households = await nodeBriefs(ctx.db, { levels: ['household'], under: district.path });
  const residents = await residentBriefs(ctx.db, { under: district.path });
  const headOf = new Map<string, { id: string; name: string }>();
  for (const r of residents) if (r.householdId && (r.relation === '户主' || !headOf.has(r.householdId))) headOf.set(r.householdId, { id: r.id, name: r.name });
  const now = ctx.clock.now();
  const rows = households.map((h) => {
    const estate = estates.find((e) => h.path.startsWith(e.path + '/'));
    const head = headOf.get(h.id);
    return { household_id: h.id, household_path: h.path, owner_resident_id: head?.id ?? null, owner_name: head?.name ?? null, area_m2: areaFor(rand, Boolean(estate?.props.oldEstate)), updated_at: now };
  });
  await withTx(ctx, async (trx) => {
    await repo.upsertRoll(trx, rows);
    await audit(trx, ctx.clock, sys, { action: 'demo.seed.deliberation_roll', entity: 'household', after: { count: rows.length } });
  });

  // A convention in force in every community, adopted at last year's residents' meeting.
  const communities = await nodeBriefs(ctx.db, { levels: ['community'], under: district.path });
  const lastYear = new Date(now.getTime() - 300 * 86400_000);
  for (const c of communities) {
    const meetingId = newId();
    await withTx(ctx, async (trx) => {
      await repo.insertMeeting(trx, {
        id: meetingId,
        title: `${c.name}居民会议`,
        node_id: c.id,
        node_path: c.path,
        node_name: c.name,
        starts_at: lastYear,
        ends_at: new Date(lastYear.getTime() + 2 * 3600_000),
        location: `${c.name}党群服务中心议事厅`,
        mode: 'in_person',
        online_url: null,
        invitees: [],
        status: 'held',
        minutes: `会议审议《${c.name}居民公约》，到会居民代表一致同意通过。`,
        minutes_published_at: new Date(lastYear.getTime() + 3 * 3600_000),
        created_by: null,
        created_at: lastYear,
        updated_at: lastYear,
      });
      await audit(trx, ctx.clock, sys, { action: 'demo.seed.deliberation_meeting', entity: 'deliberation_meeting', entityId: meetingId, after: { node: c.path } });
    });
    const conv = await createConvention(ctx, sys, { title: `${c.name}居民公约`, nodeId: c.id, articles: DEMO_CONVENTION, changeNote: '首次制定' });
    await adoptByMeeting(ctx, sys, conv.id, 1, meetingId);
  }

  // Two topics in 桥头社区: one gathering supports, one put on the list by the community.
  const qiaotou = communities.find((c) => c.name === '桥头社区');
  if (!qiaotou) return;
  const local = residents.filter((r) => r.nodePath.startsWith(qiaotou.path + '/') && r.status === 'resident');
  const asResident = (r: (typeof local)[number]): Actor => ({ ...sys, userId: null, username: `resident:${r.id}`, displayName: r.name, roles: ['resident'], residentId: r.id });
  const proposer = local[0];
  if (!proposer) return;
  const topic = await proposeTopic(ctx, asResident(proposer), { title: '小区东门增设电动自行车集中充电棚', body: '东门附近电动车多，常有人从楼上拉线充电，存在火灾隐患。建议在东门空地增设集中充电棚并安装智能充电桩。', category: '安全隐患' });
  const estatePath = topic.nodePath;
  for (const r of local.filter((x) => x.nodePath.startsWith(estatePath + '/') && x.householdId !== proposer.householdId).slice(0, 2)) await supportTopic(ctx, asResident(r), topic.id);
  const estate = estates.find((e) => e.path === estatePath);
  if (estate) await proposeTopic(ctx, sys, { title: '规范小区公共区域停车秩序', body: '部分车辆长期占用消防通道和绿化带，拟协商划定停车位、制定停车管理办法。', category: '停车交通', nodeId: estate.id });
}
