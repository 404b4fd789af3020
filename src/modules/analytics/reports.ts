import ExcelJS from 'exceljs';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { pathWithin } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { invalid } from '../../platform/errors.js';
import { createPdf, pdfBuffer } from '../../platform/pdf/pdf.js';
import { nodeBriefs } from '../org/index.js';
import { analyticsPath, getDashboard, listWarnings, type Figures } from './service.js';
import { addDays, dayStart, localDay } from './stats.js';

/**
 * Weekly and monthly reports (周报 / 月报) for a community, a street or the caller's whole scope:
 * the period's figures against the previous period, the daily trend, the top problems, the
 * department and grid rankings and the early warnings raised in the period. Built only from the
 * analytics service's exported read functions (so data scope is the dashboard's), presented as
 * JSON (preview), PDF (with the bundled Chinese font, charts drawn with PDF primitives) or XLSX.
 * A download is recorded in the audit log.
 */

export type ReportPeriod = 'week' | 'month';
export type ReportFormat = 'json' | 'pdf' | 'xlsx';

export interface ReportRequest {
  period: ReportPeriod;
  /** any day inside the week / month (YYYY-MM-DD, Shanghai); default: the last complete one */
  date?: string;
  nodeId?: string;
}

const PERIOD_NAME: Record<ReportPeriod, string> = { week: '周报', month: '月报' };

// ---------------------------------------------------------------- periods (pure)

const validDay = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(d + 'T00:00:00Z')) && localDay(dayStart(d)) === d;

/** ISO week number and its year of a day. */
export function isoWeek(day: string): { year: number; week: number } {
  const d = new Date(day + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3); // the Thursday of its week decides the year
  const year = d.getUTCFullYear();
  const jan1 = new Date(Date.UTC(year, 0, 1));
  const firstThursday = Date.UTC(year, 0, 1 + ((3 - ((jan1.getUTCDay() + 6) % 7) + 7) % 7));
  return { year, week: 1 + Math.round((d.getTime() - firstThursday) / (7 * 86_400_000)) };
}

export interface PeriodBounds {
  from: string;
  to: string;
  label: string;
}

/** The week (Monday to Sunday) or calendar month holding `day`. */
export function periodBounds(period: ReportPeriod, day: string): PeriodBounds {
  if (period === 'week') {
    const dow = (new Date(day + 'T00:00:00Z').getUTCDay() + 6) % 7;
    const from = addDays(day, -dow);
    const { year, week } = isoWeek(from);
    return { from, to: addDays(from, 6), label: `${year}年第${week}周` };
  }
  const [y, m] = day.split('-').map(Number) as [number, number];
  const from = `${y}-${String(m).padStart(2, '0')}-01`;
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from, to: addDays(next, -1), label: `${y}年${m}月` };
}

/** The report's period and the previous one; `date` absent = the last complete week / month before `today`. */
export function reportPeriods(period: ReportPeriod, date: string | undefined, today: string): { current: PeriodBounds; previous: PeriodBounds } {
  if (date !== undefined && !validDay(date)) throw invalid('日期无效', [{ field: 'date', message: `日期 ${date} 无效` }]);
  const current = date ? periodBounds(period, date) : periodBounds(period, addDays(periodBounds(period, today).from, -1));
  if (current.from > today) throw invalid('所选周期尚未开始', [{ field: 'date', message: `${current.from} 晚于今天 ${today}` }]);
  if (current.from < '2000-01-01') throw invalid('日期过早', [{ field: 'date', message: `${date} 早于 2000 年` }]);
  const previous = periodBounds(period, addDays(current.from, -1));
  return { current, previous };
}

// ---------------------------------------------------------------- the report

export interface Change {
  /** current − previous (for rates: in fractions, e.g. 0.05 = 5 percentage points) */
  delta: number | null;
  /** current / previous − 1 for counts; null when the previous is 0 or for rates */
  ratio: number | null;
}

