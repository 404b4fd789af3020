import type { ModuleManifest } from '../../platform/module.js';
import { registerFileAccess } from '../../platform/files/index.js';
import { casesRoutes } from './routes.js';
import { canSeeCase, overdueJob, warnJob } from './service.js';
import { caseRepo } from './repository.js';
import { OVERDUE_JOB, WARN_JOB } from './deadlines.js';
import { seedCases } from './seed.js';

export {
  reportCase,
  findOpenCaseBySource,
  appendCaseNote,
  verifyCase,
  getCase,
  fileCase,
  rejectCase,
  dispatchCase,
  acceptCase,
  returnCase,
  resolveCase,
  reopenCase,
  rateCase,
  requestExtension,
  decideExtension,
  suspendCase,
  resumeCase,
  urgeCase,
  escalateCase,
  mergeCase,
  listCases,
  myCases,
  trackCase,
  type CaseView,
  type ReportInput,
  type TimelineEntry,
} from './service.js';
export { evaluate, compositeScore, type Evaluation, type EvaluationRow, type Weights } from './evaluation.js';
export { allowedActions, ACTIONS, STATE_NAMES, type Action } from './policy.js';
export type { CaseState, Channel } from './repository.js';

const STAFF_NOTE = ['grid_worker', 'grid_leader', 'dispatcher', 'dept_handler', 'supervisor', 'community_admin', 'street_admin', 'admin'] as const;

export const casesModule: ModuleManifest = {
  name: 'cases',
  permissions: {
    'cases.report': { roles: ['resident', 'grid_worker', 'grid_leader', 'dispatcher', 'community_admin', 'street_admin', 'supervisor', 'admin'], description: '上报事件；居民可评价与申请重新办理自己的案卷' },
    'cases.dispatch': { roles: ['dispatcher', 'admin'], description: '受理、立案、不予立案、派遣、合并' },
    'cases.handle': { roles: ['dept_handler', 'admin'], description: '部门签收、退回、处置反馈、申请延期' },
    'cases.verify': { roles: ['grid_worker', 'grid_leader', 'admin'], description: '现场核查（通过结案，不通过返工）' },
    'cases.supervise': { roles: ['supervisor', 'admin'], description: '督办、审批延期、挂账、提级' },
    'cases.note': { roles: [...STAFF_NOTE], description: '在案卷时间线上添加备注' },
    'cases.evaluate': { roles: ['supervisor', 'dispatcher', 'community_admin', 'street_admin', 'auditor', 'admin'], description: '查看综合评价与排名' },
    'cases.evaluation.weights': { roles: ['admin'], description: '修改综合评价权重' },
  },
  routes: casesRoutes,
  jobs: (ctx) => ({ [WARN_JOB]: warnJob(ctx) as never, [OVERDUE_JOB]: overdueJob(ctx) as never }),
  start: async () => {
    // photos attached to a case are visible to whoever may see the case
    registerFileAccess('case', async (ctx, actor, refId) => {
      const c = await caseRepo.byId(ctx.db, refId);
      return !!c && (await canSeeCase(ctx.db, actor, c));
    });
  },
  seed: seedCases,
};
