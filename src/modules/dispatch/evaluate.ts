import type { Classifier, Example } from './model.js';

/** What the evaluation reports on a labelled set (held-out split, or corrections). */
export interface Evaluation {
  n: number;
  top1: number;
  top3: number;
  /** share of examples whose predicted category's default department is the gold one's */
  department: number;
  macroF1: number;
  /** share of examples at or above the threshold (would be dispatched automatically) */
  autoRate: number;
  /** top-1 accuracy among those */
  autoAccuracy: number;
  /** expected calibration error of the top-1 confidence (10 bins) */
  ece: number;
  perCategory: Array<{ code: string; n: number; recall: number; precision: number; f1: number }>;
  /** labels × labels, rows gold, columns predicted */
  confusion: { labels: string[]; matrix: number[][] };
  /** the most frequent mistakes */
  topConfusions: Array<{ gold: string; predicted: string; count: number }>;
  /** per report, milliseconds */
  latency: { medianMs: number; p95Ms: number; meanMs: number };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function evaluate(clf: Classifier, examples: Example[], departmentOf: (code: string) => string | undefined, threshold: number): Evaluation {
  const labels = clf.labels;
  const li = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  let top1 = 0,
    top3 = 0,
    dept = 0,
    auto = 0,
    autoRight = 0;
  const times: number[] = [];
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, right: 0 }));
  // Warm up the segmenter and the JIT so that the first report does not count its loading.
  clf.predict('路灯不亮');
  for (const e of examples) {
    const t0 = process.hrtime.bigint();
    const p = clf.predict(e.text);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const best = p.top[0]!;
    const right = best.code === e.label;
    if (right) top1++;
    if (p.top.slice(0, 3).some((x) => x.code === e.label)) top3++;
    if (departmentOf(best.code) === departmentOf(e.label)) dept++;
    if (best.confidence >= threshold) {
      auto++;
      if (right) autoRight++;
    }
    const b = bins[Math.min(9, Math.floor(best.confidence * 10))]!;
    b.n++;
    b.conf += best.confidence;
    if (right) b.right++;
    const g = li.get(e.label),
      q = li.get(best.code);
    if (g !== undefined && q !== undefined) matrix[g]![q]!++;
  }
  const n = examples.length;
  const perCategory = labels.map((code, i) => {
    const tp = matrix[i]![i]!;
    const gold = matrix[i]!.reduce((a, b) => a + b, 0);
    const pred = matrix.reduce((a, row) => a + row[i]!, 0);
    const recall = gold ? tp / gold : 0;
    const precision = pred ? tp / pred : 0;
    const f1 = recall + precision ? (2 * recall * precision) / (recall + precision) : 0;
    return { code, n: gold, recall: r4(recall), precision: r4(precision), f1: r4(f1) };
  });
  const present = perCategory.filter((c) => c.n > 0);
  const topConfusions: Evaluation['topConfusions'] = [];
  matrix.forEach((row, g) =>
    row.forEach((count, q) => {
      if (g !== q && count > 0) topConfusions.push({ gold: labels[g]!, predicted: labels[q]!, count });
    }),
  );
  topConfusions.sort((a, b) => b.count - a.count);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    n,
    top1: r4(top1 / n),
    top3: r4(top3 / n),
    department: r4(dept / n),
    macroF1: r4(present.reduce((a, c) => a + c.f1, 0) / (present.length || 1)),
    autoRate: r4(auto / n),
    autoAccuracy: r4(auto ? autoRight / auto : 0),
    ece: r4(bins.reduce((a, b) => a + (b.n ? Math.abs(b.conf / b.n - b.right / b.n) * (b.n / n) : 0), 0)),
    perCategory,
    confusion: { labels, matrix },
    topConfusions: topConfusions.slice(0, 20),
    latency: { medianMs: r4(quantile(sorted, 0.5)), p95Ms: r4(quantile(sorted, 0.95)), meanMs: r4(times.reduce((a, b) => a + b, 0) / (n || 1)) },
  };
}
