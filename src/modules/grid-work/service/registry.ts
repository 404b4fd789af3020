import ExcelJS from 'exceljs';
import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Executor, Tx } from '../../../platform/db/database.js';
import { jobActor, type Actor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, scopeOf } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { maskIdCard, maskName, maskPhone } from '../../../platform/crypto.js';
import { existingIdCardHashes, getResident, insertResidentsBulk, nodeBriefs, RESIDENT_TAGS, residentRow, setResidentPlacement, type NodeBrief } from '../../org/index.js';
import { importRepo, insertChunked, moveRepo, type ImportError, type ImportStatus } from '../repository.js';
import { filterNode, iso, pathScopeOf, shanghaiDate } from './common.js';

// ---------------------------------------------------------------- move in / move out

export interface MoveView {
  id: string;
  residentId: string;
  residentName?: string;
  kind: 'move_in' | 'move_out' | 'transfer';
  fromHouseholdId: string | null;
  toHouseholdId: string | null;
  fromPath: string | null;
  toPath: string | null;
  movedOn: string;
  reason: string | null;
  byName: string | null;
  createdAt: string;
}

type MoveRow = Awaited<ReturnType<typeof moveRepo.byResident>>[number] & { resident_name?: string };
const viewMove = (m: MoveRow): MoveView => ({
  id: m.id,
  residentId: m.resident_id,
  ...(m.resident_name !== undefined ? { residentName: m.resident_name } : {}),
  kind: m.kind,
  fromHouseholdId: m.from_household_id,
  toHouseholdId: m.to_household_id,
  fromPath: m.from_path,
  toPath: m.to_path,
  movedOn: m.moved_on,
  reason: m.reason,
  byName: m.by_name,
  createdAt: new Date(m.created_at).toISOString(),
});

export const MOVE_KINDS = ['move_in', 'move_out', 'transfer'] as const;

/**
 * Records a move: `move_in` (back into the registry, or first registration in a household),
 * `transfer` (to another household in scope) or `move_out` (leaves the area; status moved_out).
 */
export async function recordMove(
  ctx: AppContext,
  actor: Actor,
  residentId: string,
  input: { kind: (typeof MOVE_KINDS)[number]; householdId?: string | null; movedOn?: string | null; reason?: string | null },
): Promise<MoveView> {
  requirePermission(actor, 'residents.write');
  const r = await getResident(ctx, actor, residentId); // 404 outside scope
  const now = ctx.clock.now();
  const movedOn = input.movedOn ?? shanghaiDate(now);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(movedOn) || Number.isNaN(Date.parse(movedOn))) throw invalid('提交的数据有误', [{ field: 'movedOn', message: '日期格式须为 YYYY-MM-DD' }]);
  let target: NodeBrief | null = null;
  if (input.kind !== 'move_out') {
    if (!input.householdId) throw invalid('提交的数据有误', [{ field: 'householdId', message: '迁入或户间迁移须指定住户' }]);
    target = (await nodeBriefs(ctx.db, { ids: [input.householdId] }))[0] ?? null;
    if (!target || target.level !== 'household') throw invalid('住户不存在', [{ field: 'householdId', message: '须为户节点' }]);
    assertPathInScope(actor, target.path);
  }
  if (input.kind === 'move_out' && r.status !== 'resident') throw conflict('该居民已不在册');
  if (input.kind === 'transfer' && r.status !== 'resident') throw conflict('该居民不在册，请办理迁入');
  if (input.kind === 'move_in' && r.status === 'resident' && r.householdId === target?.id) throw conflict('该居民已在此户');
  const m = {
    id: newId(),
    resident_id: residentId,
    kind: input.kind,
    from_household_id: input.kind === 'move_in' && r.status !== 'resident' ? null : r.householdId,
    to_household_id: target?.id ?? null,
    from_path: input.kind === 'move_in' && r.status !== 'resident' ? null : r.nodePath,
    to_path: target?.path ?? null,
    node_path: target?.path ?? r.nodePath,
    moved_on: movedOn,
    reason: input.reason?.trim() || null,
    by_user_id: actor.userId,
    by_name: actor.displayName,
    created_at: now,
  };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('resident_moves').values(m).execute();
    if (input.kind === 'move_out') await setResidentPlacement(trx, residentId, { status: 'moved_out' }, now);
    else await setResidentPlacement(trx, residentId, { householdId: target!.id, nodePath: target!.path, status: 'resident' }, now);
    await audit(trx, ctx.clock, actor, {
      action: `resident.${input.kind}`,
      entity: 'resident',
      entityId: residentId,
      before: { householdId: r.householdId, nodePath: r.nodePath, status: r.status },
      after: { householdId: target?.id ?? r.householdId, nodePath: m.node_path, status: input.kind === 'move_out' ? 'moved_out' : 'resident', movedOn, reason: m.reason },
    });
  });
  return viewMove(m);
}

