import { createHash, randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { withTx } from '../context.js';
import { AppError, forbidden, invalid, notFound, rateLimited, unauthenticated } from '../errors.js';
import { audit } from '../audit/audit.js';
import { newId } from '../ids.js';
import { type Actor, type Role, ROLES, systemActor } from './actor.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { hitRateLimit } from './ratelimit.js';
import type { Executor } from '../db/database.js';

export const SESSION_COOKIE = 'og_session';
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;
export const LOGIN_PER_IP_PER_MINUTE = 30;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Resolves an org node id to its path; provided by the org module at composition. */
export type NodePathResolver = (db: Executor, nodeId: string) => Promise<string | null>;
let resolveNodePath: NodePathResolver = async () => null;
export function setNodePathResolver(fn: NodePathResolver): void {
  resolveNodePath = fn;
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  roles: string[];
  node_id: string | null;
  department_id: string | null;
  resident_id: string | null;
}

async function actorFromUser(ctx: AppContext, u: UserRow, requestId: string | null, extra: Partial<Actor> = {}): Promise<Actor> {
  return {
    userId: u.id,
    username: u.username,
    displayName: u.display_name,
    roles: u.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    nodeId: u.node_id,
    nodePath: u.node_id ? await resolveNodePath(ctx.db, u.node_id) : null,
    departmentId: u.department_id,
    residentId: u.resident_id,
    actingForResidentId: null,
    apiKeyId: null,
    scopes: null,
    requestId,
    ...extra,
  };
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  actor: Actor;
}

/**
 * Username (or phone) and password. Failed attempts count per account; the fifth locks it for
 * 15 minutes. Attempts per IP are limited too. A new session token is issued on every login and the
 * presented one (if any) is destroyed, which defeats session fixation.
 */
export async function login(
  ctx: AppContext,
  input: { username: string; password: string; ip: string | null; userAgent: string | null; oldToken?: string | null; requestId: string | null },
): Promise<LoginResult> {
  const ipHit = await hitRateLimit(ctx.db, ctx.clock, `login-ip:${input.ip ?? 'unknown'}`, 60);
  if (ipHit.count > LOGIN_PER_IP_PER_MINUTE) {
    throw rateLimited('登录尝试过于频繁，请稍后再试', { retryAfterSeconds: Math.ceil((ipHit.resetAt.getTime() - ctx.clock.now().getTime()) / 1000) });
  }
  const name = input.username.trim();
  const phoneHash = ctx.cipher.blindIndex(name);
  const user = await ctx.db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', name), eb('phone_hash', '=', phoneHash)]))
    .executeTakeFirst();
  const now = ctx.clock.now();
  const wrong = () => new AppError('unauthenticated', '用户名或密码错误');
  if (!user) {
    // Spend the same time as a real check so that usernames cannot be probed by timing.
    await verifyPassword(DUMMY_HASH, input.password);
    throw wrong();
  }
  if (user.locked_until && new Date(user.locked_until) > now) {
    const mins = Math.ceil((new Date(user.locked_until).getTime() - now.getTime()) / 60000);
    throw rateLimited(`账户已被锁定，请 ${mins} 分钟后再试`, { retryAfterSeconds: mins * 60 });
  }
  if (user.status !== 'active') throw new AppError('forbidden', '账户已停用');
  const ok = await verifyPassword(user.password_hash, input.password);
  const sys = { ...systemActor(input.requestId), userId: user.id, displayName: user.display_name };
  if (!ok) {
    const attempts = user.failed_attempts + 1;
    const lock = attempts >= MAX_FAILED_LOGINS;
    await withTx(ctx, async (trx) => {
      await trx
        .updateTable('users')
        .set({ failed_attempts: lock ? 0 : attempts, locked_until: lock ? new Date(now.getTime() + LOCKOUT_MINUTES * 60000) : user.locked_until })
        .where('id', '=', user.id)
        .execute();
      await audit(trx, ctx.clock, sys, { action: lock ? 'auth.locked' : 'auth.login_failed', entity: 'user', entityId: user.id, after: { attempts, ip: input.ip } });
    });
    if (lock) throw rateLimited(`密码错误次数过多，账户已锁定 ${LOCKOUT_MINUTES} 分钟`, { retryAfterSeconds: LOCKOUT_MINUTES * 60 });
    throw wrong();
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ctx.config.sessionTtlHours * 3_600_000);
  await withTx(ctx, async (trx) => {
    if (input.oldToken) await trx.deleteFrom('sessions').where('id_hash', '=', sha256(input.oldToken)).execute();
    await trx.insertInto('sessions').values({ id_hash: sha256(token), user_id: user.id, created_at: now, expires_at: expiresAt, ip: input.ip, user_agent: input.userAgent?.slice(0, 300) ?? null }).execute();
    await trx.updateTable('users').set({ failed_attempts: 0, locked_until: null, last_login_at: now }).where('id', '=', user.id).execute();
    await audit(trx, ctx.clock, sys, { action: 'auth.login', entity: 'user', entityId: user.id, after: { ip: input.ip } });
  });
  return { token, expiresAt, actor: await actorFromUser(ctx, user, input.requestId) };
}

const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0wQ6PT0VtGTUOxVJEB+9tdpk3TH3a6jXKPbfmBCP0i8';

export async function logout(ctx: AppContext, token: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id_hash', '=', sha256(token)).execute();
}

/** The actor behind a session token, or null if the session is unknown or expired. */
export async function actorFromSession(ctx: AppContext, token: string, requestId: string | null): Promise<Actor | null> {
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.username', 'users.display_name', 'users.roles', 'users.node_id', 'users.department_id', 'users.resident_id', 'users.status', 'sessions.expires_at'])
    .where('sessions.id_hash', '=', sha256(token))
    .executeTakeFirst();
  if (!row || row.status !== 'active' || new Date(row.expires_at) <= ctx.clock.now()) return null;
  return actorFromUser(ctx, row, requestId);
}

/** The actor behind an API key (`og_<prefix>_<secret>`), rate limited per key and minute. */
export async function actorFromApiKey(ctx: AppContext, key: string, requestId: string | null): Promise<Actor | null> {
  const row = await ctx.db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id as key_id', 'api_keys.scopes', 'api_keys.rate_per_minute', 'api_keys.revoked_at', 'users.id', 'users.username', 'users.display_name', 'users.roles', 'users.node_id', 'users.department_id', 'users.resident_id', 'users.status'])
    .where('api_keys.key_hash', '=', sha256(key))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.status !== 'active') return null;
  const hit = await hitRateLimit(ctx.db, ctx.clock, `apikey:${row.key_id}`, 60);
  if (hit.count > row.rate_per_minute) {
    throw rateLimited('调用过于频繁，请稍后再试', { retryAfterSeconds: Math.ceil((hit.resetAt.getTime() - ctx.clock.now().getTime()) / 1000) });
  }
  if (hit.count === 1) await ctx.db.updateTable('api_keys').set({ last_used_at: ctx.clock.now() }).where('id', '=', row.key_id).execute();
  return actorFromUser(ctx, row, requestId, { apiKeyId: row.key_id, scopes: row.scopes });
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
  nodeId?: string | null;
  departmentId?: string | null;
  residentId?: string | null;
  phone?: string | null;
  /** precomputed hash (demo seeding reuses one hash for the shared demo password) */
  passwordHash?: string;
}

