import { randomBytes } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, likePrefix, scopeOf } from '../../platform/auth/scope.js';
import { audit, logDataAccess } from '../../platform/audit/audit.js';
import { AppError, conflict, forbidden, invalid, notFound, unauthenticated, unavailable } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { DB } from '../../platform/db/schema.js';
import { categoryByCode } from '../dispatch/index.js';
import { departmentByCode, departmentById, listDepartments, locatePoint } from '../org/index.js';
import { COVER_TYPES, DEFAULT_RULES, DEVICE_TYPES, HEALTH_DEVICE_TYPES, OP_TEXT, SEVERITY_NAMES, iotKeepable, iotKeepableAttributes } from './catalog.js';
import { categoryFor } from './closure.js';
import { toRule, tokenHash } from './ingest.js';
import { decodeMessage } from './broker.js';
import { PayloadError } from './payload.js';
import { iotRepo, type AlarmRow, type AlarmStatus, type DeviceRow, type RuleOp, type RuleRow, type Severity } from './repository.js';
import { brokerStatus, iotRuntime, loadTypes } from './runtime.js';
import { alarmEvent } from './live.js';

// ---------------------------------------------------------------- reference data

/** Device types and default rules: inserted when missing on every start (admins' edits are kept). */
export async function seedReferenceData(ctx: AppContext): Promise<void> {
  const now = ctx.clock.now();
  for (const t of DEVICE_TYPES) await iotRepo.upsertDeviceType(ctx.db, t, now);
  for (const r of DEFAULT_RULES) {
    await iotRepo.insertRuleIfMissing(
      ctx.db,
      {
        id: newId(),
        device_type: r.deviceType,
        alarm_type: r.alarmType,
        name: r.name,
        kind: r.kind,
        key: r.key ?? null,
        op: r.op ?? null,
        threshold: r.threshold ?? null,
        clear_threshold: r.clearThreshold ?? null,
        duration_s: r.durationS ?? 0,
        offline_minutes: r.offlineMinutes ?? null,
        severity: r.severity,
        create_case: r.createCase,
        category_code: r.categoryCode ?? null,
        enabled: true,
      },
      now,
    );
  }
  await loadTypes(ctx);
}

export const STATUS_NAMES: Record<AlarmStatus, string> = {
  active_unack: '激活未确认',
  active_ack: '激活已确认',
  cleared_unack: '已清除未确认',
  cleared_ack: '已清除已确认',
};

export async function listDeviceTypes(ctx: AppContext) {
  const rows = await iotRepo.listDeviceTypes(ctx.db);
  return {
    types: rows.map((t) => ({ code: t.code, name: t.name, description: t.description, telemetry: t.telemetry })),
    coverTypes: Object.entries(COVER_TYPES).map(([code, c]) => ({ code, name: c.name, categoryCode: c.categoryCode })),
  };
}

// ---------------------------------------------------------------- scope

/** Devices and alarms: node scope by org path, department handlers see their department's devices. */
function rowScope(actor: Actor, pathCol: string, deptCol: string) {
  return (eb: ExpressionBuilder<DB, never>): Expression<SqlBool> => {
    const s = scopeOf(actor);
    if (s.kind === 'all') return sql<SqlBool>`true`;
    if (s.kind === 'subtree') return eb.or([eb(sql.ref(pathCol), '=', s.path), eb(sql.ref(pathCol), 'like', likePrefix(s.path) + '/%')]);
    if (s.kind === 'department') return eb(sql.ref(deptCol), '=', s.departmentId);
    return sql<SqlBool>`false`;
  };
}

function canSeeRow(actor: Actor, row: { node_path: string; department_id: string | null }): boolean {
  const s = scopeOf(actor);
  if (s.kind === 'all') return true;
  if (s.kind === 'subtree') return row.node_path === s.path || row.node_path.startsWith(s.path + '/');
  if (s.kind === 'department') return row.department_id === s.departmentId;
  return false;
}

// ---------------------------------------------------------------- devices

