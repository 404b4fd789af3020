import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { audit } from '../../../platform/audit/audit.js';
import { invalid } from '../../../platform/errors.js';
import { nodeBriefs, residentBriefs } from '../../org/index.js';
import { assertAssist, assertManage } from '../policy.js';
import { deliberationRepo as repo } from '../repository.js';
import { nodeOrInvalid } from './common.js';

/**
 * 业主名册: each household's owner and floor area (专有部分面积), the basis of owner votes. Kept by
 * this module (org knows who lives where, not who owns what).
 */
export async function listRoll(ctx: AppContext, actor: Actor, nodeId: string) {
  const node = await nodeOrInvalid(ctx.db, nodeId, ['community', 'estate', 'grid', 'building']);
  assertAssist(actor, node.path);
  const [roll, households] = await Promise.all([repo.rollUnder(ctx.db, node.path), nodeBriefs(ctx.db, { levels: ['household'], under: node.path })]);
  const byId = new Map(roll.map((r) => [r.household_id, r]));
  const items = households.map((h) => {
    const r = byId.get(h.id);
    return { householdId: h.id, householdName: h.name, householdPath: h.path, ownerResidentId: r?.owner_resident_id ?? null, ownerName: r?.owner_name ?? null, areaM2: r ? Number(r.area_m2) : null };
  });
  const listed = items.filter((i) => i.areaM2 !== null);
  return { nodeId: node.id, nodeName: node.name, households: items.length, registered: listed.length, totalAreaM2: Math.round(listed.reduce((s, i) => s + Math.round(i.areaM2! * 100), 0)) / 100, items };
}

export async function setRollEntry(ctx: AppContext, actor: Actor, householdId: string, input: { areaM2: number; ownerResidentId?: string | null }) {
  const hh = await nodeOrInvalid(ctx.db, householdId, ['household'], 'householdId');
  assertManage(actor, hh.path);
  let ownerId: string | null = null;
  let ownerName: string | null = null;
  if (input.ownerResidentId) {
    const [r] = await residentBriefs(ctx.db, { ids: [input.ownerResidentId] });
    if (!r || r.householdId !== hh.id) throw invalid('业主须为本户登记的居民', [{ field: 'ownerResidentId', message: '不是本户居民' }]);
    ownerId = r.id;
    ownerName = r.name;
  }
  const area = Math.round(input.areaM2 * 100) / 100;
  await withTx(ctx, async (trx) => {
    const before = await repo.rollEntry(trx, hh.id);
    if (input.ownerResidentId === undefined && before) {
      ownerId = before.owner_resident_id;
      ownerName = before.owner_name;
    }
    await repo.upsertRoll(trx, [{ household_id: hh.id, household_path: hh.path, owner_resident_id: ownerId, owner_name: ownerName, area_m2: area, updated_at: ctx.clock.now() }]);
    await audit(trx, ctx.clock, actor, {
      action: 'deliberation.roll.set',
      entity: 'household',
      entityId: hh.id,
      before: before ? { areaM2: Number(before.area_m2), ownerResidentId: before.owner_resident_id } : null,
      after: { areaM2: area, ownerResidentId: ownerId },
    });
  });
  return { householdId: hh.id, householdName: hh.name, householdPath: hh.path, ownerResidentId: ownerId, ownerName, areaM2: area };
}
