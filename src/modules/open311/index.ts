import type { ModuleManifest } from '../../platform/module.js';
import { setDepartmentCodeResolver } from '../../platform/outbox/index.js';
import { departmentById } from '../org/index.js';
import { open311Routes } from './routes.js';

export { presentRequest, listServices, submitRequest, type Open311Request } from './service.js';
export { exportCases, importExchange, EXCHANGE_FORMAT } from './exchange.js';

/** Open311 GeoReport v2 and data exchange with higher-level platforms, as adapters over cases. */
export const open311Module: ModuleManifest = {
  name: 'open311',
  permissions: {
    'open311.submit': { roles: ['admin', 'dispatcher', 'street_admin', 'community_admin'], description: '通过 Open311 接口提交诉求（第三方应用的 API 密钥）' },
    'exchange.export': { roles: ['admin', 'dispatcher', 'supervisor', 'street_admin'], description: '向上级平台导出案卷（数据交换）' },
    'exchange.import': { roles: ['admin', 'supervisor'], description: '导入上级平台下发的案卷与决定（数据交换）' },
  },
  routes: open311Routes,
  start: async (ctx) => {
    // the relay resolves inside its transaction: use the transaction's connection (PGlite has one)
    setDepartmentCodeResolver(async (c, db, id) => (await departmentById(c, id, db))?.code ?? null);
    void ctx;
  },
};
