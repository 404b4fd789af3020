import ExcelJS from 'exceljs';
import { invalid } from '../../platform/errors.js';

/**
 * Reading the uploaded file of an external-record import (CSV or XLSX) into a header row and data
 * rows of text cells, and suggesting which column holds which field from the Chinese header names
 * that 12345 hotline and petition (信访) systems export.
 */

export const MAX_ROWS = 20_000;

export interface SheetData {
  kind: 'csv' | 'xlsx';
  headers: string[];
  /** row = the line number a spreadsheet program shows (the header is row 1) */
  rows: Array<{ row: number; cells: string[] }>;
}

/** The fields a column can be mapped to. */
export const FIELDS = ['source', 'externalNo', 'receivedAt', 'content', 'address', 'phone', 'category', 'lng', 'lat', 'department', 'status', 'closedAt', 'satisfaction'] as const;
export type Field = (typeof FIELDS)[number];
export type Mapping = Partial<Record<Field, number | null>>;

export const FIELD_NAMES: Record<Field, string> = {
  source: '来源',
  externalNo: '工单编号',
  receivedAt: '受理时间',
  content: '诉求内容',
  address: '诉求地址',
  phone: '来电号码',
  category: '诉求分类',
  lng: '经度',
  lat: '纬度',
  department: '办理部门',
  status: '办理状态',
  closedAt: '办结时间',
  satisfaction: '满意度',
};

/** Header names per field, most specific first. A header matches exactly, then by containing a name. */
const SYNONYMS: Record<Field, string[]> = {
  source: ['来源', '数据来源', '工单来源', '渠道', '来源渠道'],
  externalNo: ['工单编号', '工单号', '信访编号', '信访件编号', '信访件号', '件号', '编号', '单号'],
  receivedAt: ['受理时间', '来电时间', '登记时间', '信访日期', '来信日期', '来访日期', '接收时间', '创建时间', '受理日期', '登记日期'],
  content: ['诉求内容', '反映内容', '信访内容', '主要诉求', '工单内容', '问题描述', '诉求描述', '事项内容', '内容'],
  address: ['诉求地址', '事发地址', '发生地址', '事发地点', '问题地址', '地址'],
  phone: ['来电号码', '联系电话', '来电人电话', '手机号码', '手机号', '联系方式', '电话'],
  category: ['诉求分类', '诉求类别', '问题分类', '事项分类', '问题类别', '分类', '类别'],
  lng: ['经度', 'lng', 'longitude'],
  lat: ['纬度', 'lat', 'latitude'],
  department: ['办理部门', '承办部门', '承办单位', '责任单位', '处理部门', '办理单位', '责任部门'],
  status: ['办理状态', '工单状态', '处理状态', '状态'],
  closedAt: ['办结时间', '结案时间', '办结日期', '完成时间', '结办时间'],
  satisfaction: ['满意度', '回访满意度', '评价结果', '满意度评价', '评价'],
};

const norm = (h: string) => h.replace(/[\s*＊:：()（）]/g, '').toLowerCase();

/** Suggests a column for each field from the header names (each column is used once). */
export function suggestMapping(headers: string[]): Mapping {
  const out: Mapping = {};
  const used = new Set<number>();
  const hs = headers.map(norm);
  // exact names first, over all fields, so that 编号 does not take 工单编号's column by containment
  for (const pass of ['exact', 'contains'] as const) {
    for (const f of FIELDS) {
      if (out[f] !== undefined) continue;
      for (const name of SYNONYMS[f]) {
        const n = norm(name);
        const i = hs.findIndex((h, k) => !used.has(k) && h !== '' && (pass === 'exact' ? h === n : h.includes(n)));
        if (i >= 0) {
          out[f] = i;
          used.add(i);
          break;
        }
      }
    }
  }
  return out;
}

export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  // Excel stores wall-clock time without a zone; exceljs hands it over as that wall-clock in UTC.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 19).replace('T', ' ');
  if (typeof v === 'object') {
    const o = v as { text?: unknown; richText?: Array<{ text: string }>; result?: unknown; error?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((t) => t.text).join('').trim();
    if (o.text !== undefined) return String(o.text).trim();
    if (o.result !== undefined) return cellText(o.result as ExcelJS.CellValue);
    return '';
  }
  return String(v).trim();
}