export interface DeviceView {
  id: string;
  name: string;
  type: { code: string; name: string };
  tokenHint: string;
  lng: number;
  lat: number;
  address: string | null;
  gridId: string | null;
  nodePath: string;
  department: { id: string; code: string; name: string } | null;
  coverType: string | null;
  coverTypeName: string | null;
  isGateway: boolean;
  active: boolean;
  online: boolean;
  lastSeenAt: string | null;
  battery: number | null;
  attributes: Record<string, unknown>;
  props: Record<string, unknown>;
  activeAlarms: number;
  latest?: Record<string, { ts: string; value: unknown; unit: string }>;
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

async function viewDevices(ctx: AppContext, rows: Array<DeviceRow & { active_alarms?: number }>, withLatest: boolean): Promise<DeviceView[]> {
  const rt = iotRuntime(ctx);
  const depts = new Map((await listDepartments(ctx)).map((d) => [d.id, d]));
  const latest = withLatest ? await iotRepo.latestOf(ctx.db, rows.map((r) => r.id)) : [];
  return rows.map((d) => {
    const t = rt.types.get(d.type_code);
    const dep = d.department_id ? depts.get(d.department_id) : undefined;
    const v: DeviceView = {
      id: d.id,
      name: d.name,
      type: { code: d.type_code, name: t?.name ?? d.type_code },
      tokenHint: d.token_hint,
      lng: d.lng,
      lat: d.lat,
      address: d.address,
      gridId: d.grid_id,
      nodePath: d.node_path,
      department: dep ? { id: dep.id, code: dep.code, name: dep.name } : null,
      coverType: d.cover_type,
      coverTypeName: d.cover_type ? (COVER_TYPES[d.cover_type]?.name ?? d.cover_type) : null,
      isGateway: d.is_gateway,
      active: d.active,
      online: d.online,
      lastSeenAt: iso(d.last_seen_at),
      battery: d.battery,
      attributes: iotKeepableAttributes(d.type_code, d.attributes ?? {}),
      props: d.props ?? {},
      activeAlarms: Number(d.active_alarms ?? 0),
    };
    if (withLatest) {
      v.latest = {};
      // Health devices: never their health keys (those live, encrypted, in the care module only).
      const keep = HEALTH_DEVICE_TYPES[d.type_code];
      for (const l of latest.filter((x) => x.device_id === d.id && (!keep || keep.includes(x.key)))) v.latest[l.key] = { ts: new Date(l.ts).toISOString(), value: l.val, unit: t?.telemetry.find((k) => k.key === l.key)?.unit ?? '' };
    }
    return v;
  });
}

export interface DeviceQuery {
  type?: string;
  online?: boolean;
  alarmed?: boolean;
  q?: string;
  gridId?: string;
  departmentId?: string;
  bbox?: string;
  latest?: boolean;
  page?: number;
  pageSize?: number;
}

export async function listDevices(ctx: AppContext, actor: Actor, q: DeviceQuery) {
  requirePermission(actor, 'iot.read');
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  let gridPath: string | undefined;
  if (q.gridId) {
    const n = await ctx.db.selectFrom('org_nodes').select('path').where('id', '=', q.gridId).executeTakeFirst();
    if (!n) throw notFound('网格不存在');
    assertPathInScope(actor, n.path);
    gridPath = n.path;
  }
  let bbox: [number, number, number, number] | undefined;
  if (q.bbox) {
    const p = q.bbox.split(',').map(Number);
    if (p.length !== 4 || p.some((x) => !Number.isFinite(x))) throw invalid('bbox 须为 west,south,east,north', [{ field: 'bbox', message: '格式不正确' }]);
    bbox = p as [number, number, number, number];
  }
  const r = await iotRepo.listDevices(ctx.db, {
    scope: rowScope(actor, 'd.node_path', 'd.department_id') as never,
    typeCode: q.type,
    online: q.online,
    alarmed: q.alarmed,
    q: q.q,
    gridPath,
    departmentId: q.departmentId,
    bbox,
    offset: (page - 1) * pageSize,
    limit: pageSize,
  });
  return { items: await viewDevices(ctx, r.items, q.latest ?? false), total: r.total, page, pageSize };
}

async function deviceInScope(ctx: AppContext, actor: Actor, id: string): Promise<DeviceRow> {
  const d = await iotRepo.deviceById(ctx.db, id);
  if (!d || !canSeeRow(actor, d)) throw notFound('设备不存在或无权查看');
  return d;
}

export async function getDevice(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'iot.read');
  const d = await deviceInScope(ctx, actor, id);
  const active = await ctx.db.selectFrom('iot_alarms').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', id).where('status', 'in', ['active_unack', 'active_ack']).executeTakeFirstOrThrow();
  const [view] = await viewDevices(ctx, [{ ...d, active_alarms: Number(active.n) }], true);
  const links = await iotRepo.linksOfDevice(ctx.db, id);
  return { ...view!, cases: links.map((l) => ({ caseId: l.case_id, alarmType: l.alarm_type, open: l.open, outcome: l.outcome, normalSince: iso(l.normal_since) })) };
}

export interface DeviceInput {
  name: string;
  type: string;
  lng: number;
  lat: number;
  address?: string | null;
  departmentCode?: string | null;
  coverType?: string | null;
  token?: string | null;
  isGateway?: boolean;
  active?: boolean;
  props?: Record<string, unknown>;
}

const TOKEN_RE = /^[A-Za-z0-9_\-.]{8,64}$/;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
export function newAccessToken(): string {
  const b = randomBytes(20);
  let s = '';
  for (const x of b) s += ALPHABET[x % ALPHABET.length];
  return s;
}

