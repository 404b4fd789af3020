import ExcelJS from 'exceljs';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import { jobActor, type Actor } from '../../platform/auth/actor.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, pathWithin, scopeOf } from '../../platform/auth/scope.js';
import { audit, logDataAccess } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskPhone } from '../../platform/crypto.js';
import { getClassifier, listCategories } from '../dispatch/index.js';
import { listDepartments, locatePoint, nodeBriefs, type NodeBrief } from '../org/index.js';
import { FIELD_NAMES, FIELDS, readSheet, suggestMapping, type Field, type Mapping, type SheetData } from './imports-file.js';
import { externalRepo, type ExternalImportRow, type ExternalImportStatus, type ExternalRecordRow, type ExternalSource, type PathFilter, type RecordFilter, type RowError } from './imports-repository.js';

/**
 * Import of external records for analysis: 12345 hotline work orders and petition (信访) records
 * from CSV or XLSX. The same shape as grid-work's resident import (docs/decisions/0015):
 *
 *   upload  → the file is read, the columns are matched to fields from their Chinese header names,
 *             and every row is validated, classified and located: a preview with each bad row's
 *             number and Chinese reasons. Nothing is imported yet; the file is kept encrypted.
 *   mapping → the user corrects the column mapping; the rows are prepared again.
 *   commit  → a durable job (analytics.external-import) writes the prepared rows batch by batch,
 *             recording progress after each batch, and audits each batch.
 *
 * Records are keyed by (source, external number): a re-import updates them, never duplicates them.
 * Reporters' phone numbers are encrypted at rest (with a blind index for repeat-caller counts) and
 * shown masked; revealing one needs `pii.reveal` and is logged.
 *
 * Classification and locating happen while preparing (outside any transaction: the spatial index and
 * the classifier are in memory), so the job only writes rows.
 */

export const EXTERNAL_IMPORT_JOB = 'analytics.external-import';
/** Rows per job run: each run writes one batch in one transaction and records progress. */
export const EXTERNAL_IMPORT_BATCH = 500;

export const SOURCE_NAMES: Record<ExternalSource, string> = { '12345': '12345 热线', petition: '信访' };
const STATUS_NAMES: Record<ExternalImportStatus, string> = { preview: '待确认', queued: '排队中', running: '导入中', done: '已完成', failed: '失败', cancelled: '已取消' };
const REQUIRED: Field[] = ['externalNo', 'receivedAt', 'content'];

// ---------------------------------------------------------------- values

/** 12345 / 市民热线 / 热线 → '12345'; 信访 / 来信 / 来访 / 网上信访 → 'petition'. */
export function sourceOf(text: string): ExternalSource | null {
  const t = text.replace(/\s/g, '').toLowerCase();
  if (!t) return null;
  if (t === '12345' || t.includes('12345') || t.includes('热线') || t === 'hotline') return '12345';
  if (t === 'petition' || t.includes('信访') || ['来信', '来访', '网信', '网上信访', '领导信箱'].includes(t)) return 'petition';
  return null;
}

/**
 * A date-time written in Asia/Shanghai: 2026-11-01 09:30[:00], 2026/11/1 9:30, 2026.11.01,
 * 2026年11月1日 9时30分, an ISO instant with a zone, or an Excel serial number. Null when unreadable.
 */
export function parseShanghaiTime(text: string): Date | null {
  const s = text.trim();
  if (!s) return null;
  if (/^\d{5}(\.\d+)?$/.test(s)) {
    // Excel serial: days since 1899-12-30, wall-clock time
    const ms = Math.round((Number(s) - 25569) * 86_400_000);
    return new Date(ms - 8 * 3_600_000);
  }
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(s) && /T/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = s.match(/^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[\sT]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?(?:\.\d+)?秒?)?$/);
  if (!m) return null;
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  const Y = Number(y),
    M = Number(mo),
    D = Number(d),
    H = Number(h),
    I = Number(mi),
    S = Number(se);
  if (M < 1 || M > 12 || D < 1 || D > 31 || H > 23 || I > 59 || S > 59 || Y < 1990 || Y > 2100) return null;
  const utc = Date.UTC(Y, M - 1, D, H, I, S);
  const back = new Date(utc);
  if (back.getUTCMonth() !== M - 1 || back.getUTCDate() !== D) return null; // 2026-02-30
  return new Date(utc - 8 * 3_600_000);
}

/** 满意 / 基本满意 / 非常满意 → true; 不满意 / 非常不满意 → false; 1–5 stars: 4 and 5 are satisfied. */
export function satisfiedOf(text: string): boolean | null {
  const t = text.replace(/\s/g, '');
  if (!t) return null;
  if (/不满意|差评/.test(t)) return false;
  if (/满意|好评/.test(t)) return true;
  if (/^[1-5](\.0)?$/.test(t)) return Number(t) >= 4;
  return null;
}


// ---------------------------------------------------------------- preparing rows

export interface PreparedRow {
  row: number;
  source: ExternalSource;
  externalNo: string;
  receivedAt: string;
  content: string;
  address: string | null;
  phone: string | null;
  categoryCode: string | null;
  categoryRaw: string | null;
  categoryBy: 'file' | 'classifier' | null;
  categoryConfidence: number | null;
  lng: number | null;
  lat: number | null;
  gridId: string | null;
  nodePath: string;
  locatedBy: 'point' | 'building' | 'estate' | 'community' | null;
  locatedName: string | null;
  departmentName: string | null;
  departmentId: string | null;
  status: string | null;
  closedAt: string | null;
  satisfaction: string | null;
  satisfied: boolean | null;
  /** a record with this source and number is already stored (it will be updated) */
  exists: boolean;
}