export async function residentMoves(ctx: AppContext, actor: Actor, residentId: string): Promise<MoveView[]> {
  await getResident(ctx, actor, residentId);
  return (await moveRepo.byResident(ctx.db, residentId)).map(viewMove);
}

export async function listMoves(ctx: AppContext, actor: Actor, q: { nodeId?: string; kind?: string; from?: string; to?: string; page: number; pageSize: number }) {
  requirePermission(actor, 'residents.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const { rows, total } = await moveRepo.list(ctx.db, pathScopeOf(actor), { under: n?.path, kind: q.kind, from: q.from, to: q.to, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  return { items: rows.map(viewMove), total, page: q.page, pageSize: q.pageSize };
}

// ---------------------------------------------------------------- XLSX import

/** The template's columns, in order. 户编码 is the household node code (e.g. 430103007001G01B1H1). */
export const IMPORT_COLUMNS = ['姓名', '身份证号', '手机号', '户编码', '与户主关系', '标签', '入住日期', '性别', '出生日期'] as const;
const REQUIRED_COLUMNS = ['姓名', '身份证号', '户编码'];
/** Rows per job run: each run inserts one batch in one transaction and records progress. */
export const IMPORT_BATCH = 1000;
export const IMPORT_MAX_ROWS = 20_000;
export const IMPORT_JOB = 'grid-work.import';

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Checks a mainland resident ID number (GB 11643): length, birth date and check digit. Returns the reason it is wrong, or null. */
export function idCardProblem(id: string): string | null {
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号须为 18 位（末位可为 X）';
  const y = Number(id.slice(6, 10)),
    m = Number(id.slice(10, 12)),
    d = Number(id.slice(12, 14));
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return '身份证号中的出生日期无效';
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(id[i]) * ID_WEIGHTS[i]!;
  if (ID_CHECK[s % 11] !== id[17]) return '身份证号校验位错误';
  return null;
}

export interface ParsedRow {
  /** the spreadsheet row number (the header is row 1) */
  row: number;
  name: string;
  idCard: string;
  phone: string;
  householdCode: string;
  relation: string;
  tags: string[];
  movedOn: string;
  gender: string;
  birthDate: string;
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { text?: unknown; richText?: Array<{ text: string }>; result?: unknown; hyperlink?: string };
    if (Array.isArray(o.richText)) return o.richText.map((t) => t.text).join('').trim();
    if (o.text !== undefined) return String(o.text).trim();
    if (o.result !== undefined) return cellText(o.result as ExcelJS.CellValue);
    return '';
  }
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  return String(v).trim();
}