/** Validates and resolves a device input (grid from the location, default owner department). */
async function resolveDevice(ctx: AppContext, actor: Actor, input: DeviceInput, field = '') {
  const problems: Array<{ field: string; message: string }> = [];
  const f = (n: string) => (field ? `${field}.${n}` : n);
  const rt = iotRuntime(ctx);
  const name = (input.name ?? '').trim();
  if (!name || name.length > 64) problems.push({ field: f('name'), message: '设备名称为 1–64 个字符' });
  if (!rt.types.has(input.type)) problems.push({ field: f('type'), message: `设备类型不存在：${input.type}` });
  if (!Number.isFinite(input.lng) || input.lng < -180 || input.lng > 180) problems.push({ field: f('lng'), message: '经度不正确' });
  if (!Number.isFinite(input.lat) || input.lat < -90 || input.lat > 90) problems.push({ field: f('lat'), message: '纬度不正确' });
  if (input.coverType && !COVER_TYPES[input.coverType]) problems.push({ field: f('coverType'), message: `井盖类型须为 ${Object.keys(COVER_TYPES).join('/')} 之一` });
  if (input.coverType && input.type !== 'manhole_tilt') problems.push({ field: f('coverType'), message: '只有井盖传感器有井盖类型' });
  if (input.token && !TOKEN_RE.test(input.token)) problems.push({ field: f('token'), message: '令牌为 8–64 位字母、数字或 _ - .' });
  if (problems.length) throw invalid('设备信息有误', problems);
  const located = await locatePoint(ctx, input.lng, input.lat);
  if (!located.grid) throw invalid('设备位置不在本辖区的网格范围内', [{ field: f('lng'), message: '不在辖区内' }]);
  assertPathInScope(actor, located.grid.path);
  let departmentId: string | null = null;
  if (input.departmentCode) {
    const d = await departmentByCode(ctx, input.departmentCode);
    if (!d) throw invalid('部门不存在', [{ field: f('departmentCode'), message: `部门 ${input.departmentCode} 不存在` }]);
    departmentId = d.id;
  } else {
    // Default owner: the department the device's alarms are dispatched to.
    const rule = rt.pipeline.rules.of(input.type).find((r) => r.createCase);
    const code = rule ? categoryFor({ typeCode: input.type, coverType: input.coverType ?? null }, rule) : null;
    const cat = code ? await categoryByCode(ctx, code) : null;
    const d = cat ? await departmentByCode(ctx, cat.department) : null;
    departmentId = d?.id ?? null;
  }
  return { name, located, departmentId };
}

export async function createDevice(ctx: AppContext, actor: Actor, input: DeviceInput) {
  requirePermission(actor, 'iot.devices.write');
  await iotRuntime(ctx).pipeline.rules.refresh();
  const { name, located, departmentId } = await resolveDevice(ctx, actor, input);
  const token = input.token || newAccessToken();
  const now = ctx.clock.now();
  const id = newId();
  await withTx(ctx, async (trx) => {
    if (await iotRepo.deviceByName(trx, name)) throw conflict('设备名称已存在', [{ field: 'name', message: '已存在' }]);
    if (await iotRepo.deviceByTokenHash(trx, tokenHash(token))) throw conflict('访问令牌已被其他设备使用', [{ field: 'token', message: '已被使用' }]);
    const row: DeviceRow = {
      id,
      name,
      type_code: input.type,
      token_hash: tokenHash(token),
      token_enc: ctx.cipher.encrypt(token),
      token_hint: token.slice(-4),
      lng: input.lng,
      lat: input.lat,
      address: input.address ?? null,
      grid_id: located.grid!.id,
      node_path: located.grid!.path,
      department_id: departmentId,
      cover_type: input.coverType ?? null,
      is_gateway: input.isGateway ?? input.type === 'gateway',
      active: input.active ?? true,
      online: false,
      last_seen_at: null,
      battery: null,
      attributes: {},
      props: input.props ?? {},
      created_at: now,
      updated_at: now,
    };
    await iotRepo.insertDevice(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'iot.device.create', entity: 'iot_device', entityId: id, after: { ...row, token_enc: undefined } });
  });
  iotRuntime(ctx).pipeline.devices.invalidate();
  return { device: await getDevice(ctx, actor, id), accessToken: token };
}

export async function updateDevice(ctx: AppContext, actor: Actor, id: string, patch: Partial<Omit<DeviceInput, 'token'>>) {
  requirePermission(actor, 'iot.devices.write');
  const before = await deviceInScope(ctx, actor, id);
  const merged: DeviceInput = {
    name: patch.name ?? before.name,
    type: patch.type ?? before.type_code,
    lng: patch.lng ?? before.lng,
    lat: patch.lat ?? before.lat,
    address: patch.address === undefined ? before.address : patch.address,
    coverType: patch.coverType === undefined ? before.cover_type : patch.coverType,
    departmentCode: patch.departmentCode,
  };
  const { name, located, departmentId } = await resolveDevice(ctx, actor, merged);
  const now = ctx.clock.now();
  await withTx(ctx, async (trx) => {
    if (name !== before.name && (await iotRepo.deviceByName(trx, name))) throw conflict('设备名称已存在', [{ field: 'name', message: '已存在' }]);
    const after = await iotRepo.updateDevice(trx, id, {
      name,
      type_code: merged.type,
      lng: merged.lng,
      lat: merged.lat,
      address: merged.address ?? null,
      cover_type: merged.coverType ?? null,
      grid_id: located.grid!.id,
      node_path: located.grid!.path,
      department_id: patch.departmentCode === undefined && merged.type === before.type_code && merged.coverType === before.cover_type ? before.department_id : departmentId,
      ...(patch.isGateway !== undefined ? { is_gateway: patch.isGateway } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.props !== undefined ? { props: patch.props } : {}),
      updated_at: now,
    });
    await audit(trx, ctx.clock, actor, { action: 'iot.device.update', entity: 'iot_device', entityId: id, before: { ...before, token_enc: undefined }, after: { ...after, token_enc: undefined } });
  });
  const rt = iotRuntime(ctx);
  rt.pipeline.devices.invalidate();
  rt.pipeline.forgetDevice(id);
  return getDevice(ctx, actor, id);
}

