import type { ModuleManifest } from '../platform/module.js';
import { authModule } from '../platform/auth/routes.js';
import { auditModule } from '../platform/audit/routes.js';
import { orgModule } from './org/index.js';
import { dispatchModule } from './dispatch/index.js';
import { casesModules } from './cases/modules.js';
import { mediationModule } from './mediation/index.js';
import { gridWorkModule } from './grid-work/index.js';
import { servicesModule } from './services/index.js';
import { privacyModule } from './privacy/index.js';
import { careModule } from './care/index.js';
import { analyticsModule } from './analytics/index.js';
import { iotModule } from './iot/index.js';
import { ledgerModule } from './ledger/index.js';
import { partnersModule } from './partners/index.js';
import { deliberationModule } from './deliberation/index.js';
import { open311Module } from './open311/index.js';
import { outboxModule } from '../platform/outbox/index.js';

/** Every module, in dependency order (seeds run in this order). */
export const MODULES: ModuleManifest[] = [authModule, auditModule, orgModule, dispatchModule, ...casesModules, outboxModule, open311Module, ledgerModule, partnersModule, deliberationModule, iotModule, mediationModule, gridWorkModule, servicesModule, careModule, analyticsModule, privacyModule];