/** Reads the first worksheet: a header row naming the columns, then one resident per row. */
export async function parseWorkbook(data: Buffer): Promise<ParsedRow[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw invalid('文件不是有效的 XLSX 工作簿');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw invalid('工作簿中没有工作表');
  const header = ws.getRow(1);
  const col = new Map<string, number>();
  header.eachCell((c, n) => col.set(cellText(c.value).replace(/\s|\*/g, ''), n));
  const missing = REQUIRED_COLUMNS.filter((c) => !col.has(c));
  if (missing.length) throw invalid(`缺少必填列：${missing.join('、')}`, missing.map((c) => ({ field: c, message: '缺少此列' })));
  if (ws.rowCount - 1 > IMPORT_MAX_ROWS) throw invalid(`一次最多导入 ${IMPORT_MAX_ROWS} 行`);
  const rows: ParsedRow[] = [];
  const get = (r: ExcelJS.Row, name: string) => (col.has(name) ? cellText(r.getCell(col.get(name)!).value) : '');
  for (let i = 2; i <= ws.rowCount; i++) {
    const r = ws.getRow(i);
    const p: ParsedRow = {
      row: i,
      name: get(r, '姓名'),
      idCard: get(r, '身份证号').toUpperCase().replace(/\s/g, ''),
      phone: get(r, '手机号').replace(/[\s-]/g, ''),
      householdCode: get(r, '户编码'),
      relation: get(r, '与户主关系'),
      tags: get(r, '标签')
        .split(/[,，、;；\s]+/)
        .filter(Boolean),
      movedOn: get(r, '入住日期'),
      gender: get(r, '性别'),
      birthDate: get(r, '出生日期'),
    };
    if (!p.name && !p.idCard && !p.phone && !p.householdCode) continue; // blank line
    rows.push(p);
  }
  return rows;
}

export interface ValidRow extends ParsedRow {
  householdId: string;
  householdPath: string;
  genderCode: 'M' | 'F';
  birth: string;
}

/** Validates rows against the format rules, each other (duplicate ID numbers) and the households in scope. */
export function validateRows(rows: ParsedRow[], households: Map<string, NodeBrief>): { valid: ValidRow[]; errors: ImportError[] } {
  const valid: ValidRow[] = [];
  const errors: ImportError[] = [];
  const seen = new Map<string, number>();
  for (const r of rows) {
    const reasons: string[] = [];
    if (!r.name) reasons.push('姓名为必填项');
    else if ([...r.name].length > 50) reasons.push('姓名不能超过 50 字');
    if (!r.idCard) reasons.push('身份证号为必填项');
    else {
      const p = idCardProblem(r.idCard);
      if (p) reasons.push(p);
      else if (seen.has(r.idCard)) reasons.push(`身份证号与第 ${seen.get(r.idCard)} 行重复`);
    }
    if (r.phone && !/^1[3-9]\d{9}$/.test(r.phone)) reasons.push('手机号格式不正确（须为 11 位手机号）');
    const hh = r.householdCode ? households.get(r.householdCode) : undefined;
    if (!r.householdCode) reasons.push('户编码为必填项');
    else if (!hh) reasons.push('户编码不存在或不在您的管辖范围');
    const badTags = r.tags.filter((t) => !(RESIDENT_TAGS as readonly string[]).includes(t));
    if (badTags.length) reasons.push(`未知标签：${badTags.join('、')}（可用：${RESIDENT_TAGS.join('、')}）`);
    if (r.movedOn && (!/^\d{4}-\d{2}-\d{2}$/.test(r.movedOn) || Number.isNaN(Date.parse(r.movedOn)))) reasons.push('入住日期格式须为 YYYY-MM-DD');
    if (r.gender && !['男', '女'].includes(r.gender)) reasons.push('性别须为“男”或“女”');
    if (r.relation && [...r.relation].length > 20) reasons.push('与户主关系不能超过 20 字');
    let genderCode: 'M' | 'F' = 'M';
    let birth = '';
    if (r.idCard && !idCardProblem(r.idCard)) {
      birth = `${r.idCard.slice(6, 10)}-${r.idCard.slice(10, 12)}-${r.idCard.slice(12, 14)}`;
      genderCode = Number(r.idCard[16]) % 2 === 1 ? 'M' : 'F';
      if (r.gender && ['男', '女'].includes(r.gender) && (r.gender === '男' ? 'M' : 'F') !== genderCode) reasons.push('性别与身份证号不符');
      if (r.birthDate && r.birthDate !== birth) reasons.push('出生日期与身份证号不符');
      if (!seen.has(r.idCard)) seen.set(r.idCard, r.row);
    }
    if (reasons.length) errors.push({ row: r.row, reasons });
    else valid.push({ ...r, householdId: hh!.id, householdPath: hh!.path, genderCode, birth });
  }
  return { valid, errors };
}