/** The device's access token in clear text (logged as a data access). */
export async function revealCredentials(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'iot.devices.write');
  const d = await deviceInScope(ctx, actor, id);
  await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'iot_device', entityId: id, fields: ['accessToken'] });
  return { accessToken: ctx.cipher.decrypt(d.token_enc) };
}

export async function rotateCredentials(ctx: AppContext, actor: Actor, id: string, token?: string) {
  requirePermission(actor, 'iot.devices.write');
  await deviceInScope(ctx, actor, id);
  if (token && !TOKEN_RE.test(token)) throw invalid('令牌为 8–64 位字母、数字或 _ - .', [{ field: 'token', message: '格式不正确' }]);
  const t = token || newAccessToken();
  await withTx(ctx, async (trx) => {
    const other = await iotRepo.deviceByTokenHash(trx, tokenHash(t));
    if (other && other.id !== id) throw conflict('访问令牌已被其他设备使用', [{ field: 'token', message: '已被使用' }]);
    await iotRepo.updateDevice(trx, id, { token_hash: tokenHash(t), token_enc: ctx.cipher.encrypt(t), token_hint: t.slice(-4), updated_at: ctx.clock.now() });
    await audit(trx, ctx.clock, actor, { action: 'iot.device.rotate_token', entity: 'iot_device', entityId: id });
  });
  iotRuntime(ctx).pipeline.devices.invalidate();
  return { accessToken: t };
}

// ---------------------------------------------------------------- CSV import

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else q = false;
      } else field += c;
    } else if (c === '"' && field === '') q = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((x) => x.trim() !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  if (q) throw invalid('CSV 格式不正确：引号未闭合');
  row.push(field);
  if (row.some((x) => x.trim() !== '')) rows.push(row);
  return rows;
}

export const CSV_COLUMNS = ['name', 'type', 'lng', 'lat', 'address', 'department', 'coverType', 'token'] as const;

/**
 * Imports devices from CSV (header: name,type,lng,lat[,address,department,coverType,token]; Chinese
 * headers 名称,类型,经度,纬度,地址,部门,井盖类型,令牌 also accepted). All rows or none: any bad row
 * refuses the file with every problem listed. Existing names are updated, new ones created.
 */
export async function importDevicesCsv(ctx: AppContext, actor: Actor, csv: string) {
  requirePermission(actor, 'iot.devices.write');
  await iotRuntime(ctx).pipeline.rules.refresh();
  const rows = parseCsv(csv);
  if (rows.length < 2) throw invalid('CSV 至少需要表头和一行设备');
  if (rows.length > 5001) throw invalid('一次最多导入 5000 台设备');
  const alias: Record<string, string> = { 名称: 'name', 设备名称: 'name', 类型: 'type', 设备类型: 'type', 经度: 'lng', 纬度: 'lat', 地址: 'address', 部门: 'department', 权属部门: 'department', 井盖类型: 'coverType', 令牌: 'token', 访问令牌: 'token' };
  const header = rows[0]!.map((h) => alias[h.trim()] ?? h.trim());
  for (const need of ['name', 'type', 'lng', 'lat']) if (!header.includes(need)) throw invalid(`CSV 缺少列：${need}`, [{ field: 'header', message: `缺少 ${need}` }]);
  const col = (r: string[], n: string) => {
    const i = header.indexOf(n);
    const v = i >= 0 ? (r[i] ?? '').trim() : '';
    return v === '' ? undefined : v;
  };
  const problems: Array<{ field: string; message: string }> = [];
  const resolved: Array<{ input: DeviceInput; r: Awaited<ReturnType<typeof resolveDevice>> }> = [];
  const names = new Set<string>();
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i]!;
    const input: DeviceInput = {
      name: col(r, 'name') ?? '',
      type: col(r, 'type') ?? '',
      lng: Number(col(r, 'lng')),
      lat: Number(col(r, 'lat')),
      address: col(r, 'address') ?? null,
      departmentCode: col(r, 'department') ?? null,
      coverType: col(r, 'coverType') ?? null,
      token: col(r, 'token') ?? null,
    };
    if (names.has(input.name)) {
      problems.push({ field: `row${i + 1}.name`, message: '文件中名称重复' });
      continue;
    }
    names.add(input.name);
    try {
      resolved.push({ input, r: await resolveDevice(ctx, actor, input, `row${i + 1}`) });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const details = (err.details as Array<{ field: string; message: string }> | undefined) ?? [{ field: `row${i + 1}`, message: err.message }];
      problems.push(...details);
    }
  }
  if (problems.length) throw invalid(`CSV 有 ${problems.length} 处错误，未导入任何设备`, problems);
  const now = ctx.clock.now();
  const tokens: Array<{ name: string; accessToken: string }> = [];
  let created = 0;
  let updated = 0;
  await withTx(ctx, async (trx) => {
    for (const { input, r } of resolved) {
      const existing = await iotRepo.deviceByName(trx, r.name);
      const token = input.token ?? (existing ? null : newAccessToken());
      if (token) {
        const other = await iotRepo.deviceByTokenHash(trx, tokenHash(token));
        if (other && other.id !== existing?.id) throw conflict(`访问令牌已被其他设备使用：${r.name}`, [{ field: 'token', message: r.name }]);
      }
      const base = {
        type_code: input.type,
        lng: input.lng,
        lat: input.lat,
        address: input.address ?? null,
        grid_id: r.located.grid!.id,
        node_path: r.located.grid!.path,
        department_id: r.departmentId,
        cover_type: input.coverType ?? null,
        updated_at: now,
        ...(token ? { token_hash: tokenHash(token), token_enc: ctx.cipher.encrypt(token), token_hint: token.slice(-4) } : {}),
      };
      if (existing) {
        await iotRepo.updateDevice(trx, existing.id, base);
        updated++;
      } else {
        await iotRepo.insertDevice(trx, {
          id: newId(),
          name: r.name,
          ...base,
          token_hash: tokenHash(token!),
          token_enc: ctx.cipher.encrypt(token!),
          token_hint: token!.slice(-4),
          is_gateway: input.type === 'gateway',
          active: true,
          online: false,
          last_seen_at: null,
          battery: null,
          attributes: {},
          props: {},
          created_at: now,
        });
        created++;
      }
      if (token && !input.token) tokens.push({ name: r.name, accessToken: token });
    }
    await audit(trx, ctx.clock, actor, { action: 'iot.device.import', entity: 'iot_device', after: { created, updated, names: resolved.map((x) => x.r.name) } });
  });
  iotRuntime(ctx).pipeline.devices.invalidate();
  return { created, updated, generatedTokens: tokens };
}

