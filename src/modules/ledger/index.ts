import type { ModuleManifest } from '../../platform/module.js';
import { ledgerRoutes } from './routes.js';
import { seedLedger } from './seed.js';

export * from './service.js';
export * from './timebank.js';

export const ledgerModule: ModuleManifest = {
  name: 'ledger',
  permissions: {
    'ledger.read': { roles: ['grid_worker', 'grid_leader', 'supervisor', 'community_admin', 'street_admin', 'auditor', 'admin'], description: '查看辖区积分与时间账户、对账单' },
    'ledger.approve': { roles: ['grid_leader', 'community_admin', 'street_admin', 'admin'], description: '确认服务并发放积分、确认服务时长、调整与冲正' },
    'ledger.manage': { roles: ['community_admin', 'street_admin', 'admin'], description: '维护积分规则、兑换品与账户额度' },
    'ledger.report': { roles: ['community_admin', 'street_admin', 'auditor', 'admin'], description: '导出积分月报' },
    'ledger.verify': { roles: ['partner', 'community_admin', 'street_admin', 'admin'], description: '核销兑换码' },
  },
  routes: ledgerRoutes,
  seed: seedLedger,
};