export async function createUser(ctx: AppContext, actor: Actor, u: NewUser, db: Executor = ctx.db): Promise<string> {
  if (!u.passwordHash) {
    const problem = passwordProblem(u.password);
    if (problem) throw invalid(problem, [{ field: 'password', message: problem }]);
  }
  for (const r of u.roles) if (!(ROLES as readonly string[]).includes(r)) throw invalid(`未知角色 ${r}`);
  const id = newId();
  const row = {
    id,
    username: u.username,
    display_name: u.displayName,
    phone_enc: ctx.cipher.encrypt(u.phone ?? null),
    phone_hash: ctx.cipher.blindIndex(u.phone ?? null),
    password_hash: u.passwordHash ?? (await hashPassword(u.password)),
    roles: u.roles,
    node_id: u.nodeId ?? null,
    department_id: u.departmentId ?? null,
    resident_id: u.residentId ?? null,
    locked_until: null,
    last_login_at: null,
  };
  const write = async (trx: Parameters<Parameters<typeof withTx>[1]>[0]) => {
    const exists = await trx.selectFrom('users').select('id').where('username', '=', u.username).executeTakeFirst();
    if (exists) throw new AppError('conflict', `用户名 ${u.username} 已存在`);
    await trx.insertInto('users').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'user.create', entity: 'user', entityId: id, after: { ...row, phone_enc: undefined } });
  };
  if (db === ctx.db) await withTx(ctx, write);
  else await write(db as Parameters<typeof write>[0]);
  return id;
}

