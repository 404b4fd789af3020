import { randomBytes } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { can } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { listCategories, categoryByCode, type Category } from '../dispatch/index.js';
import { reportCase, getCase, listCases, type CaseView, type CaseState } from '../cases/index.js';
import { nodeBriefs } from '../org/index.js';
import { open311Repo } from './repository.js';
import { attributesLine, attributesOf, readAttributes } from './attributes.js';

/** An error in the Open311 shape: an array of {code, description}, with the HTTP status as code. */
export class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 429,
    readonly description: string,
  ) {
    super(description);
  }
}

export function toOpen311Error(err: unknown): Open311Error | null {
  if (err instanceof Open311Error) return err;
  if (err instanceof AppError) {
    const detail = Array.isArray(err.details) ? (err.details as Array<{ field?: string; message?: string }>).map((d) => `${d.field ?? ''} ${d.message ?? ''}`.trim()).join('；') : '';
    const description = detail ? `${err.message}：${detail}` : err.message;
    if (err.kind === 'not_found') return new Open311Error(404, description);
    if (err.kind === 'forbidden' || err.kind === 'unauthenticated') return new Open311Error(403, description);
    if (err.kind === 'rate_limited') return new Open311Error(429, description);
    if (err.kind === 'invalid' || err.kind === 'conflict' || err.kind === 'too_large') return new Open311Error(400, description);
  }
  return null;
}

// ---------------------------------------------------------------- services

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

function serviceOf(c: Category): Open311Service {
  return { service_code: c.code, service_name: c.name, description: c.description, metadata: true, type: 'realtime', keywords: [c.name, c.group].join(','), group: c.group };
}

export async function listServices(ctx: AppContext): Promise<Open311Service[]> {
  return (await listCategories(ctx)).filter((c) => c.active).map(serviceOf);
}

export async function serviceDefinition(ctx: AppContext, code: string) {
  const c = await categoryByCode(ctx, code);
  if (!c || !c.active) throw new Open311Error(404, `服务 ${code} 不存在`);
  return { service_code: c.code, attributes: attributesOf(c) };
}

// ---------------------------------------------------------------- requests

/** FixMyStreet's extended statuses for each case state; the spec's status is open or closed. */
const EXTENDED: Record<CaseState, { status: 'open' | 'closed'; extended: string }> = {
  reported: { status: 'open', extended: 'OPEN' },
  filed: { status: 'open', extended: 'INVESTIGATING' },
  dispatched: { status: 'open', extended: 'ACTION_SCHEDULED' },
  accepted: { status: 'open', extended: 'IN_PROGRESS' },
  returned: { status: 'open', extended: 'INTERNAL_REFERRAL' },
  resolved: { status: 'open', extended: 'IN_PROGRESS' },
  rework: { status: 'open', extended: 'IN_PROGRESS' },
  suspended: { status: 'open', extended: 'ACTION_SCHEDULED' },
  closed: { status: 'closed', extended: 'FIXED' },
  rejected: { status: 'closed', extended: 'NOT_COUNCILS_RESPONSIBILITY' },
  merged: { status: 'closed', extended: 'DUPLICATE' },
};
export const EXTENDED_STATUSES = [...new Set(Object.values(EXTENDED).map((e) => e.extended))];

const MEDIA_MARK = '\n图片链接：';
/** The answers to the service's attributes, kept as one line of the case description (before the media line). */
const ATTR_MARK = '\n补充信息：';
const PUBLIC_NOTE_ACTIONS = ['rejected', 'resolved', 'closed', 'reopened'];

export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string | null;
  service_name: string | null;
  service_code: string | null;
  description: string;
  agency_responsible: string | null;
  service_notice: string | null;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string | null;
  address_id: string | null;
  zipcode: string | null;
  lat: number;
  long: number;
  media_url: string | null;
  extended_attributes: { status: string; state: string; state_name: string };
}

export function presentRequest(v: CaseView): Open311Request {
  const m = EXTENDED[v.state];
  const cut = v.description.indexOf(MEDIA_MARK);
  const attrCut = v.description.indexOf(ATTR_MARK);
  const ends = [cut, attrCut].filter((i) => i >= 0);
  const description = ends.length ? v.description.slice(0, Math.min(...ends)) : v.description;
  const media = cut >= 0 ? v.description.slice(cut + MEDIA_MARK.length).trim() : null;
  const times = [v.reportedAt, v.filedAt, v.dispatchedAt, v.acceptedAt, v.resolvedAt, v.closedAt, ...(v.timeline ?? []).map((e) => e.at)].filter((x): x is string => !!x).sort();
  const notes = (v.timeline ?? []).filter((e) => PUBLIC_NOTE_ACTIONS.includes(e.action) && e.note);
  return {
    service_request_id: v.number,
    status: m.status,
    status_notes: notes.length ? notes[notes.length - 1]!.note : null,
    service_name: v.category?.name ?? null,
    service_code: v.category?.code ?? null,
    description,
    agency_responsible: v.department?.name ?? null,
    service_notice: v.category ? `处置时限 ${v.category.limitHours} 小时` : null,
    requested_datetime: v.reportedAt,
    updated_datetime: times[times.length - 1] ?? v.reportedAt,
    expected_datetime: v.deadlineAt,
    address: v.address,
    address_id: null,
    zipcode: null,
    lat: v.location.lat,
    long: v.location.lng,
    media_url: media || null,
    extended_attributes: { status: m.extended, state: v.state, state_name: v.stateName },
  };
}