// ---------------------------------------------------------------- telemetry

export async function ingestHttp(ctx: AppContext, token: string, kind: 'telemetry' | 'attributes', body: unknown): Promise<void> {
  const rt = iotRuntime(ctx);
  const device = await rt.pipeline.devices.byAccessToken(token);
  if (!device) throw unauthenticated('设备令牌无效');
  if (!device.active) throw new AppError('forbidden', '设备已停用');
  let dec;
  try {
    dec = await decodeMessage(rt.pipeline, ctx, device, kind, body);
  } catch (err) {
    if (err instanceof PayloadError) throw invalid(err.message);
    throw err;
  }
  try {
    await rt.pipeline.submit(dec.readings, dec.attrs);
  } catch (err) {
    ctx.log.warn({ err }, 'iot: http telemetry not stored');
    throw unavailable('遥测数据暂时无法保存，请稍后重试');
  }
}

export interface SeriesQuery {
  keys?: string[];
  from?: string;
  to?: string;
  agg?: 'raw' | 'hour' | 'day';
  limit?: number;
}

export async function telemetrySeries(ctx: AppContext, actor: Actor, id: string, q: SeriesQuery) {
  requirePermission(actor, 'iot.read');
  const d = await deviceInScope(ctx, actor, id);
  const rt = iotRuntime(ctx);
  const type = rt.types.get(d.type_code);
  const to = q.to ? new Date(q.to) : ctx.clock.now();
  const agg = q.agg ?? 'raw';
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - (agg === 'day' ? 30 : agg === 'hour' ? 7 : 1) * 86_400_000);
  if (!(from < to)) throw invalid('起始时间须早于结束时间', [{ field: 'from', message: '须早于 to' }]);
  if (to.getTime() - from.getTime() > 400 * 86_400_000) throw invalid('时间范围不能超过 400 天', [{ field: 'from', message: '范围过大' }]);
  const keep = HEALTH_DEVICE_TYPES[d.type_code];
  if (keep && q.keys?.some((k) => !keep.includes(k))) throw forbidden('手环等健康设备的体征数据只能在关爱模块中由照护人或授权人员查看');
  const keys = (q.keys?.length ? q.keys : (type?.telemetry.map((k) => k.key) ?? [])).filter((k) => !keep || keep.includes(k));
  if (!keys.length) return { deviceId: id, agg, from: from.toISOString(), to: to.toISOString(), keys: [], series: {} };
  const units = Object.fromEntries(keys.map((k) => [k, type?.telemetry.find((t) => t.key === k)?.unit ?? '']));
  const series: Record<string, Array<{ ts: string; value?: unknown; n?: number; min?: number; max?: number; avg?: number; last?: number }>> = Object.fromEntries(keys.map((k) => [k, []]));
  if (agg === 'raw') {
    const rows = await iotRepo.rawSeries(ctx.db, id, keys, from, to, q.limit ?? 5000);
    for (const r of rows) {
      const vals = iotKeepable(d.type_code, r.vals);
      for (const k of keys) if (k in vals) series[k]!.push({ ts: new Date(r.ts).toISOString(), value: vals[k] });
    }
  } else {
    const meta = await iotRepo.meta(ctx.db);
    const rows = await iotRepo.aggSeries(ctx.db, id, keys, from, to, agg, meta.rolled_until ? new Date(meta.rolled_until) : null);
    for (const r of rows) series[r.key]?.push({ ts: new Date(r.bucket).toISOString(), n: r.n, min: r.min, max: r.max, avg: r.avg, last: r.last });
  }
  return { deviceId: id, agg, from: from.toISOString(), to: to.toISOString(), keys: keys.map((k) => ({ key: k, unit: units[k]!, name: type?.telemetry.find((t) => t.key === k)?.name ?? k })), series };
}

