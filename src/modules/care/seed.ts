import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { nodeBriefs, residentsMatching } from '../org/index.js';
import { listDevices } from '../iot/index.js';
import { enrolPerson } from './service.js';
import { createMenuItem, createShift } from './kitchen.js';

const SUBSIDIES = [
  { tag: '高龄', amountCents: 500 },
  { tag: '独居老人', amountCents: 300 },
  { tag: '低保', amountCents: 800 },
  { tag: '残疾人', amountCents: 500 },
];

/** Demo: a care roster of the demo 独居老人/高龄 residents, two bracelets linked, services, a canteen menu and cooking shifts. */
export async function seedCare(ctx: AppContext): Promise<void> {
  // seeded once: a restart (or a database that already has a roster) must not enrol anyone twice
  if (await ctx.db.selectFrom('care_persons').select('id').limit(1).executeTakeFirst()) return;
  const actor = systemActor();
  const now = ctx.clock.now();
  const people = (await residentsMatching(ctx.db, { tagsAny: ['独居老人', '高龄'], on: now })).slice(0, 40);
  const bracelets = (await listDevices(ctx, actor, { type: 'bracelet', pageSize: 10 })).items.sort((a, b) => a.name.localeCompare(b.name));
  const communities = await nodeBriefs(ctx.db, { levels: ['community'] });
  const gridWorkers = await ctx.db.selectFrom('users').select(['id', 'node_id', 'username']).where('username', 'like', 'grid_worker.%').execute();
  const gwNodes = new Map((await nodeBriefs(ctx.db, { ids: gridWorkers.map((g) => g.node_id!).filter(Boolean) })).map((n) => [n.id, n.path]));
  await withTx(ctx, async (trx) => {
    let linked = 0;
    for (const r of people) {
      const p = await enrolPerson(ctx, actor, { residentId: r.id, consent: { given: true, by: `${r.name}（本人）`, note: '演示数据：已签署健康监测知情同意书' }, carePlan: { visitsPerMonth: 4, services: ['上门探访', '助餐'] } }, trx);
      for (const g of gridWorkers) {
        const path = g.node_id ? gwNodes.get(g.node_id) : undefined;
        if (path && (r.nodePath === path || r.nodePath.startsWith(path + '/'))) await trx.insertInto('care_carers').values({ person_id: p.id, user_id: g.id, kind: 'grid_worker', created_at: now }).onConflict((oc) => oc.columns(['person_id', 'user_id']).doNothing()).execute();
      }
      if (linked < 2 && bracelets[linked]) {
        await trx.insertInto('care_devices').values({ device_id: bracelets[linked]!.id, person_id: p.id, linked_at: now }).execute();
        linked++;
      }
      if (linked === 1 && people.indexOf(r) === 0) {
        await trx.insertInto('care_services').values({ id: newId(), person_id: p.id, type: 'haircut', status: 'booked', scheduled_at: new Date(now.getTime() + 2 * 86_400_000), note: '演示：上门理发', provider_kind: null, provider_user_id: null, provider_name: null, minutes: null, timebank_transfer_id: null, rating: null, rating_comment: null, node_path: r.nodePath, booked_by: null, created_at: now, updated_at: now }).execute();
      }
    }
    const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    for (const c of communities.slice(0, 5)) {
      await createMenuItem(ctx, actor, { nodePath: c.path, day, name: '两荤一素套餐', priceCents: 1500, subsidies: SUBSIDIES, delivery: true, portions: 200 }, trx);
      await createMenuItem(ctx, actor, { nodePath: c.path, day, name: '软食营养粥', priceCents: 800, subsidies: SUBSIDIES.map((s) => ({ ...s, amountCents: Math.min(s.amountCents, 400) })), delivery: true, portions: 100 }, trx);
      const start = new Date(now.getTime() + 86_400_000);
      await createShift(ctx, actor, { nodePath: c.path, title: '爱心厨房帮厨（午餐）', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3 * 3_600_000).toISOString(), capacity: 6 }, trx);
    }
    await audit(trx, ctx.clock, actor, { action: 'care.seed', entity: 'care_person', entityId: null, after: { persons: people.length, bracelets: Math.min(2, bracelets.length) } });
  });
}
