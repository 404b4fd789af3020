import type { ModuleManifest } from '../../platform/module.js';
import { mediationRoutes } from './routes.js';
import { seedMediation } from './seed.js';
import { followupDueJob } from './service.js';
import { FOLLOWUP_JOB } from './rules.js';
import { startHandover, stopHandover } from './handover.js';

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
  start: startHandover,
  stop: stopHandover,
  seed: seedMediation,
};