interface Places {
  estates: NodeBrief[];
  communities: NodeBrief[];
  buildingsOf: Map<string, NodeBrief[]>;
  gridsOf: Map<string, NodeBrief[]>;
  gridByPath: Map<string, NodeBrief>;
}

async function loadPlaces(ctx: AppContext): Promise<Places> {
  const nodes = await nodeBriefs(ctx.db, { levels: ['community', 'estate', 'grid', 'building'] });
  const byLen = (a: NodeBrief, b: NodeBrief) => b.name.length - a.name.length;
  const estates = nodes.filter((n) => n.level === 'estate').sort(byLen);
  const parentPath = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const estateOf = (p: string) => estates.find((e) => pathWithin(p, e.path));
  const buildingsOf = new Map<string, NodeBrief[]>();
  const gridsOf = new Map<string, NodeBrief[]>();
  const gridByPath = new Map<string, NodeBrief>();
  for (const n of nodes) {
    if (n.level === 'grid') gridByPath.set(n.path, n);
    if (n.level !== 'building' && n.level !== 'grid') continue;
    const e = estateOf(parentPath(n.path)) ?? estateOf(n.path);
    if (!e) continue;
    const m = n.level === 'building' ? buildingsOf : gridsOf;
    m.set(e.id, [...(m.get(e.id) ?? []), n]);
  }
  for (const list of buildingsOf.values()) list.sort(byLen);
  return { estates, communities: nodes.filter((n) => n.level === 'community').sort(byLen), buildingsOf, gridsOf, gridByPath };
}

/** The address → a building (its grid), else an estate (its grid when it has one), else a community. */
function locateAddress(places: Places, address: string): Pick<PreparedRow, 'gridId' | 'nodePath' | 'locatedBy' | 'locatedName'> | null {
  const a = address.replace(/\s/g, '');
  const estate = places.estates.find((e) => a.includes(e.name));
  if (estate) {
    const b = (places.buildingsOf.get(estate.id) ?? []).find((x) => a.includes(x.name));
    const grid = b ? places.gridByPath.get(b.path.slice(0, b.path.lastIndexOf('/'))) : undefined;
    if (grid) return { gridId: grid.id, nodePath: grid.path, locatedBy: 'building', locatedName: grid.name };
    const grids = places.gridsOf.get(estate.id) ?? [];
    if (grids.length === 1) return { gridId: grids[0]!.id, nodePath: grids[0]!.path, locatedBy: 'estate', locatedName: grids[0]!.name };
    return { gridId: null, nodePath: estate.path, locatedBy: 'estate', locatedName: estate.name };
  }
  const c = places.communities.find((x) => a.includes(x.name));
  if (c) return { gridId: null, nodePath: c.path, locatedBy: 'community', locatedName: c.name };
  return null;
}

export function mappingProblems(headers: string[], mapping: Mapping, defaultSource: ExternalSource | null): string[] {
  const out: string[] = [];
  for (const f of FIELDS) {
    const i = mapping[f];
    if (i !== undefined && i !== null && (!Number.isInteger(i) || i < 0 || i >= headers.length)) out.push(`“${FIELD_NAMES[f]}”对应的列不存在`);
  }
  for (const f of REQUIRED) if (mapping[f] === undefined || mapping[f] === null) out.push(`请为“${FIELD_NAMES[f]}”选择一列`);
  if ((mapping.source === undefined || mapping.source === null) && !defaultSource) out.push('请选择“来源”列，或指定整个文件的来源（12345 热线或信访）');
  if ((mapping.lng ?? null) === null !== ((mapping.lat ?? null) === null)) out.push('经度和纬度须同时选择');
  return out;
}

interface ImportScope {
  /** '' = the whole tree */
  path: string;
}
const covers = (scope: ImportScope, path: string) => scope.path === '' || pathWithin(path, scope.path);

/**
 * Validates, classifies and locates every row. Rows with problems are listed with their row numbers
 * and Chinese reasons; the others are returned prepared for insertion.
 */
