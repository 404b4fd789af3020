import type { ModuleManifest } from '../../platform/module.js';
import type { AppContext } from '../../platform/context.js';
import { dispatchRoutes } from './routes.js';
import { seedCategories } from './categories.js';
import { getClassifier } from './service.js';

export * from './categories.js';
export * from './advisor.js';
export { recordCorrection, captureCaseCorrection, correctionExamples, CORRECTION_WEIGHT, type CaseCategoryChoice, type CorrectionInput, type CorrectionView } from './corrections.js';
export { classifyReport, getClassifier, type ClassifyResult } from './service.js';
export { routeCase, type RouteResult } from './rules.js';

const CLASSIFY_ROLES = ['dispatcher', 'admin', 'street_admin', 'community_admin', 'grid_worker', 'grid_leader'] as const;

export const dispatchModule: ModuleManifest = {
  name: 'dispatch',
  permissions: {
    'dispatch.categories.write': { roles: ['admin', 'street_admin'], description: '维护事件分类目录' },
    // Residents see the suggested category while they type a report.
    'dispatch.classify': { roles: [...CLASSIFY_ROLES, 'resident'], description: '智能分类与分派预览' },
    'dispatch.rules.read': { roles: [...CLASSIFY_ROLES, 'auditor'], description: '查看分派规则' },
    'dispatch.rules.write': { roles: ['admin', 'street_admin'], description: '维护分派规则' },
    'dispatch.corrections.write': { roles: ['dispatcher', 'admin'], description: '记录分类纠正' },
    'dispatch.stats.read': { roles: ['admin', 'street_admin', 'dispatcher', 'auditor'], description: '查看分类效果与纠正统计' },
  },
  routes: dispatchRoutes,
  // Categories are reference data every install needs, demo or not; the model loads once here.
  start: async (ctx: AppContext) => {
    await seedCategories(ctx);
    getClassifier();
  },
};