export interface Report {
  title: string;
  kind: ReportPeriod;
  scope: { path: string | null; name: string; nodeId: string | null };
  period: PeriodBounds & { complete: boolean; days: number };
  previous: PeriodBounds;
  generatedAt: string;
  figures: Figures;
  previousFigures: Figures;
  change: Record<'reported' | 'filed' | 'closed' | 'overdue' | 'rated' | 'onTimeRate' | 'satisfaction' | 'satisfiedRate', Change>;
  trend: Array<{ day: string; reported: number; closed: number; overdue: number }>;
  categories: Array<{ rank: number; code: string | null; name: string; reported: number; closed: number; share: number }>;
  departments: Array<Figures & { rank: number | null; id: string; name: string }>;
  grids: Array<Figures & { rank: number; path: string; name: string; community: string | null }>;
  warnings: Array<{ day: string; grid: string; community: string | null; category: string; period: 'day' | 'week'; observed: number; expected: number; pValue: number; acknowledged: boolean }>;
}

const COUNTS = ['reported', 'filed', 'closed', 'overdue', 'rated'] as const;
const RATES = ['onTimeRate', 'satisfaction', 'satisfiedRate'] as const;
const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Builds a report within the caller's data scope (another community → 403, unknown node → 404). */
export async function buildReport(ctx: AppContext, actor: Actor, q: ReportRequest): Promise<Report> {
  const path = await analyticsPath(ctx, actor, q.nodeId);
  const today = localDay(ctx.clock.now());
  const { current, previous } = reportPeriods(q.period, q.date, today);
  const scope = { nodeId: q.nodeId };
  const cur = await getDashboard(ctx, actor, { from: current.from, to: current.to, ...scope });
  const prev = await getDashboard(ctx, actor, { from: previous.from, to: previous.to, ...scope });
  const warnings = await listWarnings(ctx, actor, { from: current.from, to: current.to, ...scope });

  const change = {} as Report['change'];
  for (const k of COUNTS) {
    const a = cur.totals[k];
    const b = prev.totals[k];
    change[k] = { delta: a - b, ratio: b ? round(a / b - 1, 4) : null };
  }
  for (const k of RATES) {
    const a = cur.totals[k];
    const b = prev.totals[k];
    change[k] = { delta: a === null || b === null ? null : round(a - b, 4), ratio: null };
  }

  const total = cur.totals.reported;
  // departments: ranked by on-time closure rate, then mean rating, then cases; none closed → unranked
  const depts = [...cur.byDepartment].sort(
    (a, b) => (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1) || (b.satisfaction ?? -1) - (a.satisfaction ?? -1) || b.reported - a.reported || a.name.localeCompare(b.name, 'zh-CN'),
  );
  let deptRank = 0;
  const name = cur.scope.name;
  return {
    title: `${name}基层治理${PERIOD_NAME[q.period]}`,
    kind: q.period,
    scope: { path, name, nodeId: q.nodeId ?? null },
    period: { ...current, complete: current.to < today, days: cur.trend.length },
    previous,
    generatedAt: ctx.clock.now().toISOString(),
    figures: cur.totals,
    previousFigures: prev.totals,
    change,
    trend: cur.trend,
    categories: cur.byCategory.map((c, i) => ({ rank: i + 1, code: c.code, name: c.name, reported: c.reported, closed: c.closed, share: total ? round(c.reported / total, 4) : 0 })),
    departments: depts.filter((d) => d.reported + d.closed + d.filed + d.overdue + d.rated > 0).map((d) => ({ ...d, rank: d.onTimeRate === null ? null : ++deptRank })),
    grids: [...cur.ranking]
      .filter((g) => g.reported + g.closed + g.filed + g.overdue + g.rated > 0)
      .sort((a, b) => b.reported - a.reported || b.closed - a.closed || a.path.localeCompare(b.path))
      .map((g, i) => ({ ...g, rank: i + 1 })),
    warnings: warnings.map((w) => ({ day: w.day, grid: w.grid, community: w.community, category: w.category, period: w.period, observed: w.observed, expected: w.expected, pValue: w.pValue, acknowledged: w.acknowledged })),
  };
}

/** The nodes the caller may run a report for: their own scope first, then the streets and communities inside it. */
export async function reportScopes(ctx: AppContext, actor: Actor): Promise<Array<{ id: string | null; name: string; level: string; path: string | null }>> {
  const path = await analyticsPath(ctx, actor);
  const [own] = path ? await nodeBriefs(ctx.db, { paths: [path] }) : [];
  const nodes = (await nodeBriefs(ctx.db, { levels: ['street', 'community'], under: path ?? undefined }))
    .filter((n) => path === null || (pathWithin(n.path, path) && n.path !== path))
    .sort((a, b) => a.level.localeCompare(b.level) || a.path.localeCompare(b.path));
  return [{ id: null, name: own ? own.name : '全辖区', level: own ? own.level : 'all', path }, ...nodes.map((n) => ({ id: n.id, name: n.name, level: n.level, path: n.path }))];
}

