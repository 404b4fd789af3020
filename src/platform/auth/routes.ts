import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ModuleManifest } from '../module.js';
import { actorOf } from '../http/app.js';
import { permissionsOf } from './permissions.js';
import { createApiKey, createUser, listApiKeys, login, logout, revokeApiKey, SESSION_COOKIE } from './service.js';
import { ROLE_NAMES, ROLES, type Role } from './actor.js';
import { ErrorResponse } from '../http/schemas.js';

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, description: '用户名或手机号' }),
    password: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);

const Me = Type.Object({
  id: Type.Union([Type.String(), Type.Null()]),
  username: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.String()),
  roleNames: Type.Array(Type.String()),
  nodeId: Type.Union([Type.String(), Type.Null()]),
  nodePath: Type.Union([Type.String(), Type.Null()]),
  departmentId: Type.Union([Type.String(), Type.Null()]),
  residentId: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
});

const CreateUserBody = Type.Object(
  {
    username: Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    displayName: Type.String({ minLength: 1, maxLength: 64 }),
    password: Type.String({ minLength: 8, maxLength: 128 }),
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1 }),
    nodeId: Type.Optional(Type.String({ format: 'uuid' })),
    departmentId: Type.Optional(Type.String({ format: 'uuid' })),
    phone: Type.Optional(Type.String({ pattern: '^1\\d{10}$' })),
  },
  { additionalProperties: false },
);

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Type.String({ format: 'uuid' }),
    scopes: Type.Array(Type.String({ minLength: 1 }), { default: ['*'] }),
    ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
  },
  { additionalProperties: false },
);

const ApiKeySummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  userId: Type.String(),
  username: Type.String(),
  scopes: Type.Array(Type.String()),
  ratePerMinute: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const ApiKeyParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

async function routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post<{ Body: Static<typeof LoginBody> }>(
    '/auth/login',
    {
      config: { auth: 'public' },
      schema: { tags: ['auth'], summary: '登录', body: LoginBody, response: { 200: Me, 401: ErrorResponse, 429: ErrorResponse } },
    },
    async (req, reply) => {
      const r = await login(ctx, {
        username: req.body.username,
        password: req.body.password,
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? null,
        oldToken: req.cookies[SESSION_COOKIE] ?? null,
        requestId: req.id,
      });
      reply.setCookie(SESSION_COOKIE, r.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.cookieSecure, expires: r.expiresAt });
      return presentMe(r.actor);
    },
  );

  app.post('/auth/logout', { config: { auth: 'public' }, schema: { tags: ['auth'], summary: '退出登录' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get('/auth/me', { config: { auth: 'user' }, schema: { tags: ['auth'], summary: '当前用户', response: { 200: Me, 401: ErrorResponse } } }, async (req) =>
    presentMe(actorOf(req)),
  );

  app.post<{ Body: Static<typeof CreateUserBody> }>(
    '/users',
    { config: { permission: 'users.manage' }, schema: { tags: ['auth'], summary: '创建用户', body: CreateUserBody } },
    async (req, reply) => {
      const id = await createUser(ctx, actorOf(req), { ...req.body, roles: req.body.roles as Role[] });
      return reply.status(201).send({ id });
    },
  );

  app.post<{ Body: Static<typeof CreateKeyBody> }>(
    '/api-keys',
    { config: { permission: 'users.manage' }, schema: { tags: ['auth'], summary: '创建 API 密钥（只显示一次）', body: CreateKeyBody } },
    async (req, reply) => reply.status(201).send(await createApiKey(ctx, actorOf(req), req.body)),
  );

  app.get(
    '/auth/api-keys',
    {
      config: { permission: 'users.manage' },
      schema: { tags: ['auth'], summary: 'API 密钥列表（不含密钥本身）', response: { 200: Type.Object({ items: Type.Array(ApiKeySummary) }), 403: ErrorResponse } },
    },
    async (req) => ({ items: await listApiKeys(ctx, actorOf(req)) }),
  );

  app.delete<{ Params: Static<typeof ApiKeyParams> }>(
    '/auth/api-keys/:id',
    {
      config: { permission: 'users.manage' },
      schema: { tags: ['auth'], summary: '吊销 API 密钥', params: ApiKeyParams, response: { 200: ApiKeySummary, 403: ErrorResponse, 404: ErrorResponse } },
    },
    async (req) => revokeApiKey(ctx, actorOf(req), req.params.id),
  );
}

function presentMe(a: ReturnType<typeof actorOf>) {
  return {
    id: a.userId,
    username: a.username,
    displayName: a.displayName,
    roles: a.roles,
    roleNames: a.roles.map((r) => ROLE_NAMES[r]),
    nodeId: a.nodeId,
    nodePath: a.nodePath,
    departmentId: a.departmentId,
    residentId: a.residentId,
    permissions: permissionsOf(a),
  };
}

export const authModule: ModuleManifest = {
  name: 'auth',
  permissions: {
    'users.manage': { roles: ['admin'], description: '管理用户和 API 密钥' },
    'audit.read': { roles: ['admin', 'auditor'], description: '查看审计日志与数据访问日志' },
  },
  routes,
};