export type Form = Record<string, string | string[] | undefined>;
const one = (f: Form, k: string): string | undefined => {
  const v = f[k];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined;
};

/** Finds a point for an address given without coordinates: the most specific org node named in it. */
async function geocode(ctx: AppContext, address: string): Promise<{ lng: number; lat: number } | null> {
  const nodes = await nodeBriefs(ctx.db, { levels: ['community', 'estate', 'building'] });
  const named = nodes.filter((n) => n.name.length >= 2 && address.includes(n.name)).sort((a, b) => b.path.length - a.path.length || b.name.length - a.name.length);
  for (const n of named) {
    if (n.lng != null && n.lat != null) return { lng: n.lng, lat: n.lat };
    const b = nodes.find((x) => x.level === 'building' && x.path.startsWith(n.path + '/') && x.lng != null && x.lat != null);
    if (b) return { lng: b.lng!, lat: b.lat! };
  }
  return null;
}

export async function submitRequest(ctx: AppContext, actor: Actor, f: Form): Promise<{ service_request_id?: string; token?: string; service_notice: string; account_id: null }> {
  if (!can(actor, 'open311.submit')) throw new Open311Error(403, 'API 密钥无权提交诉求（需要 open311.submit 权限）');
  const code = one(f, 'service_code');
  if (!code) throw new Open311Error(400, 'service_code 为必填项');
  const cat = await categoryByCode(ctx, code);
  if (!cat || !cat.active) throw new Open311Error(404, `服务 ${code} 不存在`);
  const description = one(f, 'description');
  if (!description) throw new Open311Error(400, 'description 为必填项');
  if (description.length > 1800) throw new Open311Error(400, 'description 不能超过 1800 字');
  const latS = one(f, 'lat');
  const lngS = one(f, 'long');
  const address = one(f, 'address_string');
  let location: { lng: number; lat: number } | null = null;
  if (latS !== undefined || lngS !== undefined) {
    const lat = Number(latS);
    const lng = Number(lngS);
    if (latS === undefined || lngS === undefined || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) throw new Open311Error(400, 'lat 与 long 须同时提供且为有效坐标');
    location = { lng, lat };
  } else if (address) {
    location = await geocode(ctx, address);
    if (!location) throw new Open311Error(400, `无法根据地址定位：${address}，请提供 lat/long`);
  } else {
    throw new Open311Error(400, '须提供位置：lat/long 或 address_string');
  }
  if (address && address.length > 500) throw new Open311Error(400, 'address_string 不能超过 500 字');
  const media = one(f, 'media_url');
  if (media) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(media).protocol) && media.length <= 1000;
    } catch {
      ok = false;
    }
    if (!ok) throw new Open311Error(400, 'media_url 须为 http(s) 地址');
  }
  const attrs = attributesOf(cat);
  const answers = readAttributes(attrs, f);
  if (typeof answers === 'string') throw new Open311Error(400, answers);
  const hazard = answers.find((a) => a.code === 'hazard')?.keys[0];
  const attrLine = answers.length ? `${ATTR_MARK}${attributesLine(attrs, answers)}` : '';
  const fullDescription = `${description}${attrLine}${media ? `${MEDIA_MARK}${media}` : ''}`;
  if (fullDescription.length > 2000) throw new Open311Error(400, 'description 与属性、media_url 合计不能超过 2000 字');
  const phone = one(f, 'phone');
  const name = [one(f, 'last_name'), one(f, 'first_name')].filter(Boolean).join('') || null;
  const view = await reportCase(ctx, actor, {
    channel: 'api',
    description: fullDescription,
    location,
    address: address ?? null,
    categoryCode: cat.code,
    priority: hazard === 'yes' ? 'high' : null,
    reporter: phone || name ? { name, phone: phone ?? null } : null,
    source: null,
  });
  const notice = `已受理，案卷编号将在分拨后生成；处置时限 ${cat.limitHours} 小时`;
  if (view.state === 'reported') {
    // waits for a dispatcher: the service_request_id is answered once a person has triaged it
    const token = randomBytes(12).toString('base64url');
    await withTx(ctx, (trx) => open311Repo.insertToken(trx, { token, case_id: view.id, created_at: ctx.clock.now() }));
    return { token, service_notice: notice, account_id: null };
  }
  return { service_request_id: view.number, service_notice: `已派遣至${view.department?.name ?? '处置部门'}，处置时限 ${cat.limitHours} 小时`, account_id: null };
}