export async function prepareRows(ctx: AppContext, scope: ImportScope, sheet: SheetData, mapping: Mapping, defaultSource: ExternalSource | null): Promise<{ prepared: PreparedRow[]; errors: RowError[] }> {
  const [places, categories, departments] = await Promise.all([loadPlaces(ctx), listCategories(ctx), listDepartments(ctx)]);
  const catByCode = new Map(categories.map((c) => [c.code.toUpperCase(), c]));
  const catByName = new Map(categories.map((c) => [c.name, c]));
  const deptByKey = new Map<string, { id: string; name: string }>();
  for (const d of departments) {
    deptByKey.set(d.name, d);
    deptByKey.set(d.code.toUpperCase(), d);
  }
  const clf = getClassifier();
  const get = (cells: string[], f: Field) => {
    const i = mapping[f];
    return i === undefined || i === null ? '' : (cells[i] ?? '').trim();
  };
  const now = ctx.clock.now();
  const seen = new Map<string, number>();
  const candidates: Array<PreparedRow & { key: string }> = [];
  const errors: RowError[] = [];

  for (const { row, cells } of sheet.rows) {
    const reasons: string[] = [];
    const externalNo = get(cells, 'externalNo');
    const sourceText = get(cells, 'source');
    let source: ExternalSource | null = null;
    if (sourceText) {
      source = sourceOf(sourceText);
      if (!source) reasons.push(`未知来源“${sourceText.slice(0, 20)}”（应为 12345 热线或信访）`);
    } else if (defaultSource) source = defaultSource;
    else reasons.push('来源为必填项');
    if (!externalNo) reasons.push('工单编号为必填项');
    else if (externalNo.length > 64) reasons.push('工单编号不能超过 64 个字符');
    const receivedText = get(cells, 'receivedAt');
    const receivedAt = parseShanghaiTime(receivedText);
    if (!receivedText) reasons.push('受理时间为必填项');
    else if (!receivedAt) reasons.push(`受理时间“${receivedText.slice(0, 30)}”格式不正确（如 2026-11-01 09:30）`);
    else if (receivedAt.getTime() > now.getTime() + 86_400_000) reasons.push('受理时间晚于当前时间');
    const content = get(cells, 'content');
    if (!content) reasons.push('诉求内容为必填项');
    else if (content.length > 4000) reasons.push('诉求内容不能超过 4000 字');
    const address = get(cells, 'address') || null;
    if (address && address.length > 300) reasons.push('诉求地址不能超过 300 字');
    const phoneText = get(cells, 'phone');
    const phone = phoneText ? phoneText.replace(/[\s\-()（）]/g, '') : null;
    if (phone && !/^\+?\d{5,20}$/.test(phone)) reasons.push('来电号码格式不正确');
    const closedText = get(cells, 'closedAt');
    const closedAt = closedText ? parseShanghaiTime(closedText) : null;
    if (closedText && !closedAt) reasons.push(`办结时间“${closedText.slice(0, 30)}”格式不正确（如 2026-11-03 17:00）`);
    else if (closedAt && receivedAt && closedAt.getTime() < receivedAt.getTime()) reasons.push('办结时间早于受理时间');
    const lngText = get(cells, 'lng');
    const latText = get(cells, 'lat');
    let lng: number | null = null;
    let lat: number | null = null;
    if (lngText || latText) {
      lng = Number(lngText);
      lat = Number(latText);
      if (!lngText || !latText || !Number.isFinite(lng) || !Number.isFinite(lat) || Math.abs(lng) > 180 || Math.abs(lat) > 90) {
        reasons.push('经纬度格式不正确');
        lng = lat = null;
      }
    }
    const status = get(cells, 'status') || null;
    if (status && status.length > 30) reasons.push('办理状态不能超过 30 字');
    const satisfaction = get(cells, 'satisfaction') || null;
    if (satisfaction && satisfaction.length > 30) reasons.push('满意度不能超过 30 字');
    const departmentName = get(cells, 'department') || null;
    if (departmentName && departmentName.length > 100) reasons.push('办理部门不能超过 100 字');

    const key = `${source}\u0000${externalNo}`;
    if (source && externalNo) {
      const first = seen.get(key);
      if (first !== undefined) reasons.push(`工单编号与第 ${first} 行重复`);
      else seen.set(key, row);
    }
    if (reasons.length) {
      errors.push({ row, externalNo: externalNo || null, reasons });
      continue;
    }

    // category: a code or a name from the file, else the classifier on the text (as intake does)
    const categoryRaw = get(cells, 'category') || null;
    const fromFile = categoryRaw ? (catByCode.get(categoryRaw.toUpperCase()) ?? catByName.get(categoryRaw)) : undefined;
    let categoryCode: string | null = fromFile?.code ?? null;
    let categoryBy: PreparedRow['categoryBy'] = fromFile ? 'file' : null;
    let categoryConfidence: number | null = null;
    if (!fromFile) {
      const best = clf.predict(content).top[0];
      if (best) {
        categoryCode = best.code;
        categoryBy = 'classifier';
        categoryConfidence = Math.round(best.confidence * 1000) / 1000;
      }
    }

    // place: the point's grid, else the address, else the importer's own scope (not located)
    let place: Pick<PreparedRow, 'gridId' | 'nodePath' | 'locatedBy' | 'locatedName'> | null = null;
    if (lng !== null && lat !== null) {
      const loc = await locatePoint(ctx, lng, lat);
      if (loc.grid) place = { gridId: loc.grid.id, nodePath: loc.grid.path, locatedBy: 'point', locatedName: loc.grid.name };
    }
    if (!place && address) place = locateAddress(places, address);
    if (place && !covers(scope, place.nodePath)) {
      errors.push({ row, externalNo, reasons: [`诉求位置（${place.locatedName}）不在您的管辖范围`] });
      continue;
    }
    const dept = departmentName ? deptByKey.get(departmentName) ?? deptByKey.get(departmentName.toUpperCase()) : undefined;
    candidates.push({
      key,
      row,
      source: source!,
      externalNo,
      receivedAt: receivedAt!.toISOString(),
      content,
      address,
      phone,
      categoryCode,
      categoryRaw,
      categoryBy,
      categoryConfidence,
      lng,
      lat,
      gridId: place?.gridId ?? null,
      nodePath: place?.nodePath ?? scope.path,
      locatedBy: place?.locatedBy ?? null,
      locatedName: place?.locatedName ?? null,
      departmentName,
      departmentId: dept?.id ?? null,
      status,
      closedAt: closedAt ? closedAt.toISOString() : null,
      satisfaction,
      satisfied: satisfaction ? satisfiedOf(satisfaction) : null,
      exists: false,
    });
  }

  // numbers already stored: updated when inside the importer's scope, refused otherwise
  const existing = await externalRepo.existingKeys(ctx.db, candidates.map((c) => ({ source: c.source, externalNo: c.externalNo })));
  const prepared: PreparedRow[] = [];
  for (const { key, ...c } of candidates) {
    const e = existing.get(key);
    if (e && !covers(scope, e.node_path)) {
      errors.push({ row: c.row, externalNo: c.externalNo, reasons: ['该工单编号已由其他辖区导入，不在您的管辖范围'] });
      continue;
    }
    prepared.push({ ...c, exists: !!e });
  }
  errors.sort((a, b) => a.row - b.row);
  return { prepared, errors };
}

