import type { ModuleManifest } from '../../platform/module.js';
import { onClaimGrantReversed, onClaimGranted } from '../ledger/index.js';
import { partnersRoutes } from './routes.js';
import { seedPartners } from './seed.js';
import { creditFromClaim, uncreditReversedClaim } from './service.js';

export * from './service.js';
export * from './projects.js';
export * from './scoring.js';

// Points granted for a partner's confirmed service claim reach its credit record, in the grant's transaction.
// Registered at load (not in start) because the demo seed, which runs before start, approves such claims.
onClaimGranted(creditFromClaim);
// …and leave it again when the grant is reversed (冲正).
onClaimGrantReversed(uncreditReversedClaim);

const STAFF_READ = ['grid_worker', 'grid_leader', 'supervisor', 'community_admin', 'street_admin', 'auditor', 'admin'] as const;

export const partnersModule: ModuleManifest = {
  name: 'partners',
  permissions: {
    'partners.read': { roles: [...STAFF_READ], description: '查看社区合伙人、服务协议、社会组织与项目' },
    'partners.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '登记合伙人与社会组织、签订协议、记录信用' },
    'projects.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '生成与发布项目、审核认领、确认完成、结项发放积分' },
    'projects.claim': { roles: ['partner'], description: '合伙人认领项目' },
    'needs.collect': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '录入走访收集的居民需求' },
  },
  routes: partnersRoutes,
  seed: seedPartners,
};