async function householdsInScope(ctx: AppContext, actor: Actor): Promise<Map<string, NodeBrief>> {
  const s = scopeOf(actor);
  if (s.kind !== 'all' && s.kind !== 'subtree') return new Map();
  const hh = await nodeBriefs(ctx.db, { levels: ['household'], under: s.kind === 'subtree' ? s.path : undefined });
  return new Map(hh.map((h) => [h.code, h]));
}

export interface ImportView {
  id: string;
  fileName: string | null;
  status: ImportStatus;
  statusName: string;
  totalRows: number;
  validRows: number;
  processed: number;
  inserted: number;
  /** 0..100 */
  progress: number;
  errors: ImportError[];
  errorCount: number;
  message: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  sample?: Array<{ row: number; name: string; idCard: string | null; phone: string | null; household: string; tags: string[] }>;
}

const STATUS_NAMES: Record<ImportStatus, string> = { preview: '待确认', queued: '排队中', running: '导入中', done: '已完成', failed: '失败', cancelled: '已取消' };

type ImportRow = NonNullable<Awaited<ReturnType<typeof importRepo.byId>>>;
function viewImport(r: Omit<ImportRow, 'file_enc' | 'errors' | 'created_by'> & { errors?: ImportError[] }): ImportView {
  const errors = r.errors ?? [];
  return {
    id: r.id,
    fileName: r.file_name,
    status: r.status,
    statusName: STATUS_NAMES[r.status],
    totalRows: r.total_rows,
    validRows: r.valid_rows,
    processed: r.processed,
    inserted: r.inserted,
    progress: r.status === 'done' ? 100 : r.total_rows ? Math.floor((r.processed / r.total_rows) * 100) : 0,
    errors,
    errorCount: errors.length,
    message: r.message,
    createdBy: r.created_name,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

/** Step 1: parse and validate the workbook; nothing is imported yet. The file is kept encrypted for step 2. */
export async function previewImport(ctx: AppContext, actor: Actor, file: { fileName?: string; data: Buffer }): Promise<ImportView> {
  requirePermission(actor, 'gridwork.import');
  const s = scopeOf(actor);
  if (s.kind !== 'all' && s.kind !== 'subtree') throw invalid('您没有可导入的辖区');
  const rows = await parseWorkbook(file.data);
  if (rows.length === 0) throw invalid('工作表中没有数据行');
  const { valid, errors } = validateRows(rows, await householdsInScope(ctx, actor));
  // ID numbers already in the registry
  const hashes = valid.map((v) => ctx.cipher.blindIndex(v.idCard)!);
  const existing = await existingIdCardHashes(ctx.db, hashes);
  const fresh: ValidRow[] = [];
  valid.forEach((v, i) => {
    if (existing.has(hashes[i]!)) errors.push({ row: v.row, reasons: ['身份证号已登记，不能重复导入'] });
    else fresh.push(v);
  });
  errors.sort((a, b) => a.row - b.row);
  const now = ctx.clock.now();
  const row = {
    id: newId(),
    created_by: actor.userId,
    created_name: actor.displayName,
    node_path: s.kind === 'subtree' ? s.path : (actor.nodePath ?? ''),
    file_name: file.fileName?.slice(0, 200) ?? null,
    file_enc: ctx.cipher.encrypt(file.data.toString('base64')),
    status: 'preview' as const,
    total_rows: rows.length,
    valid_rows: fresh.length,
    processed: 0,
    inserted: 0,
    errors: JSON.stringify(errors),
    message: null,
    created_at: now,
    started_at: null,
    finished_at: null,
  };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('resident_imports').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'resident.import.preview', entity: 'resident_import', entityId: row.id, after: { fileName: row.file_name, totalRows: rows.length, validRows: fresh.length, errorRows: errors.length } });
  });
  const v = viewImport({ ...row, errors });
  v.sample = fresh.slice(0, 10).map((r) => ({ row: r.row, name: maskName(r.name) ?? '', idCard: maskIdCard(r.idCard), phone: maskPhone(r.phone || null), household: r.householdCode, tags: r.tags }));
  return v;
}