/** Creates an API key for a service user; the secret is returned once and only its hash is kept. */
export async function createApiKey(ctx: AppContext, actor: Actor, input: { name: string; userId: string; scopes: string[]; ratePerMinute?: number }): Promise<{ id: string; key: string }> {
  if (!actor.roles.includes('admin')) throw forbidden();
  const prefix = randomBytes(4).toString('hex');
  const key = `og_${prefix}_${randomBytes(24).toString('base64url')}`;
  const id = newId();
  await withTx(ctx, async (trx) => {
    await trx.insertInto('api_keys').values({ id, name: input.name, prefix, key_hash: sha256(key), user_id: input.userId, scopes: input.scopes, rate_per_minute: input.ratePerMinute ?? 600, revoked_at: null, last_used_at: null }).execute();
    await audit(trx, ctx.clock, actor, { action: 'apikey.create', entity: 'api_key', entityId: id, after: { name: input.name, prefix, userId: input.userId, scopes: input.scopes } });
  });
  return { id, key };
}

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  username: string;
  scopes: string[];
  ratePerMinute: number;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

async function apiKeySummaries(db: Executor, id?: string): Promise<ApiKeySummary[]> {
  let q = db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id', 'api_keys.name', 'api_keys.prefix', 'api_keys.user_id', 'users.username', 'api_keys.scopes', 'api_keys.rate_per_minute', 'api_keys.created_at', 'api_keys.last_used_at', 'api_keys.revoked_at'])
    .orderBy('api_keys.created_at', 'desc')
    .orderBy('api_keys.id', 'desc');
  if (id) q = q.where('api_keys.id', '=', id);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    userId: r.user_id,
    username: r.username,
    scopes: r.scopes,
    ratePerMinute: r.rate_per_minute,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  }));
}

/** Lists API keys without their secrets or hashes (admins only). */
export async function listApiKeys(ctx: AppContext, actor: Actor): Promise<ApiKeySummary[]> {
  if (!actor.roles.includes('admin')) throw forbidden();
  return apiKeySummaries(ctx.db);
}

/** Revokes an API key at once (admins only, audited). Revoking a revoked key changes nothing. */
export async function revokeApiKey(ctx: AppContext, actor: Actor, id: string): Promise<ApiKeySummary> {
  if (!actor.roles.includes('admin')) throw forbidden();
  return withTx(ctx, async (trx) => {
    const row = await trx.selectFrom('api_keys').select(['id', 'name', 'prefix', 'revoked_at']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) throw notFound('API 密钥不存在');
    if (row.revoked_at) return (await apiKeySummaries(trx, id))[0]!;
    const now = ctx.clock.now();
    await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
    const summary = (await apiKeySummaries(trx, id))[0]!;
    await audit(trx, ctx.clock, actor, { action: 'apikey.revoke', entity: 'api_key', entityId: id, before: { revokedAt: null }, after: { name: row.name, prefix: row.prefix, revokedAt: summary.revokedAt } });
    return summary;
  });
}

export { unauthenticated };
