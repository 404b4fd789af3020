import type { ModuleManifest } from '../../platform/module.js';
import { orgRoutes } from './routes.js';
import { seedOrg } from './seed.js';

export * from './service.js';
export type { Level } from './repository.js';

const STAFF = ['grid_worker', 'grid_leader', 'dispatcher', 'dept_handler', 'supervisor', 'community_admin', 'street_admin', 'mediator', 'auditor', 'admin'] as const;

export const orgModule: ModuleManifest = {
  name: 'org',
  permissions: {
    'org.read': { roles: [...STAFF], description: '查看组织架构、网格与部门' },
    'org.write': { roles: ['admin', 'street_admin', 'community_admin'], description: '维护本辖区的组织节点与边界' },
    'org.write.all': { roles: ['admin', 'street_admin'], description: '维护全辖区组织、部门与服务区域' },
    'residents.read': { roles: ['grid_worker', 'grid_leader', 'dispatcher', 'community_admin', 'street_admin', 'mediator', 'auditor', 'admin'], description: '查看辖区居民（脱敏）' },
    'residents.write': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '登记和维护辖区居民' },
    'pii.reveal': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'mediator', 'admin'], description: '查看完整个人信息（每次记录）' },
  },
  routes: orgRoutes,
  seed: seedOrg,
};
