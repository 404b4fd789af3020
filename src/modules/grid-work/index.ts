import type { ModuleManifest } from '../../platform/module.js';
import { registerFileAccess } from '../../platform/files/index.js';
import { pathWithin, scopeOf } from '../../platform/auth/scope.js';
import type { Tx } from '../../platform/db/database.js';
import { gridWorkRoutes } from './routes.js';
import { seedGridWork } from './seed.js';
import { IMPORT_JOB, runImportBatch } from './service/registry.js';
import { runVisitScan, scheduleVisitScan, VISIT_SCAN_JOB } from './service/visits.js';

export { registerDeskProvider, residentCases, type DeskItem, type DeskProvider } from './service/desk.js';
export { recordMove, residentMoves, idCardProblem, parseWorkbook, validateRows } from './service/registry.js';
export { gridTeam, householdContacts as householdTeamContacts } from './service/teams.js';
export { startPatrol, addPatrolPoints, reportFromPatrol, endPatrol, patrolCoverage } from './service/patrols.js';
export { recordVisit, setVisitRule, visitPlan, computePlan } from './service/visits.js';
export { proxyReportCase, proxyApplyService, proxySignUp, closeProxyService, actingFor } from './service/proxy.js';
export { partyStructure, listServiceSites } from './service/party.js';

const FIELD = ['grid_worker', 'grid_leader'] as const;
const COMMUNITY_UP = ['community_admin', 'street_admin', 'admin'] as const;

export const gridWorkModule: ModuleManifest = {
  name: 'grid-work',
  permissions: {
    'gridwork.read': { roles: [...FIELD, ...COMMUNITY_UP, 'supervisor', 'dispatcher', 'auditor'], description: '查看网格团队、巡查、走访' },
    'gridwork.patrol': { roles: [...FIELD], description: '巡查：开始、上传轨迹、上报问题、结束' },
    'gridwork.coverage': { roles: ['grid_leader', ...COMMUNITY_UP, 'supervisor', 'auditor'], description: '查看各网格巡查覆盖' },
    'gridwork.visit': { roles: [...FIELD, 'community_admin', 'street_admin', 'admin'], description: '登记入户走访' },
    'gridwork.rules.write': { roles: ['street_admin', 'admin'], description: '设置走访规则（按标签的走访周期）' },
    'gridwork.team.write': { roles: [...COMMUNITY_UP], description: '维护网格团队与联系户' },
    'gridwork.import': { roles: [...COMMUNITY_UP], description: '从 XLSX 批量导入居民' },
    'gridwork.proxy': { roles: [...FIELD, ...COMMUNITY_UP], description: '帮代办：代居民上报事件、申请事项、报名活动' },
    'gridwork.desk': { roles: [...FIELD, ...COMMUNITY_UP], description: '一门式办事窗口' },
    'party.read': { roles: [...FIELD, ...COMMUNITY_UP, 'supervisor', 'auditor'], description: '查看党组织架构、党员中心户' },
    'party.write': { roles: [...COMMUNITY_UP], description: '维护党组织、党员、党员中心户与党群服务阵地' },
  },
  routes: gridWorkRoutes,
  jobs: (ctx) => ({
    [IMPORT_JOB]: ((trx: Tx, payload: { importId: string; offset: number }) => runImportBatch(ctx, trx, payload)) as never,
    [VISIT_SCAN_JOB]: (async (trx: Tx) => {
      await runVisitScan(ctx, trx);
    }) as never,
  }),
  start: async (ctx) => {
    await scheduleVisitScan(ctx, ctx.db, ctx.clock.now());
    // visit photos: visible to staff whose scope covers the visit
    registerFileAccess('visit', async (c, actor, refId) => {
      const v = await c.db.selectFrom('visits').select('node_path').where('id', '=', refId).executeTakeFirst();
      if (!v) return false;
      const s = scopeOf(actor);
      return s.kind === 'all' || (s.kind === 'subtree' && pathWithin(v.node_path, s.path));
    });
  },
  seed: seedGridWork,
};