export async function resolveToken(ctx: AppContext, token: string): Promise<{ token: string; service_request_id?: string }> {
  const row = await open311Repo.token(ctx.db, token);
  if (!row) throw new Open311Error(404, '令牌不存在');
  const v = await getCase(ctx, systemActor(), row.case_id);
  return v.state === 'reported' ? { token } : { token, service_request_id: v.number };
}

async function caseByNumber(ctx: AppContext, number: string): Promise<CaseView | null> {
  if (!/^\d{13}$/.test(number)) return null;
  const page = await listCases(ctx, systemActor(), { q: number, page: 1, pageSize: 5 });
  const hit = page.items.find((c) => c.number === number);
  return hit ? getCase(ctx, systemActor(), hit.id) : null;
}

export async function getRequest(ctx: AppContext, id: string): Promise<Open311Request> {
  const v = await caseByNumber(ctx, id);
  if (!v) throw new Open311Error(404, `诉求 ${id} 不存在`);
  return presentRequest(v);
}

const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 90;
/** GET requests answers at most this many rows (newest first), read from cases REQUESTS_PAGE at a time. */
export const MAX_REQUESTS = 1000;
const REQUESTS_PAGE = 200;

export async function listRequests(ctx: AppContext, q: { service_request_id?: string; service_code?: string; start_date?: string; end_date?: string; status?: string }): Promise<Open311Request[]> {
  if (q.service_request_id) {
    const ids = q.service_request_id.split(',').map((s) => s.trim()).filter(Boolean);
    if (ids.length > 100) throw new Open311Error(400, 'service_request_id 一次最多 100 个');
    const out: Open311Request[] = [];
    for (const id of ids) {
      const v = await caseByNumber(ctx, id);
      if (v) out.push(presentRequest(v));
    }
    return out;
  }
  const parse = (s: string | undefined, name: string) => {
    if (!s) return null;
    const d = new Date(s);
    if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) throw new Open311Error(400, `${name} 须为 ISO-8601 日期时间`);
    return d;
  };
  let end = parse(q.end_date, 'end_date');
  let start = parse(q.start_date, 'start_date');
  // the spec's default window is the last 90 days; an explicit window may not exceed it
  if (!end) end = start ? new Date(start.getTime() + MAX_RANGE_DAYS * DAY) : ctx.clock.now();
  if (!start) start = new Date(end.getTime() - MAX_RANGE_DAYS * DAY);
  if (end.getTime() < start.getTime()) throw new Open311Error(400, 'end_date 不能早于 start_date');
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY) throw new Open311Error(400, `start_date 与 end_date 相差不能超过 ${MAX_RANGE_DAYS} 天`);
  const statuses = q.status ? q.status.split(',').map((s) => s.trim().toLowerCase()) : [];
  if (statuses.some((s) => s !== 'open' && s !== 'closed')) throw new Open311Error(400, 'status 须为 open 或 closed');
  const states = statuses.length ? (Object.keys(EXTENDED) as CaseState[]).filter((s) => statuses.includes(EXTENDED[s].status)) : undefined;
  const codes = q.service_code ? [...new Set(q.service_code.split(',').map((s) => s.trim()).filter(Boolean))] : [undefined];
  if (codes.length > 100) throw new Open311Error(400, 'service_code 一次最多 100 个');
  const out: Open311Request[] = [];
  for (const code of codes) {
    // newest first, page by page, until MAX_REQUESTS rows of this service or the last page
    let taken = 0;
    for (let page = 1; taken < MAX_REQUESTS; page++) {
      const p = await listCases(ctx, systemActor(), { state: states, category: code, from: start.toISOString(), to: new Date(end.getTime() + 1).toISOString(), page, pageSize: REQUESTS_PAGE });
      const items = p.items.slice(0, MAX_REQUESTS - taken);
      out.push(...items.map(presentRequest));
      taken += items.length;
      if (p.items.length < REQUESTS_PAGE) break;
    }
  }
  return out.sort((a, b) => b.requested_datetime.localeCompare(a.requested_datetime) || b.service_request_id.localeCompare(a.service_request_id)).slice(0, MAX_REQUESTS);
}