/** Rolls complete hours up into iot_telemetry_hourly, then deletes raw rows past retention (only hours already rolled up). */
export async function rollupAndRetention(ctx: AppContext, trx: import('../../platform/db/database.js').Tx): Promise<{ rolledUntil: string | null; deleted: number }> {
  const now = ctx.clock.now();
  const hourStart = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  const meta = await iotRepo.meta(trx);
  let from = meta.rolled_until ? new Date(meta.rolled_until) : null;
  if (!from) {
    const o = await iotRepo.oldestTelemetry(trx);
    from = o?.ts ? new Date(Math.floor(new Date(o.ts as unknown as string).getTime() / 3_600_000) * 3_600_000) : hourStart;
  }
  if (from < hourStart) await iotRepo.rollup(trx, from, hourStart);
  const cutoff = new Date(Math.min(hourStart.getTime(), now.getTime() - ctx.config.iotRetentionDays * 86_400_000));
  const deleted = await iotRepo.deleteTelemetryBefore(trx, cutoff);
  return { rolledUntil: hourStart.toISOString(), deleted };
}

// ---------------------------------------------------------------- rules

export interface RuleView {
  id: string;
  deviceType: string;
  alarmType: string;
  name: string;
  kind: 'threshold' | 'offline';
  key: string | null;
  op: RuleOp | null;
  threshold: number | null;
  clearThreshold: number | null;
  durationS: number;
  offlineMinutes: number | null;
  severity: Severity;
  severityName: string;
  createCase: boolean;
  categoryCode: string | null;
  enabled: boolean;
  summary: string;
  updatedAt: string;
}

function viewRule(r: RuleRow): RuleView {
  const summary =
    r.kind === 'offline'
      ? `超过 ${r.offline_minutes} 分钟无数据`
      : `${r.key} ${OP_TEXT[r.op!]} ${r.threshold}${r.duration_s ? ` 持续 ${r.duration_s} 秒` : ''}${r.clear_threshold !== null ? `，回到 ${r.clear_threshold} 以内清除` : ''}`;
  return { ...toRule(r), severityName: SEVERITY_NAMES[r.severity], summary, updatedAt: new Date(r.updated_at).toISOString() };
}

export async function listRules(ctx: AppContext, actor: Actor, deviceType?: string): Promise<RuleView[]> {
  requirePermission(actor, 'iot.read');
  return (await iotRepo.listRules(ctx.db, deviceType)).map(viewRule);
}

export interface RuleInput {
  name?: string;
  key?: string | null;
  op?: RuleOp | null;
  threshold?: number | null;
  clearThreshold?: number | null;
  durationS?: number;
  offlineMinutes?: number | null;
  severity?: Severity;
  createCase?: boolean;
  categoryCode?: string | null;
  enabled?: boolean;
}

async function checkRule(ctx: AppContext, r: { kind: string; key: string | null; op: RuleOp | null; threshold: number | null; clear_threshold: number | null; offline_minutes: number | null; category_code: string | null; create_case: boolean; device_type: string }) {
  const problems: Array<{ field: string; message: string }> = [];
  if (r.kind === 'threshold') {
    if (!r.key) problems.push({ field: 'key', message: '阈值规则须指定遥测键' });
    if (!r.op) problems.push({ field: 'op', message: '阈值规则须指定比较方式' });
    if (r.threshold === null) problems.push({ field: 'threshold', message: '阈值规则须指定阈值' });
    if (r.clear_threshold !== null && r.threshold !== null && r.op) {
      if ((r.op === 'gt' || r.op === 'gte') && r.clear_threshold > r.threshold) problems.push({ field: 'clearThreshold', message: '清除阈值须不高于告警阈值（回差）' });
      if ((r.op === 'lt' || r.op === 'lte') && r.clear_threshold < r.threshold) problems.push({ field: 'clearThreshold', message: '清除阈值须不低于告警阈值（回差）' });
    }
  } else if (!r.offline_minutes) problems.push({ field: 'offlineMinutes', message: '离线规则须指定分钟数' });
  if (r.category_code && !(await categoryByCode(ctx, r.category_code))) problems.push({ field: 'categoryCode', message: `分类 ${r.category_code} 不存在` });
  if (r.create_case && !r.category_code && r.device_type !== 'manhole_tilt') problems.push({ field: 'categoryCode', message: '生成案卷的规则须指定事件分类' });
  const keep = HEALTH_DEVICE_TYPES[r.device_type];
  if (keep && r.kind === 'threshold' && r.key && !keep.includes(r.key)) problems.push({ field: 'key', message: `健康设备的体征告警由关爱模块按个人阈值处理，物联网规则只能针对 ${keep.join('、')}` });
  if (problems.length) throw invalid('告警规则有误', problems);
}

