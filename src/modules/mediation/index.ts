import type { ModuleManifest } from '../../platform/module.js';
import { mediationRoutes } from './routes.js';
import { seedMediation } from './seed.js';
import { disputeScope, followupDueJob } from './service.js';
import { FOLLOWUP_JOB, STATE_NAMES } from './rules.js';
import { startHandover, stopHandover } from './handover.js';
import { can } from '../../platform/auth/permissions.js';
import { registerDeskProvider } from '../grid-work/index.js';
import { disputeScopeWhere } from './repository.js';

export {
  listDisputes,
  getDispute,
  createDispute,
  applyOnline,
  createDisputeFromCase,
  acceptDispute,
  escalateDispute,
  recordOutcome,
  statistics,
  disputeScope,
  type DisputeView,
  type DisputeListItem,
  type CaseHandover,
} from './service.js';
export { handoverCase, settleHandovers } from './handover.js';
export { warningFlags, suggestExperts, nodeHandlesTier, TIER_NAMES, TYPE_NAMES } from './rules.js';

export const mediationModule: ModuleManifest = {
  name: 'mediation',
  permissions: {
    'mediation.read': {
      roles: ['grid_worker', 'grid_leader', 'dispatcher', 'supervisor', 'community_admin', 'street_admin', 'mediator', 'dept_handler', 'auditor', 'admin'],
      description: '查看辖区矛盾纠纷、专家库、预警与统计（部门人员限矛盾纠纷调处中心）',
    },
    'mediation.report': { roles: ['grid_worker', 'grid_leader', 'mediator', 'community_admin', 'street_admin', 'dept_handler', 'admin'], description: '登记矛盾纠纷、将矛盾纠纷类案卷转入调解' },
    'mediation.handle': { roles: ['grid_worker', 'grid_leader', 'mediator', 'community_admin', 'street_admin', 'dept_handler', 'admin'], description: '受理、调解、上交、记录协议与回访（按层级）' },
    'mediation.apply': { roles: ['resident', 'partner'], description: '在线申请调解、申请法律咨询' },
    'mediation.experts': { roles: ['street_admin', 'admin'], description: '维护诉源治理专家库' },
  },
  routes: mediationRoutes,
  jobs: (ctx) => ({ [FOLLOWUP_JOB]: followupDueJob(ctx) as never }),
  start: async (ctx) => {
    // the one-stop desk (grid-work): open disputes in which the resident is a party, within the caller's scope
    registerDeskProvider('mediation', async (c, actor, residentId) => {
      if (!can(actor, 'mediation.read')) return [];
      const scope = await disputeScope(c, actor);
      const rows = await c.db
        .selectFrom('mediation_disputes')
        .select(['id', 'number', 'title', 'state', 'created_at'])
        .where((eb) => eb.exists(eb.selectFrom('mediation_parties').select('mediation_parties.id').whereRef('mediation_parties.dispute_id', '=', 'mediation_disputes.id').where('mediation_parties.resident_id', '=', residentId)))
        .where('state', 'not in', ['closed', 'rejected', 'referred'])
        .where((eb) => disputeScopeWhere(eb, scope))
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((d) => ({ module: 'mediation', kind: 'dispute', id: d.id, title: d.title, state: STATE_NAMES[d.state], number: d.number, at: new Date(d.created_at).toISOString(), link: `/mediation/disputes/${d.id}` }));
    });
    await startHandover(ctx);
  },
  stop: stopHandover,
  seed: seedMediation,
};