const isZip = (b: Buffer) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isOle = (b: Buffer) => b.length >= 4 && b[0] === 0xd0 && b[1] === 0xcf && b[2] === 0x11 && b[3] === 0xe0;

/** Which reader a file needs, from its first bytes and name; anything else is refused with a 400. */
export function fileKind(data: Buffer, fileName?: string | null): 'csv' | 'xlsx' {
  const ext = (fileName ?? '').toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  if (isZip(data)) {
    if (ext && ext !== 'xlsx') throw invalid('文件格式不支持：请上传 CSV 或 XLSX 文件');
    return 'xlsx';
  }
  if (isOle(data) || ext === 'xls') throw invalid('不支持旧版 Excel（.xls）文件，请另存为 XLSX 或 CSV 后上传');
  if (ext && ext !== 'csv' && ext !== 'txt') throw invalid('文件格式不支持：请上传 CSV 或 XLSX 文件');
  // a text file: no NUL bytes in the first 4 KB
  if (data.subarray(0, 4096).includes(0)) throw invalid('文件格式不支持：请上传 CSV 或 XLSX 文件');
  return 'csv';
}

/** CSV text → rows of cells (RFC 4180: quotes, doubled quotes, line breaks inside quotes; comma, tab or semicolon). */
export function parseCsvText(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const counts = [',', '\t', ';'].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1]);
  const delim = counts[0]![1] > 1 ? counts[0]![0] : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === delim) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw invalid('CSV 文件格式有误：引号未闭合');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Decodes CSV bytes: UTF-8 (with or without BOM), else GB18030 (what Excel in Chinese saves). */
export function decodeCsv(data: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    try {
      return new TextDecoder('gb18030').decode(data);
    } catch {
      throw invalid('无法识别 CSV 文件的字符编码，请保存为 UTF-8 或 GBK 编码');
    }
  }
}

function toSheet(kind: 'csv' | 'xlsx', all: Array<{ row: number; cells: string[] }>): SheetData {
  const headerAt = all.findIndex((r) => r.cells.some((c) => c.trim() !== ''));
  if (headerAt < 0) throw invalid('文件中没有数据');
  const headers = all[headerAt]!.cells.map((c) => c.trim());
  const rows = all.slice(headerAt + 1).filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (rows.length === 0) throw invalid('文件中只有表头，没有数据行');
  if (rows.length > MAX_ROWS) throw invalid(`一次最多导入 ${MAX_ROWS} 行，请拆分文件后分批导入`);
  const width = Math.max(headers.length, ...rows.slice(0, 1000).map((r) => r.cells.length));
  while (headers.length < width) headers.push('');
  return { kind, headers, rows: rows.map((r) => ({ row: r.row, cells: r.cells.map((c) => c.trim()) })) };
}

/** Reads a CSV or XLSX upload: the first non-empty row is the header. */
export async function readSheet(data: Buffer, fileName?: string | null): Promise<SheetData> {
  const kind = fileKind(data, fileName);
  if (kind === 'csv') {
    const lines = parseCsvText(decodeCsv(data));
    return toSheet('csv', lines.map((cells, i) => ({ row: i + 1, cells })));
  }
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw invalid('文件不是有效的 XLSX 工作簿');
  }
  const ws = wb.worksheets.find((w) => w.rowCount > 0) ?? wb.worksheets[0];
  if (!ws) throw invalid('工作簿中没有工作表');
  if (ws.rowCount > MAX_ROWS + 50) throw invalid(`一次最多导入 ${MAX_ROWS} 行，请拆分文件后分批导入`);
  const all: Array<{ row: number; cells: string[] }> = [];
  const width = ws.columnCount;
  for (let i = 1; i <= ws.rowCount; i++) {
    const r = ws.getRow(i);
    const cells: string[] = [];
    for (let c = 1; c <= width; c++) cells.push(cellText(r.getCell(c).value));
    all.push({ row: i, cells });
  }
  return toSheet('xlsx', all);
}