// ---------------------------------------------------------------- presentation helpers

export const pct = (v: number | null) => (v === null ? '—' : `${round(v * 100, 1)}%`);
const num = (v: number | null, d = 2) => (v === null ? '—' : String(round(v, d)));
const signed = (v: number, s = '') => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v)}${s}`;

function changeText(k: keyof Report['change'], c: Change): string {
  if (c.delta === null) return '—';
  if (k === 'onTimeRate' || k === 'satisfiedRate') return `${signed(round(c.delta * 100, 1))} 个百分点`;
  if (k === 'satisfaction') return signed(round(c.delta, 2));
  return c.ratio === null ? signed(c.delta) : `${signed(c.delta)}（${signed(round(c.ratio * 100, 1), '%')}）`;
}

const SUMMARY_ROWS: Array<{ key: keyof Report['change']; label: string; show: (f: Figures) => string; value: (f: Figures) => number | null; rate?: boolean }> = [
  { key: 'reported', label: '上报事件（件）', show: (f) => String(f.reported), value: (f) => f.reported },
  { key: 'filed', label: '立案（件）', show: (f) => String(f.filed), value: (f) => f.filed },
  { key: 'closed', label: '结案（件）', show: (f) => String(f.closed), value: (f) => f.closed },
  { key: 'onTimeRate', label: '按期结案率', show: (f) => pct(f.onTimeRate), value: (f) => f.onTimeRate, rate: true },
  { key: 'overdue', label: '超期（件）', show: (f) => String(f.overdue), value: (f) => f.overdue },
  { key: 'rated', label: '评价（件）', show: (f) => String(f.rated), value: (f) => f.rated },
  { key: 'satisfaction', label: '平均评分（1–5）', show: (f) => num(f.satisfaction), value: (f) => f.satisfaction },
  { key: 'satisfiedRate', label: '满意率（4–5 分）', show: (f) => pct(f.satisfiedRate), value: (f) => f.satisfiedRate, rate: true },
];

/** 2026年11月16日 from YYYY-MM-DD. */
const cnDay = (d: string) => `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;
const shanghaiTime = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/** File name of a download (ASCII) and its Chinese name for `filename*`. */
export function reportFileNames(r: Report, format: 'pdf' | 'xlsx'): { ascii: string; utf8: string } {
  return { ascii: `onegrid-${r.kind}ly-report-${r.period.from}.${format}`, utf8: `${r.title}-${r.period.label}.${format}` };
}

// ---------------------------------------------------------------- XLSX