async function importFor(ctx: AppContext, actor: Actor, id: string): Promise<ImportRow> {
  const r = await importRepo.byId(ctx.db, id);
  if (!r) throw notFound('导入任务不存在');
  if (actor.userId !== r.created_by) assertRowInScope(actor, r.node_path || null);
  return r;
}

/** Step 2: confirm; a durable job inserts the valid rows batch by batch. */
export async function commitImport(ctx: AppContext, actor: Actor, id: string): Promise<ImportView> {
  requirePermission(actor, 'gridwork.import');
  const r = await importFor(ctx, actor, id);
  if (r.status !== 'preview') throw conflict(`该导入任务${STATUS_NAMES[r.status]}，不能再次确认`);
  if (r.valid_rows === 0) throw invalid('没有可导入的有效行');
  await withTx(ctx, async (trx) => {
    const u = await trx.updateTable('resident_imports').set({ status: 'queued' }).where('id', '=', id).where('status', '=', 'preview').executeTakeFirst();
    if (Number(u.numUpdatedRows) !== 1) throw conflict('该导入任务已确认');
    await ctx.jobs.enqueue(trx, IMPORT_JOB, { importId: id, offset: 0 }, { uniqueKey: `${IMPORT_JOB}:${id}:0` });
    await audit(trx, ctx.clock, actor, { action: 'resident.import.commit', entity: 'resident_import', entityId: id, after: { validRows: r.valid_rows } });
  });
  return getImport(ctx, actor, id);
}

export async function cancelImport(ctx: AppContext, actor: Actor, id: string): Promise<ImportView> {
  requirePermission(actor, 'gridwork.import');
  const r = await importFor(ctx, actor, id);
  if (r.status !== 'preview') throw conflict('只有待确认的导入任务可以取消');
  await withTx(ctx, async (trx) => {
    await trx.updateTable('resident_imports').set({ status: 'cancelled', file_enc: null, finished_at: ctx.clock.now() }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'resident.import.cancel', entity: 'resident_import', entityId: id });
  });
  return getImport(ctx, actor, id);
}

export async function getImport(ctx: AppContext, actor: Actor, id: string): Promise<ImportView> {
  requirePermission(actor, 'gridwork.import');
  const r = await importFor(ctx, actor, id);
  return viewImport({ ...r, errors: r.errors as unknown as ImportError[] });
}

export async function listImports(ctx: AppContext, actor: Actor): Promise<ImportView[]> {
  requirePermission(actor, 'gridwork.import');
  const rows = await importRepo.list(ctx.db, pathScopeOf(actor), 50);
  return rows.map((r) => viewImport(r));
}