export async function createRule(ctx: AppContext, actor: Actor, input: RuleInput & { deviceType: string; alarmType: string; kind: 'threshold' | 'offline'; name: string; severity: Severity }) {
  requirePermission(actor, 'iot.rules.write');
  if (!iotRuntime(ctx).types.has(input.deviceType)) throw invalid('设备类型不存在', [{ field: 'deviceType', message: input.deviceType }]);
  const row: Omit<RuleRow, 'updated_at'> = {
    id: newId(),
    device_type: input.deviceType,
    alarm_type: input.alarmType,
    name: input.name,
    kind: input.kind,
    key: input.kind === 'threshold' ? (input.key ?? null) : null,
    op: input.kind === 'threshold' ? (input.op ?? null) : null,
    threshold: input.kind === 'threshold' ? (input.threshold ?? null) : null,
    clear_threshold: input.kind === 'threshold' ? (input.clearThreshold ?? null) : null,
    duration_s: input.durationS ?? 0,
    offline_minutes: input.kind === 'offline' ? (input.offlineMinutes ?? null) : null,
    severity: input.severity,
    create_case: input.createCase ?? false,
    category_code: input.categoryCode ?? null,
    enabled: input.enabled ?? true,
  };
  await checkRule(ctx, row);
  await withTx(ctx, async (trx) => {
    const dup = await trx.selectFrom('iot_alarm_rules').select('id').where('device_type', '=', row.device_type).where('alarm_type', '=', row.alarm_type).executeTakeFirst();
    if (dup) throw conflict('该设备类型已有同一告警类型的规则', [{ field: 'alarmType', message: '已存在' }]);
    await iotRepo.insertRule(trx, row, ctx.clock.now());
    await iotRepo.bumpRulesVersion(trx);
    await audit(trx, ctx.clock, actor, { action: 'iot.rule.create', entity: 'iot_alarm_rule', entityId: row.id, after: row });
  });
  await iotRuntime(ctx).pipeline.rules.refresh(true);
  return viewRule((await iotRepo.ruleById(ctx.db, row.id))!);
}

export async function updateRule(ctx: AppContext, actor: Actor, id: string, input: RuleInput) {
  requirePermission(actor, 'iot.rules.write');
  const before = await iotRepo.ruleById(ctx.db, id);
  if (!before) throw notFound('告警规则不存在');
  const patch: Partial<RuleRow> = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.key !== undefined) patch.key = input.key;
  if (input.op !== undefined) patch.op = input.op;
  if (input.threshold !== undefined) patch.threshold = input.threshold;
  if (input.clearThreshold !== undefined) patch.clear_threshold = input.clearThreshold;
  if (input.durationS !== undefined) patch.duration_s = input.durationS;
  if (input.offlineMinutes !== undefined) patch.offline_minutes = input.offlineMinutes;
  if (input.severity !== undefined) patch.severity = input.severity;
  if (input.createCase !== undefined) patch.create_case = input.createCase;
  if (input.categoryCode !== undefined) patch.category_code = input.categoryCode;
  if (input.enabled !== undefined) patch.enabled = input.enabled;
  await checkRule(ctx, { ...before, ...patch });
  const after = await withTx(ctx, async (trx) => {
    const a = await iotRepo.updateRule(trx, id, patch, ctx.clock.now());
    await iotRepo.bumpRulesVersion(trx);
    await audit(trx, ctx.clock, actor, { action: 'iot.rule.update', entity: 'iot_alarm_rule', entityId: id, before, after: a });
    return a!;
  });
  await iotRuntime(ctx).pipeline.rules.refresh(true);
  return viewRule(after);
}

// ---------------------------------------------------------------- alarms

export async function viewAlarm(ctx: AppContext, a: AlarmRow & { device_name?: string; type_code?: string; lng?: number; lat?: number; address?: string | null }) {
  const rt = iotRuntime(ctx);
  const rule = rt.pipeline.rules.all().find((r) => r.id === a.rule_id);
  return {
    id: a.id,
    device: { id: a.device_id, name: a.device_name ?? null, type: a.type_code ?? null, typeName: a.type_code ? (rt.types.get(a.type_code)?.name ?? a.type_code) : null, lng: a.lng ?? null, lat: a.lat ?? null, address: a.address ?? null },
    ruleId: a.rule_id,
    name: rule?.name ?? a.alarm_type,
    alarmType: a.alarm_type,
    severity: a.severity,
    severityName: SEVERITY_NAMES[a.severity],
    status: a.status,
    statusName: STATUS_NAMES[a.status],
    startedAt: iso(a.started_at)!,
    clearedAt: iso(a.cleared_at),
    clearedBy: a.cleared_by,
    ackedAt: iso(a.acked_at),
    ackedBy: a.acked_at ? { id: a.acked_by, name: a.acked_by_name } : null,
    firstValue: a.first_value,
    lastValue: a.last_value,
    lastAt: iso(a.last_at)!,
    readings: a.readings,
    caseId: a.case_id,
    casePending: a.case_pending,
    caseError: a.case_error,
  };
}