export async function reportXlsx(r: Report): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OneGrid 一网统管';
  wb.created = new Date(r.generatedAt);
  const header = (ws: ExcelJS.Worksheet, cols: Array<[string, number]>) => {
    const row = ws.addRow(cols.map((c) => c[0]));
    row.font = { bold: true };
    row.eachCell((c) => (c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE6F0FF' } }));
    cols.forEach((c, i) => (ws.getColumn(i + 1).width = c[1]));
    ws.views = [{ state: 'frozen', ySplit: row.number }];
  };
  const pctFmt = '0.0%';

  const s = wb.addWorksheet('汇总');
  s.addRow([r.title]).font = { bold: true, size: 14 };
  s.addRow(['统计周期', `${r.period.label}（${r.period.from} 至 ${r.period.to}）${r.period.complete ? '' : '，截至今日'}`]);
  s.addRow(['对比上期', `${r.previous.label}（${r.previous.from} 至 ${r.previous.to}）`]);
  s.addRow(['统计范围', r.scope.name]);
  s.addRow(['生成时间', shanghaiTime(r.generatedAt)]);
  s.addRow([]);
  header(s, [
    ['指标', 22],
    ['本期', 14],
    ['上期', 14],
    ['变化', 26],
  ]);
  for (const row of SUMMARY_ROWS) {
    const x = s.addRow([row.label, row.value(r.figures), row.value(r.previousFigures), changeText(row.key, r.change[row.key])]);
    if (row.rate) [2, 3].forEach((i) => (x.getCell(i).numFmt = pctFmt));
  }

  const t = wb.addWorksheet('每日趋势');
  header(t, [
    ['日期', 14],
    ['上报', 10],
    ['结案', 10],
    ['超期', 10],
  ]);
  for (const d of r.trend) t.addRow([d.day, d.reported, d.closed, d.overdue]);
  t.addRow(['合计', r.trend.reduce((a, d) => a + d.reported, 0), r.trend.reduce((a, d) => a + d.closed, 0), r.trend.reduce((a, d) => a + d.overdue, 0)]).font = { bold: true };

  const c = wb.addWorksheet('问题分类');
  header(c, [
    ['排名', 8],
    ['问题分类', 24],
    ['分类编码', 16],
    ['上报', 10],
    ['结案', 10],
    ['占比', 10],
  ]);
  for (const x of r.categories) c.addRow([x.rank, x.name, x.code ?? '', x.reported, x.closed, x.share]).getCell(6).numFmt = pctFmt;

  const figureCols: Array<[string, number]> = [
    ['上报', 10],
    ['立案', 10],
    ['结案', 10],
    ['按期结案率', 12],
    ['超期', 10],
    ['评价数', 10],
    ['平均评分', 10],
    ['满意率', 10],
  ];
  const figureCells = (f: Figures) => [f.reported, f.filed, f.closed, f.onTimeRate, f.overdue, f.rated, f.satisfaction, f.satisfiedRate];
  const d = wb.addWorksheet('部门排名');
  header(d, [['排名', 8], ['处置部门', 26], ...figureCols]);
  for (const x of r.departments) {
    const row = d.addRow([x.rank ?? '—', x.name, ...figureCells(x)]);
    [6, 10].forEach((i) => (row.getCell(i).numFmt = pctFmt));
  }

  const g = wb.addWorksheet('网格排名');
  header(g, [['排名', 8], ['网格', 22], ['所属社区', 16], ...figureCols]);
  for (const x of r.grids) {
    const row = g.addRow([x.rank, x.name, x.community ?? '', ...figureCells(x)]);
    [7, 11].forEach((i) => (row.getCell(i).numFmt = pctFmt));
  }

  const w = wb.addWorksheet('异常预警');
  header(w, [
    ['日期', 14],
    ['网格', 22],
    ['所属社区', 16],
    ['问题分类', 20],
    ['口径', 10],
    ['实际件数', 10],
    ['期望件数', 10],
    ['P 值', 12],
    ['已确认', 8],
  ]);
  for (const x of r.warnings) w.addRow([x.day, x.grid, x.community ?? '', x.category, x.period === 'day' ? '当日' : '近 7 日', x.observed, x.expected, x.pValue, x.acknowledged ? '是' : '否']);

  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------- PDF

const BLUE = '#1677ff';
const GREEN = '#52c41a';
const RED = '#f5222d';
const GREY = '#8c8c8c';
const LIGHT = '#f0f0f0';
/** long lists (grids, warnings) are cut in the PDF; the XLSX has them all */
const PDF_MAX_ROWS = 30;

/** A "nice" axis top and step for counts up to `max`. */
export function niceAxis(max: number, ticks = 4): { top: number; step: number } {
  if (max <= ticks) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const intStep = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(max / intStep) * intStep, step: intStep };
}

export async function reportPdf(r: Report): Promise<Buffer> {
  const doc = createPdf({ title: `${r.title} ${r.period.label}`, margin: 40 });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const fit = (s: string, w: number) => {
    if (doc.widthOfString(s) <= w) return s;
    let t = s;
    while (t.length > 1 && doc.widthOfString(t + '…') > w) t = t.slice(0, -1);
    return t + '…';
  };
  const heading = (s: string) => {
    ensure(60);
    doc.moveDown(0.6);
    doc.x = left;
    doc.font('cn-bold').fontSize(13).fillColor('#000').text(s, left, doc.y, { width });
    doc.moveDown(0.3);
    doc.font('cn').fontSize(10);
  };

  /** A table with a shaded header; rows continue on a new page (header repeated). */
  const table = (cols: Array<{ title: string; width: number; align?: 'left' | 'right' | 'center' }>, rows: string[][]) => {
    const rowH = 17;
    const scale = width / cols.reduce((a, c) => a + c.width, 0);
    const ws = cols.map((c) => c.width * scale);
    const drawRow = (cells: string[], head: boolean, shade: boolean) => {
      const y = doc.y;
      if (head || shade) doc.rect(left, y, width, rowH).fill(head ? '#e6f0ff' : '#fafafa');
      doc.fillColor('#000').font(head ? 'cn-bold' : 'cn').fontSize(9);
      let x = left;
      cells.forEach((cell, i) => {
        const w = ws[i]!;
        doc.text(fit(cell, w - 6), x + 3, y + 4, { width: w - 6, align: cols[i]!.align ?? 'left', lineBreak: false });
        x += w;
      });
      doc.moveTo(left, y + rowH).lineTo(left + width, y + rowH).lineWidth(0.5).strokeColor('#d9d9d9').stroke();
      doc.y = y + rowH;
    };
    ensure(rowH * 2);
    drawRow(
      cols.map((c) => c.title),
      true,
      false,
    );
    rows.forEach((row, i) => {
      if (doc.y + rowH > bottom()) {
        doc.addPage();
        drawRow(
          cols.map((c) => c.title),
          true,
          false,
        );
      }
      drawRow(row, false, i % 2 === 1);
    });
    doc.x = left;
    doc.font('cn').fontSize(10).fillColor('#000');
  };

  // ---- title
  doc.font('cn-bold').fontSize(20).text(r.title, { align: 'center' });
  doc.moveDown(0.2);
  doc.font('cn').fontSize(10).fillColor('#555');
  doc.text(`统计周期：${r.period.label}（${cnDay(r.period.from)}至${cnDay(r.period.to)}）${r.period.complete ? '' : '，截至今日'}`, { align: 'center' });
  doc.text(`统计范围：${r.scope.name}\u3000\u3000对比上期：${r.previous.label}\u3000\u3000生成时间：${shanghaiTime(r.generatedAt)}`, { align: 'center' });
  doc.fillColor('#000');

  // ---- 1. figures: cards, then the comparison table
  heading('一、主要指标');
  const cards: Array<[string, string, string]> = [
    ['上报', String(r.figures.reported), changeText('reported', r.change.reported)],
    ['结案', String(r.figures.closed), changeText('closed', r.change.closed)],
    ['按期结案率', pct(r.figures.onTimeRate), changeText('onTimeRate', r.change.onTimeRate)],
    ['超期', String(r.figures.overdue), changeText('overdue', r.change.overdue)],
    ['平均评分', num(r.figures.satisfaction), changeText('satisfaction', r.change.satisfaction)],
  ];
  {
    const gap = 8;
    const cw = (width - gap * (cards.length - 1)) / cards.length;
    const y = doc.y;
    cards.forEach(([label, value, delta], i) => {
      const x = left + i * (cw + gap);
      doc.roundedRect(x, y, cw, 58, 4).fill('#f5f8ff');
      doc.fillColor(GREY).font('cn').fontSize(9).text(label, x + 8, y + 6, { width: cw - 16, lineBreak: false });
      doc.fillColor('#000').font('cn-bold').fontSize(17).text(value, x + 8, y + 19, { width: cw - 16, lineBreak: false });
      doc.fillColor(GREY).font('cn').fontSize(7.5).text(fit(`较上期 ${delta}`, cw - 16), x + 8, y + 43, { width: cw - 16, lineBreak: false });
    });
    doc.fillColor('#000');
    doc.y = y + 66;
    doc.x = left;
  }
  table(
    [
      { title: '指标', width: 3 },
      { title: '本期', width: 2, align: 'right' },
      { title: '上期', width: 2, align: 'right' },
      { title: '变化', width: 4, align: 'right' },
    ],
    SUMMARY_ROWS.map((row) => [row.label, row.show(r.figures), row.show(r.previousFigures), changeText(row.key, r.change[row.key])]),
  );

  // ---- 2. daily trend: a line chart of reported and closed
  heading('二、每日趋势');
  {
    const h = 170;
    ensure(h + 30);
    const y0 = doc.y + 4;
    const axisW = 28;
    const x0 = left + axisW;
    const w = width - axisW - 8;
    const ph = h - 34; // plot height
    const max = Math.max(0, ...r.trend.map((d) => Math.max(d.reported, d.closed)));
    const { top, step } = niceAxis(max);
    const yOf = (v: number) => y0 + ph - (v / top) * ph;
    doc.font('cn').fontSize(7).lineWidth(0.5);
    for (let v = 0; v <= top; v += step) {
      doc
        .moveTo(x0, yOf(v))
        .lineTo(x0 + w, yOf(v))
        .strokeColor(v === 0 ? '#999' : LIGHT)
        .stroke();
      doc.fillColor(GREY).text(String(v), left, yOf(v) - 4, { width: axisW - 4, align: 'right', lineBreak: false });
    }
    const n = r.trend.length;
    const xOf = (i: number) => x0 + (n <= 1 ? w / 2 : (i / (n - 1)) * w);
    const every = n <= 10 ? 1 : n <= 16 ? 2 : 5;
    r.trend.forEach((d, i) => {
      if (i % every === 0 || i === n - 1) doc.fillColor(GREY).text(d.day.slice(5), xOf(i) - 15, y0 + ph + 4, { width: 30, align: 'center', lineBreak: false });
    });
    const series = (key: 'reported' | 'closed', color: string) => {
      doc.lineWidth(1.6).strokeColor(color);
      r.trend.forEach((d, i) => (i === 0 ? doc.moveTo(xOf(i), yOf(d[key])) : doc.lineTo(xOf(i), yOf(d[key]))));
      doc.stroke();
      r.trend.forEach((d, i) => doc.circle(xOf(i), yOf(d[key]), 1.8).fill(color));
    };
    series('reported', BLUE);
    series('closed', GREEN);
    // legend
    const ly = y0 + ph + 18;
    doc.rect(x0, ly + 2, 12, 3).fill(BLUE);
    doc.fillColor('#000').fontSize(8).text('上报', x0 + 16, ly - 1, { lineBreak: false });
    doc.rect(x0 + 50, ly + 2, 12, 3).fill(GREEN);
    doc.fillColor('#000').text('结案', x0 + 66, ly - 1, { lineBreak: false });
    doc.y = y0 + h;
    doc.x = left;
    doc.lineWidth(1).fillColor('#000');
  }

  // ---- 3. categories: horizontal bars of the top ten, then the table
  heading('三、问题分类（高发问题）');
  if (r.categories.length === 0) doc.text('本期无上报事件。', left, doc.y, { width });
  else {
    const top = r.categories.slice(0, 10);
    const barH = 14;
    const gap = 5;
    ensure(top.length * (barH + gap) + 10);
    const labelW = 120;
    const valueW = 70;
    const bw = width - labelW - valueW;
    const max = Math.max(...top.map((c) => c.reported));
    let y = doc.y + 2;
    doc.font('cn').fontSize(9);
    for (const c of top) {
      doc.fillColor('#000').text(fit(c.name, labelW - 8), left, y + 2, { width: labelW - 8, align: 'right', lineBreak: false });
      const len = max ? Math.max(2, (c.reported / max) * bw) : 2;
      doc.rect(left + labelW, y, len, barH).fill(c.rank <= 3 ? RED : BLUE);
      doc.fillColor('#000').text(`${c.reported}（${pct(c.share)}）`, left + labelW + len + 4, y + 2, { width: valueW + bw - len, lineBreak: false });
      y += barH + gap;
    }
    doc.y = y + 4;
    doc.x = left;
    table(
      [
        { title: '排名', width: 1, align: 'center' },
        { title: '问题分类', width: 4 },
        { title: '上报', width: 1.5, align: 'right' },
        { title: '结案', width: 1.5, align: 'right' },
        { title: '占比', width: 1.5, align: 'right' },
      ],
      r.categories.map((c) => [String(c.rank), c.name, String(c.reported), String(c.closed), pct(c.share)]),
    );
  }

  // ---- 4. departments
  heading('四、部门排名（按期结案率、平均评分）');
  if (r.departments.length === 0) doc.text('本期无部门处置的事件。', left, doc.y, { width });
  else
    table(
      [
        { title: '排名', width: 1, align: 'center' },
        { title: '处置部门', width: 4 },
        { title: '事件数', width: 1.4, align: 'right' },
        { title: '结案', width: 1.4, align: 'right' },
        { title: '按期结案率', width: 2, align: 'right' },
        { title: '超期', width: 1.2, align: 'right' },
        { title: '平均评分', width: 1.6, align: 'right' },
      ],
      r.departments.map((d) => [d.rank === null ? '—' : String(d.rank), d.name, String(d.reported), String(d.closed), pct(d.onTimeRate), String(d.overdue), num(d.satisfaction)]),
    );

  // ---- 5. grids
  heading('五、网格排名（按上报量）');
  if (r.grids.length === 0) doc.text('本期无上报事件。', left, doc.y, { width });
  else
    table(
      [
        { title: '排名', width: 1, align: 'center' },
        { title: '网格', width: 3.2 },
        { title: '所属社区', width: 2.4 },
        { title: '上报', width: 1.2, align: 'right' },
        { title: '结案', width: 1.2, align: 'right' },
        { title: '按期结案率', width: 2, align: 'right' },
        { title: '超期', width: 1.2, align: 'right' },
        { title: '平均评分', width: 1.6, align: 'right' },
      ],
      r.grids.slice(0, PDF_MAX_ROWS).map((g) => [String(g.rank), g.name, g.community ?? '—', String(g.reported), String(g.closed), pct(g.onTimeRate), String(g.overdue), num(g.satisfaction)]),
    );
  if (r.grids.length > PDF_MAX_ROWS) doc.font('cn').fontSize(8).fillColor(GREY).text(`仅列前 ${PDF_MAX_ROWS} 名，共 ${r.grids.length} 个网格，完整排名见 XLSX。`, left, doc.y + 3, { width }).fillColor('#000');

  // ---- 6. warnings
  heading('六、异常预警');
  if (r.warnings.length === 0) doc.text('本期未发生异常预警。', left, doc.y, { width });
  else
    table(
      [
        { title: '日期', width: 2 },
        { title: '网格', width: 3 },
        { title: '问题分类', width: 3 },
        { title: '口径', width: 1.4 },
        { title: '实际/期望', width: 2, align: 'right' },
        { title: '状态', width: 1.4, align: 'center' },
      ],
      r.warnings.slice(0, PDF_MAX_ROWS).map((w) => [w.day, w.grid, w.category, w.period === 'day' ? '当日' : '近 7 日', `${w.observed} / ${round(w.expected, 1)}`, w.acknowledged ? '已确认' : '未确认']),
    );

  if (r.warnings.length > PDF_MAX_ROWS) doc.font('cn').fontSize(8).fillColor(GREY).text(`仅列前 ${PDF_MAX_ROWS} 条，共 ${r.warnings.length} 条，完整列表见 XLSX。`, left, doc.y + 3, { width }).fillColor('#000');
  doc.moveDown(1);
  doc.font('cn').fontSize(8).fillColor(GREY).text('说明：按期结案率 = 本期结案中未超期的件数 ÷ 本期结案件数；满意率 = 评分 4–5 分的评价 ÷ 评价总数；统计按北京时间自然日。', left, doc.y, { width });
  return pdfBuffer(doc);
}

// ---------------------------------------------------------------- download (audited)

/** A report as a file; the download is written to the audit log (what, for which scope and period). */
export async function exportReport(ctx: AppContext, actor: Actor, q: ReportRequest & { format: 'pdf' | 'xlsx' }): Promise<{ body: Buffer; contentType: string; filename: { ascii: string; utf8: string } }> {
  const r = await buildReport(ctx, actor, q);
  const body = q.format === 'pdf' ? await reportPdf(r) : await reportXlsx(r);
  await withTx(ctx, (trx) =>
    audit(trx, ctx.clock, actor, {
      action: 'analytics.report.export',
      entity: 'analytics_report',
      entityId: q.nodeId ?? null,
      after: { format: q.format, period: q.period, from: r.period.from, to: r.period.to, scope: r.scope.name, path: r.scope.path, bytes: body.length },
    }),
  );
  return {
    body,
    contentType: q.format === 'pdf' ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    filename: reportFileNames(r, q.format),
  };
}
