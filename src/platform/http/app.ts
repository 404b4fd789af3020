import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { AppError, forbidden, unauthenticated } from '../errors.js';
import { newId } from '../ids.js';
import type { Actor } from '../auth/actor.js';
import { can } from '../auth/permissions.js';
import { actorFromApiKey, actorFromSession, SESSION_COOKIE } from '../auth/service.js';
import { pendingMigrations } from '../db/migrate.js';
import type { ModuleManifest } from '../module.js';
import { fieldErrors, makeValidatorCompiler } from './validation.js';
import { trackHandlers } from './drain.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyInstance {
    /** every route registered, with its declared access (for docs and the security matrix tests) */
    routeTable: RouteEntry[];
    /** resolves when no route handler is running (or after `timeoutMs`) */
    drainHandlers(timeoutMs: number): Promise<void>;
  }
  interface FastifyContextConfig {
    /** 'public': no sign-in; 'user': any signed-in user; otherwise name a `permission` */
    auth?: 'public' | 'user';
    permission?: string;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  auth: 'public' | 'user' | null;
  permission: string | null;
  hasBody: boolean;
}

export interface HealthCheck {
  name: string;
  /** null when fine, otherwise what is wrong (in plain words) */
  check: () => Promise<string | null>;
  /** a failing non-critical check is reported by /readyz but does not make it 503 */
  critical: boolean;
}

export interface BuildAppOptions {
  modules: ModuleManifest[];
  healthChecks?: HealthCheck[];
  webDist?: string;
  logger?: boolean;
}

/** Database failures that mean "try again shortly", not "your request is wrong". */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300'];
  if (e?.code && codes.includes(e.code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(e?.message ?? '');
}

/** The disk under the data directory is full (or over quota): the write did not happen. */
function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Postgres errors caused by the input (a value the column cannot take), mapped to 4xx. */
function pgInputError(err: unknown): AppError | null {
  const e = err as { code?: string; constraint?: string };
  switch (e?.code) {
    case '23505':
      return new AppError('conflict', '记录已存在（唯一性冲突）', { constraint: e.constraint });
    case '23503':
      return new AppError('invalid', '引用的记录不存在', { constraint: e.constraint });
    case '23514':
    case '23502':
      return new AppError('invalid', '数据不符合约束', { constraint: e.constraint });
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
    case '22001':
    case '22023':
      return new AppError('invalid', '字段值格式不正确');
    case '40001':
    case '40P01':
      return new AppError('conflict', '并发冲突，请重试');
    default:
      return null;
  }
}

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: '不支持的请求内容类型',
  FST_ERR_CTP_BODY_TOO_LARGE: '请求内容过大',
  FST_ERR_CTP_EMPTY_JSON_BODY: '请求体不能为空',
  FST_ERR_CTP_INVALID_JSON_BODY: '请求体不是合法的 JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: '请求长度不正确',
  FST_ERR_INVALID_URL: '请求地址不正确',
  FST_ERR_BAD_URL: '请求地址不正确',
  FST_ERR_ASYNC_CONSTRAINT: '请求不正确',
  FST_REQ_FILE_TOO_LARGE: '文件过大',
  FST_PARTS_LIMIT: '上传的部分过多',
  FST_FILES_LIMIT: '上传的文件过多',
  FST_FIELDS_LIMIT: '表单字段过多',
  FST_INVALID_MULTIPART_CONTENT_TYPE: '请以 multipart/form-data 上传',
};

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
  if (retry) reply.header('Retry-After', String(retry));
  if (err.kind === 'unavailable') reply.header('Retry-After', String(retry ?? 5));
  return reply.status(err.status).send({ error: { code: err.kind, message: err.message, details: err.details ?? null } });
}

