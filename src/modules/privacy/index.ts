import type { ModuleManifest } from '../../platform/module.js';
import { privacyRoutes } from './routes.js';

export * from './service.js';

/** PIPL (个人信息保护法) basics: export of one's own data, consent records, deletion requests. */
export const privacyModule: ModuleManifest = {
  name: 'privacy',
  permissions: {
    'privacy.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '办理个人信息删除申请、代为登记授权' },
  },
  routes: privacyRoutes,
};