// ---------------------------------------------------------------- views

/** What an external record says, the same in an import's preview and in the stored record's view. */
interface RecordFields {
  source: ExternalSource;
  sourceName: string;
  externalNo: string;
  receivedAt: string;
  content: string;
  address: string | null;
  /** masked */
  phone: string | null;
  categoryCode: string | null;
  categoryName: string | null;
  categoryBy: 'file' | 'classifier' | null;
  department: string | null;
  status: string | null;
  closedAt: string | null;
  satisfaction: string | null;
}

export interface PreviewRow extends RecordFields {
  row: number;
  grid: string | null;
  locatedBy: PreparedRow['locatedBy'];
  exists: boolean;
}

export interface ExternalImportView {
  id: string;
  fileName: string | null;
  fileKind: 'csv' | 'xlsx';
  status: ExternalImportStatus;
  statusName: string;
  headers: string[];
  mapping: Mapping;
  defaultSource: ExternalSource | null;
  /** what must be fixed in the column mapping before committing */
  mappingProblems: string[];
  totalRows: number;
  validRows: number;
  processed: number;
  inserted: number;
  updated: number;
  /** 0..100 */
  progress: number;
  errors: RowError[];
  errorCount: number;
  message: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** preview only: the first rows as they will be imported, and the raw cells of the first rows */
  sample?: PreviewRow[];
  rawSample?: Array<{ row: number; cells: string[] }>;
  newRows?: number;
  updateRows?: number;
}

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