export interface AlarmQuery {
  status?: AlarmStatus[];
  active?: boolean;
  severity?: Severity[];
  deviceId?: string;
  type?: string;
  alarmType?: string;
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export async function listAlarms(ctx: AppContext, actor: Actor, q: AlarmQuery) {
  requirePermission(actor, 'iot.read');
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const status = q.status ?? (q.active === true ? ['active_unack', 'active_ack'] : q.active === false ? ['cleared_unack', 'cleared_ack'] : undefined);
  const r = await iotRepo.listAlarms(ctx.db, {
    scope: rowScope(actor, 'a.node_path', 'a.department_id') as never,
    status,
    severity: q.severity,
    deviceId: q.deviceId,
    alarmType: q.alarmType,
    typeCode: q.type,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    offset: (page - 1) * pageSize,
    limit: pageSize,
  });
  return { items: await Promise.all(r.items.map((a) => viewAlarm(ctx, a))), total: r.total, page, pageSize };
}

async function alarmInScope(ctx: AppContext, actor: Actor, id: string): Promise<AlarmRow> {
  const a = await iotRepo.alarmById(ctx.db, id);
  if (!a || !canSeeRow(actor, a)) throw notFound('告警不存在或无权查看');
  return a;
}

async function alarmWithDevice(ctx: AppContext, a: AlarmRow) {
  const d = await iotRepo.deviceById(ctx.db, a.device_id);
  return viewAlarm(ctx, { ...a, device_name: d?.name, type_code: d?.type_code, lng: d?.lng, lat: d?.lat, address: d?.address ?? null });
}

export async function getAlarm(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'iot.read');
  return alarmWithDevice(ctx, await alarmInScope(ctx, actor, id));
}

export async function ackAlarm(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'iot.alarms.ack');
  const before = await alarmInScope(ctx, actor, id);
  if (before.status === 'active_ack' || before.status === 'cleared_ack') throw conflict('告警已确认');
  const after = await withTx(ctx, async (trx) => {
    const a = await iotRepo.ackAlarm(trx, id, { id: actor.userId, name: actor.displayName }, ctx.clock.now());
    if (!a) throw conflict('告警状态已变化，请刷新');
    await audit(trx, ctx.clock, actor, { action: 'iot.alarm.ack', entity: 'iot_alarm', entityId: id, before: { status: before.status }, after: { status: a.status } });
    return a;
  });
  return alarmWithDevice(ctx, after);
}

/** Clears an active alarm by hand (the condition must hold again for the rule's duration to raise a new one). */
export async function clearAlarm(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'iot.alarms.ack');
  const before = await alarmInScope(ctx, actor, id);
  if (before.status === 'cleared_unack' || before.status === 'cleared_ack') throw conflict('告警已清除');
  const rt = iotRuntime(ctx);
  const after = await rt.pipeline.runExclusive(() =>
    withTx(ctx, async (trx) => {
      const a = await iotRepo.clearAlarm(trx, id, undefined, ctx.clock.now(), actor.displayName);
      if (!a) throw conflict('告警状态已变化，请刷新');
      await iotRepo.setPending(trx, a.device_id, a.rule_id, null);
      await audit(trx, ctx.clock, actor, { action: 'iot.alarm.clear', entity: 'iot_alarm', entityId: id, before: { status: before.status }, after: { status: a.status } });
      return a;
    }),
  );
  rt.pipeline.forgetDevice(after.device_id);
  const d = await iotRepo.deviceById(ctx.db, after.device_id);
  const rule = rt.pipeline.rules.all().find((r) => r.id === after.rule_id);
  if (d) ctx.events.publish(alarmEvent({ id: after.id, status: 'cleared', alarmType: after.alarm_type, ruleName: rule?.name ?? after.alarm_type, severity: after.severity, clearedBy: 'person' }, { id: d.id, name: d.name, typeCode: d.type_code, nodePath: after.node_path, lng: d.lng, lat: d.lat }, ctx.clock.now()));
  return alarmWithDevice(ctx, after);
}

// ---------------------------------------------------------------- overview

export async function overview(ctx: AppContext, actor: Actor) {
  requirePermission(actor, 'iot.read');
  const scope = rowScope(actor, 'd.node_path', 'd.department_id');
  const byType = await ctx.db
    .selectFrom('iot_devices as d')
    .where(scope as never)
    .select(['d.type_code', sql<number>`count(*)::int`.as('total'), sql<number>`count(*) FILTER (WHERE d.online)::int`.as('online')])
    .groupBy('d.type_code')
    .execute();
  const alarms = await ctx.db
    .selectFrom('iot_alarms as a')
    .where(rowScope(actor, 'a.node_path', 'a.department_id') as never)
    .where('a.status', 'in', ['active_unack', 'active_ack'])
    .select(['a.severity', sql<number>`count(*)::int`.as('n')])
    .groupBy('a.severity')
    .execute();
  const rt = iotRuntime(ctx);
  return {
    devices: byType.map((t) => ({ type: t.type_code, typeName: rt.types.get(t.type_code)?.name ?? t.type_code, total: t.total, online: t.online })),
    activeAlarms: Object.fromEntries((['critical', 'major', 'minor', 'warning'] as Severity[]).map((s) => [s, alarms.find((a) => a.severity === s)?.n ?? 0])),
    broker: brokerStatus(ctx),
    ingest: { ...rt.pipeline.stats },
  };
}

export { departmentById };