export async function buildApp(ctx: AppContext, opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: ctx.config.logLevel },
    genReqId: () => newId(),
    trustProxy: true,
    bodyLimit: 2 * 1024 * 1024,
    schemaErrorFormatter: (errors, dataVar) => new AppError('invalid', '提交的数据有误', fieldErrors(errors, dataVar)),
  });

  app.setValidatorCompiler(makeValidatorCompiler());
  app.decorateRequest('actor', null);
  // The request id ties a response to its audit rows and log lines.
  app.addHook('onSend', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(ctx.config.mapTileUrl ? [new URL(ctx.config.mapTileUrl.replace(/\{[a-z]\}/g, 'a')).origin] : [])],
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 9, fields: 50, parts: 60 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'OneGrid API · 一网统管', version: '0.1.0', description: 'OneGrid 基层治理平台 HTTP API. Errors: `{ error: { code, message, details } }`.' },
      components: {
        securitySchemes: {
          cookieAuth: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          bearerAuth: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  // On shutdown the database stays open until running handlers finish (see drain.ts).
  app.decorate('drainHandlers', trackHandlers(app));

  // Every /api route must say who may call it.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs')) return;
    const c = route.config as { auth?: 'public' | 'user'; permission?: string } | undefined;
    if (!c?.auth && !c?.permission) throw new Error(`route ${route.method} ${route.url} declares neither auth nor permission`);
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, auth: c.auth ?? null, permission: c.permission ?? null, hasBody: Boolean((route.schema as { body?: unknown } | undefined)?.body) });
    }
  });

  // Resolve the actor (session cookie or bearer API key), check the route's permission, and
  // refuse cross-site writes made with the cookie. This runs on request, before the body is parsed
  // and validated: a caller without access learns nothing about a route's schema (401/403, not 400).
  app.addHook('onRequest', async (req) => {
    const c = req.routeOptions.config as { auth?: string; permission?: string };
    if (!c || (!c.auth && !c.permission)) return;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Bearer ')) {
      req.actor = await actorFromApiKey(ctx, authz.slice(7).trim(), req.id);
      if (!req.actor && c.auth !== 'public') throw new AppError('unauthenticated', 'API 密钥无效或已吊销');
    } else {
      const token = req.cookies[SESSION_COOKIE];
      if (token) req.actor = await actorFromSession(ctx, token, req.id);
      if (req.actor && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
        const origin = req.headers.origin ?? req.headers.referer;
        if (origin) {
          let host: string | null = null;
          try {
            host = new URL(origin).host;
          } catch {
            host = null;
          }
          if (host !== req.headers.host) throw forbidden('跨站请求被拒绝');
        }
      }
    }
    if (c.auth === 'public') return;
    if (!req.actor) throw unauthenticated();
    if (c.permission && !can(req.actor, c.permission)) throw forbidden();
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) return sendError(reply, err);
    if (err.validation) {
      return sendError(reply, new AppError('invalid', '提交的数据有误', fieldErrors(err.validation, err.validationContext ?? 'body')));
    }
    const pgErr = pgInputError(err);
    if (pgErr) return sendError(reply, pgErr);
    if (isUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      return sendError(reply, new AppError('unavailable', '数据库暂时不可用，请稍后重试', { retryAfterSeconds: 5 }));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const kind = status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : status === 404 ? 'not_found' : status === 413 ? 'too_large' : status === 429 ? 'rate_limited' : status === 409 ? 'conflict' : 'invalid';
      const message = (err.code && FASTIFY_MESSAGES[err.code]) || '请求不正确';
      return reply.status(status).send({ error: { code: kind, message, details: null } });
    }
    if (isDiskFull(err)) {
      req.log.error({ err }, 'disk full');
      return sendError(reply, new AppError('insufficient_storage', '服务器存储空间已满，文件未能保存，请稍后重试或联系管理员', { retryAfterSeconds: 60 }));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: '服务器内部错误，请稍后重试', details: { requestId: req.id } } });
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/') || req.method !== 'GET' || !opts.webDist || !existsSync(join(opts.webDist, 'index.html'))) {
      return reply.status(404).send({ error: { code: 'not_found', message: '接口不存在', details: null } });
    }
    // The web app's client-side routes.
    return reply.type('text/html').sendFile('index.html');
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  // What the web app needs to know about this deployment before sign-in.
  app.get('/api/meta', { config: { auth: 'public' }, schema: { tags: ['platform'], summary: '部署信息（地图瓦片地址等）' } }, async () => ({
    name: 'OneGrid 一网统管',
    version: '0.1.0',
    mapTileUrl: ctx.config.mapTileUrl || null,
    datum: 'GCJ-02',
  }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, { ok: boolean; critical: boolean; message: string | null }> = {};
    try {
      await sql`SELECT 1`.execute(ctx.db);
      const pending = await pendingMigrations(ctx.db);
      checks.database = { ok: pending.length === 0, critical: true, message: pending.length ? `待执行迁移: ${pending.join(', ')}` : null };
    } catch (err) {
      checks.database = { ok: false, critical: true, message: `数据库不可达: ${(err as Error).message}` };
    }
    for (const h of opts.healthChecks ?? []) {
      let message: string | null;
      try {
        message = await h.check();
      } catch (err) {
        message = (err as Error).message;
      }
      checks[h.name] = { ok: message === null, critical: h.critical, message };
    }
    const ready = Object.values(checks).every((c) => c.ok || !c.critical);
    if (!ready) reply.header('Retry-After', '5');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });

  for (const m of opts.modules) {
    if (m.routes) {
      const routes = m.routes;
      await app.register(async (scoped) => routes(scoped, ctx), { prefix: '/api' });
    }
  }

  if (opts.webDist && existsSync(opts.webDist)) {
    await app.register(fastifyStatic, { root: opts.webDist, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  return app;
}

/** The signed-in actor of a request whose route required sign-in. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw unauthenticated();
  return req.actor;
}
