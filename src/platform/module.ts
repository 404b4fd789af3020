import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import type { PermissionDef } from './auth/permissions.js';
import type { JobHandler } from './jobs/queue.js';
import type { HealthCheck } from './http/app.js';

/**
 * A module's manifest (its index.ts exports one): what it adds to the platform. Like a Decidim
 * component manifest, everything the platform must know about a module is declared in one place.
 */
export interface ModuleManifest {
  name: string;
  /** permission name → default roles holding it */
  permissions?: Record<string, PermissionDef>;
  /** Fastify plugin registered under /api */
  routes?: (app: FastifyInstance, ctx: AppContext) => Promise<void>;
  /** job kind → handler */
  jobs?: (ctx: AppContext) => Record<string, JobHandler<never>>;
  /** checks reported by /readyz (e.g. the MQTT broker) */
  healthChecks?: (ctx: AppContext) => HealthCheck[];
  /** called once at start after migrations (warm caches, schedule periodic jobs) */
  start?: (ctx: AppContext) => Promise<void>;
  stop?: (ctx: AppContext) => Promise<void>;
  /** demo seed, run in dependency order on an empty database */
  seed?: (ctx: AppContext) => Promise<void>;
}