function viewImport(r: Omit<ExternalImportRow, 'file_enc' | 'prepared_enc' | 'errors' | 'headers' | 'mapping'> & { errors?: RowError[]; headers?: string[]; mapping?: Mapping }): ExternalImportView {
  const errors = r.errors ?? [];
  const headers = r.headers ?? [];
  const mapping = r.mapping ?? {};
  return {
    id: r.id,
    fileName: r.file_name,
    fileKind: r.file_kind,
    status: r.status,
    statusName: STATUS_NAMES[r.status],
    headers,
    mapping,
    defaultSource: r.default_source,
    mappingProblems: r.status === 'preview' && r.headers ? mappingProblems(headers, mapping, r.default_source) : [],
    totalRows: r.total_rows,
    validRows: r.valid_rows,
    processed: r.processed,
    inserted: r.inserted,
    updated: r.updated,
    progress: r.status === 'done' ? 100 : r.valid_rows ? Math.min(99, Math.floor((r.processed / r.valid_rows) * 100)) : 0,
    errors,
    errorCount: errors.length,
    message: r.message,
    createdBy: r.created_name,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

async function previewExtras(ctx: AppContext, sheet: SheetData, mapping: Mapping, prepared: PreparedRow[]): Promise<Pick<ExternalImportView, 'sample' | 'rawSample' | 'newRows' | 'updateRows'>> {
  const cats = new Map((await listCategories(ctx)).map((c) => [c.code, c.name]));
  const phoneCol = mapping.phone ?? null;
  const maskCell = (c: string, i: number) => (i === phoneCol || /^1[3-9]\d{9}$/.test(c.replace(/[\s-]/g, '')) ? (maskPhone(c) ?? '') : c);
  return {
    newRows: prepared.filter((p) => !p.exists).length,
    updateRows: prepared.filter((p) => p.exists).length,
    rawSample: sheet.rows.slice(0, 5).map((r) => ({ row: r.row, cells: r.cells.map(maskCell) })),
    sample: prepared.slice(0, 10).map((p) => ({
      row: p.row,
      source: p.source,
      sourceName: SOURCE_NAMES[p.source],
      externalNo: p.externalNo,
      receivedAt: p.receivedAt,
      content: p.content.length > 80 ? p.content.slice(0, 80) + '…' : p.content,
      address: p.address,
      phone: maskPhone(p.phone),
      categoryCode: p.categoryCode,
      categoryName: p.categoryCode ? (cats.get(p.categoryCode) ?? null) : null,
      categoryBy: p.categoryBy,
      grid: p.locatedName,
      locatedBy: p.locatedBy,
      department: p.departmentName,
      status: p.status,
      closedAt: p.closedAt,
      satisfaction: p.satisfaction,
      exists: p.exists,
    })),
  };
}

// ---------------------------------------------------------------- the import steps

function importScopeOf(actor: Actor): ImportScope {
  const s = scopeOf(actor);
  if (s.kind === 'all') return { path: '' };
  if (s.kind === 'subtree') return { path: s.path };
  throw forbidden('您没有可导入的辖区');
}

async function importFor(ctx: AppContext, actor: Actor, id: string): Promise<ExternalImportRow> {
  const r = await externalRepo.importById(ctx.db, id);
  if (!r) throw notFound('导入任务不存在');
  if (actor.userId !== r.created_by && !covers(importScopeOf(actor), r.node_path)) throw notFound('导入任务不存在');
  return r;
}

const readStored = async (ctx: AppContext, r: ExternalImportRow): Promise<SheetData> => {
  if (!r.file_enc) throw conflict('导入文件已不再保存');
  return readSheet(Buffer.from(ctx.cipher.decrypt(r.file_enc), 'base64'), r.file_name);
};

function cleanMapping(m: Mapping): Mapping {
  const out: Mapping = {};
  for (const f of FIELDS) if (m[f] !== undefined && m[f] !== null) out[f] = m[f];
  return out;
}

/** Step 1: read the file, suggest the mapping, validate every row; nothing is imported yet. */
export async function uploadImport(ctx: AppContext, actor: Actor, file: { fileName?: string; data: Buffer }, opts: { source?: ExternalSource | null } = {}): Promise<ExternalImportView> {
  requirePermission(actor, 'analytics.import');
  const scope = importScopeOf(actor);
  const sheet = await readSheet(file.data, file.fileName);
  const mapping = suggestMapping(sheet.headers);
  const defaultSource = opts.source ?? guessSource(file.fileName, sheet.headers);
  const problems = mappingProblems(sheet.headers, mapping, defaultSource);
  const { prepared, errors } = problems.length ? { prepared: [], errors: [] } : await prepareRows(ctx, scope, sheet, mapping, defaultSource);
  const now = ctx.clock.now();
  const row = {
    id: newId(),
    created_by: actor.userId,
    created_name: actor.displayName,
    node_path: scope.path,
    file_name: file.fileName?.slice(0, 200) ?? null,
    file_kind: sheet.kind,
    file_enc: ctx.cipher.encrypt(file.data.toString('base64')),
    prepared_enc: problems.length ? null : ctx.cipher.encrypt(JSON.stringify(prepared)),
    headers: JSON.stringify(sheet.headers),
    mapping: JSON.stringify(mapping),
    default_source: defaultSource,
    status: 'preview' as const,
    total_rows: sheet.rows.length,
    valid_rows: prepared.length,
    processed: 0,
    inserted: 0,
    updated: 0,
    errors: JSON.stringify(errors),
    message: null,
    created_at: now,
    started_at: null,
    finished_at: null,
  };
  await withTx(ctx, async (trx) => {
    await externalRepo.insertImport(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'external.import.upload', entity: 'external_import', entityId: row.id, after: { fileName: row.file_name, fileKind: sheet.kind, totalRows: sheet.rows.length, validRows: prepared.length, errorRows: errors.length } });
  });
  return { ...viewImport({ ...row, headers: sheet.headers, mapping, errors }), ...(await previewExtras(ctx, sheet, mapping, prepared)) };
}

/** A file named …12345… or …信访…, or a header naming one of them, gives the default source. */
function guessSource(fileName: string | undefined, headers: string[]): ExternalSource | null {
  const probe = [fileName ?? '', ...headers].join(' ');
  const hot = /12345|热线/.test(probe);
  const pet = /信访|来信|来访/.test(probe);
  return hot === pet ? null : hot ? '12345' : 'petition';
}

/** Step 1b: the user's column mapping; every row is prepared again. */
export async function setImportMapping(ctx: AppContext, actor: Actor, id: string, input: { mapping: Mapping; defaultSource?: ExternalSource | null }): Promise<ExternalImportView> {
  requirePermission(actor, 'analytics.import');
  const r = await importFor(ctx, actor, id);
  if (r.status !== 'preview') throw conflict(`该导入任务${STATUS_NAMES[r.status]}，不能再修改列映射`);
  const scope = { path: r.node_path };
  const sheet = await readStored(ctx, r);
  const mapping = cleanMapping(input.mapping);
  const defaultSource = input.defaultSource === undefined ? r.default_source : input.defaultSource;
  const problems = mappingProblems(sheet.headers, mapping, defaultSource);
  if (problems.length) throw invalid(problems[0]!, problems.map((message) => ({ field: 'mapping', message })));
  const { prepared, errors } = await prepareRows(ctx, scope, sheet, mapping, defaultSource);
  await withTx(ctx, async (trx) => {
    const n = await externalRepo.updateImport(
      trx,
      id,
      { mapping: JSON.stringify(mapping), default_source: defaultSource, prepared_enc: ctx.cipher.encrypt(JSON.stringify(prepared)), valid_rows: prepared.length, errors: JSON.stringify(errors) },
      ['preview'],
    );
    if (n !== 1) throw conflict('该导入任务已确认');
    await audit(trx, ctx.clock, actor, { action: 'external.import.map', entity: 'external_import', entityId: id, before: { mapping: r.mapping, defaultSource: r.default_source }, after: { mapping, defaultSource, validRows: prepared.length, errorRows: errors.length } });
  });
  const fresh = (await externalRepo.importById(ctx.db, id))!;
  return { ...viewImport({ ...fresh, headers: sheet.headers, mapping, errors }), ...(await previewExtras(ctx, sheet, mapping, prepared)) };
}

/** Step 2: confirm; a durable job writes the prepared rows batch by batch. */
export async function commitImport(ctx: AppContext, actor: Actor, id: string): Promise<ExternalImportView> {
  requirePermission(actor, 'analytics.import');
  const r = await importFor(ctx, actor, id);
  if (r.status !== 'preview') throw conflict(`该导入任务${STATUS_NAMES[r.status]}，不能再次确认`);
  const problems = mappingProblems(r.headers as unknown as string[], r.mapping as Mapping, r.default_source);
  if (problems.length || !r.prepared_enc) throw invalid(`请先完成列映射：${problems[0] ?? ''}`, problems.map((message) => ({ field: 'mapping', message })));
  if (r.valid_rows === 0) throw invalid('没有可导入的有效行');
  await withTx(ctx, async (trx) => {
    const n = await externalRepo.updateImport(trx, id, { status: 'queued', file_enc: null }, ['preview']);
    if (n !== 1) throw conflict('该导入任务已确认');
    await ctx.jobs.enqueue(trx, EXTERNAL_IMPORT_JOB, { importId: id, offset: 0 }, { uniqueKey: `${EXTERNAL_IMPORT_JOB}:${id}:0` });
    await audit(trx, ctx.clock, actor, { action: 'external.import.commit', entity: 'external_import', entityId: id, after: { fileName: r.file_name, validRows: r.valid_rows, errorRows: (r.errors as unknown as RowError[]).length } });
  });
  return getImport(ctx, actor, id);
}

export async function cancelImport(ctx: AppContext, actor: Actor, id: string): Promise<ExternalImportView> {
  requirePermission(actor, 'analytics.import');
  const r = await importFor(ctx, actor, id);
  if (r.status !== 'preview') throw conflict('只有待确认的导入任务可以取消');
  await withTx(ctx, async (trx) => {
    await externalRepo.updateImport(trx, id, { status: 'cancelled', file_enc: null, prepared_enc: null, finished_at: ctx.clock.now() }, ['preview']);
    await audit(trx, ctx.clock, actor, { action: 'external.import.cancel', entity: 'external_import', entityId: id, after: { fileName: r.file_name } });
  });
  return getImport(ctx, actor, id);
}

export async function getImport(ctx: AppContext, actor: Actor, id: string): Promise<ExternalImportView> {
  requirePermission(actor, 'analytics.import');
  const r = await importFor(ctx, actor, id);
  return viewImport({ ...r, headers: r.headers as unknown as string[], mapping: r.mapping as Mapping, errors: r.errors as unknown as RowError[] });
}

export async function listImports(ctx: AppContext, actor: Actor): Promise<ExternalImportView[]> {
  requirePermission(actor, 'analytics.import');
  const s = importScopeOf(actor);
  const rows = await externalRepo.listImports(ctx.db, s.path === '' ? null : s.path, 50);
  return rows.map((r) => viewImport(r));
}

/** The error rows as CSV (UTF-8 with BOM, opens in Excel) or XLSX. Audited: it is a download. */
export async function exportImportErrors(ctx: AppContext, actor: Actor, id: string, format: 'csv' | 'xlsx'): Promise<{ fileName: string; contentType: string; body: Buffer }> {
  requirePermission(actor, 'analytics.import');
  const r = await importFor(ctx, actor, id);
  const errors = r.errors as unknown as RowError[];
  const header = ['行号', '工单编号', '错误原因'];
  const lines = errors.map((e) => [String(e.row), e.externalNo ?? '', e.reasons.join('；')]);
  await withTx(ctx, (trx) => audit(trx, ctx.clock, actor, { action: 'external.import.errors.export', entity: 'external_import', entityId: id, after: { format, rows: errors.length } }));
  const base = `import-errors-${id.slice(-8)}`;
  if (format === 'csv') {
    const q = (c: string) => (/[",\r\n]/.test(c) || /^[=+\-@]/.test(c) ? `"${(/^[=+\-@]/.test(c) ? "'" : '') + c.replace(/"/g, '""')}"` : c);
    const text = '\ufeff' + [header, ...lines].map((l) => l.map(q).join(',')).join('\r\n') + '\r\n';
    return { fileName: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: Buffer.from(text, 'utf8') };
  }
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('错误行');
  ws.addRow(header);
  for (const l of lines) ws.addRow([Number(l[0]), l[1], l[2]]);
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((c, i) => (c.width = i === 2 ? 60 : 18));
  return { fileName: `${base}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: Buffer.from(await wb.xlsx.writeBuffer()) };
}

/** An empty template with the suggested Chinese headers and one example row. */
export async function importTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  ws.addRow(['来源', '工单编号', '受理时间', '诉求内容', '诉求地址', '来电号码', '诉求分类', '经度', '纬度', '办理部门', '办理状态', '办结时间', '满意度']);
  ws.addRow(['12345', '2026110100001', '2026-11-01 09:30', '桥头小区3栋门口路灯不亮', '长沙市天心区新开铺街道桥头小区3栋', '13800000000', '', '', '', '', '已办结', '2026-11-02 17:00', '满意']);
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((c) => (c.width = 18));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The job: one batch of prepared rows per run, in the job's transaction, then the next batch is queued. */
export async function runExternalImportBatch(ctx: AppContext, trx: Tx, payload: { importId: string; offset: number }): Promise<void> {
  const imp = await externalRepo.importForUpdate(trx, payload.importId);
  if (!imp || !['queued', 'running'].includes(imp.status) || !imp.prepared_enc) return;
  if (imp.processed !== payload.offset) return; // a stale or repeated job
  const actor = jobActor(imp.created_by, imp.created_name ?? '导入任务', imp.node_path || null);
  const now = ctx.clock.now();
  const all = JSON.parse(ctx.cipher.decrypt(imp.prepared_enc)) as PreparedRow[];
  const batch = all.slice(payload.offset, payload.offset + EXTERNAL_IMPORT_BATCH);
  // A record stored meanwhile by another district's import is refused, not taken over.
  const scope = { path: imp.node_path };
  const existing = await externalRepo.existingKeys(trx, batch.map((p) => ({ source: p.source, externalNo: p.externalNo })));
  const batchErrors: RowError[] = [];
  const rows = batch
    .filter((p) => {
      const e = existing.get(`${p.source}\u0000${p.externalNo}`);
      if (e && !covers(scope, e.node_path)) {
        batchErrors.push({ row: p.row, externalNo: p.externalNo, reasons: ['该工单编号已由其他辖区导入，不在您的管辖范围'] });
        return false;
      }
      return true;
    })
    .map((p) => ({
      id: newId(),
      source: p.source,
      external_no: p.externalNo,
      received_at: p.receivedAt,
      content: p.content,
      address: p.address,
      reporter_phone_enc: ctx.cipher.encrypt(p.phone),
      reporter_phone_hash: ctx.cipher.blindIndex(p.phone),
      category_code: p.categoryCode,
      category_raw: p.categoryRaw,
      category_by: p.categoryBy,
      category_confidence: p.categoryConfidence,
      lng: p.lng,
      lat: p.lat,
      grid_id: p.gridId,
      node_path: p.nodePath,
      located_by: p.locatedBy,
      department_name: p.departmentName,
      department_id: p.departmentId,
      status: p.status,
      closed_at: p.closedAt,
      satisfaction: p.satisfaction,
      satisfied: p.satisfied,
      import_id: imp.id,
      created_at: now,
      updated_at: now,
    }));
  const { inserted, updated } = await externalRepo.upsertRecords(trx, rows);
  const prev = imp.errors as unknown as RowError[];
  const merged = batchErrors.length ? [...prev, ...batchErrors].sort((a, b) => a.row - b.row) : prev;
  const processed = payload.offset + batch.length;
  const done = processed >= all.length;
  const totalInserted = imp.inserted + inserted;
  const totalUpdated = imp.updated + updated;
  await externalRepo.updateImport(trx, imp.id, {
    status: done ? 'done' : 'running',
    processed,
    inserted: totalInserted,
    updated: totalUpdated,
    errors: JSON.stringify(merged),
    started_at: imp.started_at ?? now,
    finished_at: done ? now : null,
    prepared_enc: done ? null : imp.prepared_enc,
    message: done ? `导入完成：新增 ${totalInserted} 条，更新 ${totalUpdated} 条，错误 ${merged.length} 行` : null,
  });
  if (!done) await ctx.jobs.enqueue(trx, EXTERNAL_IMPORT_JOB, { importId: imp.id, offset: processed }, { uniqueKey: `${EXTERNAL_IMPORT_JOB}:${imp.id}:${processed}` });
  await audit(trx, ctx.clock, actor, {
    action: 'external.import.batch',
    entity: 'external_import',
    entityId: imp.id,
    after: { fileName: imp.file_name, fromRow: batch[0]?.row ?? null, toRow: batch.at(-1)?.row ?? null, inserted, updated, failed: batchErrors.length, done, ...(done ? { totalInserted, totalUpdated, errorRows: merged.length } : {}) },
  });
}

// ---------------------------------------------------------------- analysis of the records

export interface RecordQuery {
  source?: ExternalSource;
  from?: string;
  to?: string;
  categoryCode?: string;
  gridId?: string;
  nodeId?: string;
  unassigned?: boolean;
  q?: string;
  page?: number;
  pageSize?: number;
}

export interface ExternalRecordView extends RecordFields {
  id: string;
  gridId: string | null;
  gridName: string | null;
  nodePath: string;
  locatedBy: ExternalRecordRow['located_by'];
  satisfied: boolean | null;
  importId: string | null;
}

const dayStartShanghai = (day: string) => new Date(`${day}T00:00:00+08:00`);

/** The caller's analytics scope, narrowed to ?nodeId and turned into a record filter. */
async function recordFilter(ctx: AppContext, actor: Actor, q: RecordQuery): Promise<RecordFilter> {
  requirePermission(actor, 'analytics.view');
  const s = scopeOf(actor);
  if (s.kind !== 'all' && s.kind !== 'subtree') throw forbidden('您的角色无权查看统计分析');
  let path: PathFilter = s.kind === 'all' ? null : s.path;
  if (q.nodeId) {
    const [n] = await nodeBriefs(ctx.db, { ids: [q.nodeId] });
    if (!n) throw notFound('节点不存在');
    assertPathInScope(actor, n.path);
    path = n.path;
  }
  if (q.gridId) {
    const [g] = await nodeBriefs(ctx.db, { ids: [q.gridId] });
    if (!g || g.level !== 'grid') throw notFound('网格不存在');
    assertPathInScope(actor, g.path);
  }
  if (q.from && q.to && q.from > q.to) throw invalid('开始日期不能晚于结束日期', [{ field: 'from', message: '晚于结束日期' }]);
  const to = q.to ? dayStartShanghai(q.to) : undefined;
  return {
    path,
    source: q.source,
    from: q.from ? dayStartShanghai(q.from) : undefined,
    to: to ? new Date(to.getTime() + 86_400_000) : undefined,
    categoryCode: q.categoryCode,
    gridId: q.gridId,
    unassigned: q.unassigned,
    q: q.q?.trim() || undefined,
  };
}

async function gridNames(ctx: AppContext, ids: Array<string | null>): Promise<Map<string, string>> {
  const u = [...new Set(ids.filter((x): x is string => !!x))];
  if (!u.length) return new Map();
  return new Map((await nodeBriefs(ctx.db, { ids: u })).map((n) => [n.id, n.name]));
}

function viewRecord(ctx: AppContext, r: ExternalRecordRow, cats: Map<string, string>, grids: Map<string, string>): ExternalRecordView {
  return {
    id: r.id,
    source: r.source,
    sourceName: SOURCE_NAMES[r.source],
    externalNo: r.external_no,
    receivedAt: new Date(r.received_at).toISOString(),
    content: r.content,
    address: r.address,
    phone: maskPhone(ctx.cipher.decrypt(r.reporter_phone_enc)),
    categoryCode: r.category_code,
    categoryName: r.category_code ? (cats.get(r.category_code) ?? null) : null,
    categoryBy: r.category_by,
    gridId: r.grid_id,
    gridName: r.grid_id ? (grids.get(r.grid_id) ?? null) : null,
    nodePath: r.node_path,
    locatedBy: r.located_by,
    department: r.department_name,
    status: r.status,
    closedAt: iso(r.closed_at),
    satisfaction: r.satisfaction,
    satisfied: r.satisfied,
    importId: r.import_id,
  };
}

export async function listExternalRecords(ctx: AppContext, actor: Actor, q: RecordQuery): Promise<{ items: ExternalRecordView[]; total: number; page: number; pageSize: number }> {
  const f = await recordFilter(ctx, actor, q);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await externalRepo.listRecords(ctx.db, f, pageSize, (page - 1) * pageSize);
  const [cats, grids] = await Promise.all([listCategories(ctx).then((cs) => new Map(cs.map((c) => [c.code, c.name]))), gridNames(ctx, rows.map((r) => r.grid_id))]);
  return { items: rows.map((r) => viewRecord(ctx, r, cats, grids)), total, page, pageSize };
}

export interface ExternalStats {
  total: number;
  bySource: Array<{ source: ExternalSource; name: string; count: number }>;
  byCategory: Array<{ code: string | null; name: string; count: number; satisfactionRate: number | null }>;
  byGrid: Array<{ gridId: string | null; name: string; count: number }>;
  unassigned: number;
  repeatedAddresses: Array<{ address: string; count: number; lastAt: string }>;
  repeatedCallers: Array<{ phone: string | null; count: number; lastAt: string }>;
}

/** Counts by source, category and grid, and repeated addresses and callers, in the caller's scope. */
export async function externalRecordStats(ctx: AppContext, actor: Actor, q: RecordQuery & { min?: number }): Promise<ExternalStats> {
  const f = await recordFilter(ctx, actor, q);
  const min = q.min ?? 3;
  const [bySource, byCategory, byGrid, addr, callers, cats] = await Promise.all([
    externalRepo.countBy(ctx.db, f, 'source'),
    externalRepo.countBy(ctx.db, f, 'category_code'),
    externalRepo.countBy(ctx.db, f, 'grid_id'),
    externalRepo.repeats(ctx.db, f, 'address', min, 20),
    externalRepo.repeats(ctx.db, f, 'reporter_phone_hash', min, 20),
    listCategories(ctx).then((cs) => new Map(cs.map((c) => [c.code, c.name]))),
  ]);
  const grids = await gridNames(ctx, byGrid.map((g) => g.key));
  return {
    total: bySource.reduce((s, x) => s + x.n, 0),
    bySource: bySource.map((x) => ({ source: x.key as ExternalSource, name: SOURCE_NAMES[x.key as ExternalSource] ?? String(x.key), count: x.n })),
    byCategory: byCategory.map((x) => ({ code: x.key, name: x.key ? (cats.get(x.key) ?? x.key) : '未分类', count: x.n, satisfactionRate: x.rated ? Math.round((x.satisfied / x.rated) * 1000) / 10 : null })),
    byGrid: byGrid.filter((x) => x.key).map((x) => ({ gridId: x.key, name: grids.get(x.key!) ?? x.key!, count: x.n })),
    unassigned: byGrid.find((x) => !x.key)?.n ?? 0,
    repeatedAddresses: addr.map((x) => ({ address: x.key, count: x.n, lastAt: new Date(x.lastAt).toISOString() })),
    repeatedCallers: callers.map((x) => ({ phone: maskPhone(ctx.cipher.decrypt(x.phoneEnc)), count: x.n, lastAt: new Date(x.lastAt).toISOString() })),
  };
}

/** The reporter's full phone number of one record: needs `pii.reveal`, and the read is logged. */
export async function revealExternalPhone(ctx: AppContext, actor: Actor, id: string, reason?: string | null): Promise<{ phone: string | null }> {
  requirePermission(actor, 'pii.reveal');
  const r = await externalRepo.recordById(ctx.db, id);
  if (!r) throw notFound();
  assertRowInScope(actor, r.node_path);
  await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'external_record', entityId: id, fields: ['phone'], reason: reason ?? null });
  return { phone: ctx.cipher.decrypt(r.reporter_phone_enc) };
}

export { FIELDS, FIELD_NAMES };