/** The job: one batch of rows per run, in the job's transaction, then the next batch is queued. */
export async function runImportBatch(ctx: AppContext, trx: Tx, payload: { importId: string; offset: number }): Promise<void> {
  const imp = await trx.selectFrom('resident_imports').selectAll().where('id', '=', payload.importId).forUpdate().executeTakeFirst();
  if (!imp || !['queued', 'running'].includes(imp.status) || !imp.file_enc) return;
  if (imp.processed !== payload.offset) return; // a stale or repeated job
  const actor = jobActor(imp.created_by, imp.created_name ?? '导入任务', imp.node_path || null);
  const now = ctx.clock.now();
  const all = await parseWorkbook(Buffer.from(ctx.cipher.decrypt(imp.file_enc), 'base64'));
  const hh = await nodeBriefs(trx, { levels: ['household'], under: imp.node_path || undefined });
  // Validation sees the whole file (duplicate rows across batches) but inserts only this batch.
  const { valid, errors } = validateRows(all, new Map(hh.map((h) => [h.code, h])));
  const batchRows = all.slice(payload.offset, payload.offset + IMPORT_BATCH);
  const lastRowNo = batchRows.length ? batchRows[batchRows.length - 1]!.row : 0;
  const firstRowNo = batchRows.length ? batchRows[0]!.row : 0;
  const inBatch = (rowNo: number) => rowNo >= firstRowNo && rowNo <= lastRowNo;
  const batchValid = valid.filter((v) => inBatch(v.row));
  const batchErrors = errors.filter((e) => inBatch(e.row));
  const hashes = batchValid.map((v) => ctx.cipher.blindIndex(v.idCard)!);
  const existing = await existingIdCardHashes(trx, hashes);
  const toInsert: ValidRow[] = [];
  batchValid.forEach((v, i) => {
    if (existing.has(hashes[i]!)) batchErrors.push({ row: v.row, reasons: ['身份证号已登记，不能重复导入'] });
    else toInsert.push(v);
  });
  const hhById = new Map(hh.map((h) => [h.id, h]));
  const rows = toInsert.map((v) =>
    residentRow(ctx, { name: v.name, gender: v.genderCode, birthDate: v.birth, idCard: v.idCard, phone: v.phone || null, address: hhById.get(v.householdId)?.name ?? null, householdId: v.householdId, relation: v.relation || null, tags: [...new Set(v.tags)] }, v.householdPath, now),
  );
  await insertResidentsBulk(ctx, trx, rows, imp.created_by);
  await insertChunked(
    trx,
    'resident_moves',
    rows.map((r, i) => ({ id: newId(), resident_id: r.id, kind: 'move_in' as const, from_household_id: null, to_household_id: r.household_id, from_path: null, to_path: r.node_path, node_path: r.node_path, moved_on: toInsert[i]!.movedOn || shanghaiDate(now), reason: '批量导入登记', by_user_id: imp.created_by, by_name: imp.created_name, created_at: now })),
  );
  // Errors found earlier (preview) for rows of this batch are already listed; add only new ones.
  const prev = (imp.errors as unknown as ImportError[]) ?? [];
  const known = new Set(prev.map((e) => e.row));
  const merged = [...prev, ...batchErrors.filter((e) => !known.has(e.row))].sort((a, b) => a.row - b.row);
  const processed = payload.offset + batchRows.length;
  const done = processed >= all.length;
  await trx
    .updateTable('resident_imports')
    .set({
      status: done ? 'done' : 'running',
      processed,
      inserted: imp.inserted + rows.length,
      errors: JSON.stringify(merged),
      started_at: imp.started_at ?? now,
      finished_at: done ? now : null,
      file_enc: done ? null : imp.file_enc,
      message: done ? `导入完成：成功 ${imp.inserted + rows.length} 行，失败 ${merged.length} 行` : null,
    })
    .where('id', '=', imp.id)
    .execute();
  if (!done) await ctx.jobs.enqueue(trx, IMPORT_JOB, { importId: imp.id, offset: processed }, { uniqueKey: `${IMPORT_JOB}:${imp.id}:${processed}` });
  await audit(trx, ctx.clock, actor, { action: 'resident.import.batch', entity: 'resident_import', entityId: imp.id, after: { fromRow: firstRowNo, toRow: lastRowNo, inserted: rows.length, failed: batchErrors.length, done } });
}

/** An empty template with the columns and one example row. */
export async function importTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('居民');
  ws.addRow([...IMPORT_COLUMNS]);
  ws.addRow(['张三', '430103199001011234', '13800000000', '430103007001G01B1H1', '户主', '党员、志愿者', '2024-05-01', '男', '1990-01-01']);
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((c) => (c.width = 18));
  const note = wb.addWorksheet('说明');
  note.addRow(['必填列：姓名、身份证号、户编码；手机号为 11 位手机号；标签用顿号分隔，可用：' + RESIDENT_TAGS.join('、')]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export type { Executor };
