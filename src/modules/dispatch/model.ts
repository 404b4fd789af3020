import { DEFAULT_FEATURES, featureLabel, featurize, type FeatureOptions } from './text.js';

/**
 * The case classifier: multinomial logistic regression (softmax) over TF-IDF-weighted, L2-normalised
 * binary features (see text.ts), trained by SGD with L2 regularisation. Probabilities are
 * calibrated with a temperature fitted on out-of-fold predictions of the training set (k-fold
 * cross-validation), so "0.8" means roughly "right four times in five". The model file is JSON:
 * labels, biases, and for each kept feature its idf and its non-negligible class weights.
 */

export interface Example {
  text: string;
  label: string;
  /** how much the example counts (dispatcher corrections count more than corpus lines) */
  weight?: number;
}

export interface ModelFile {
  format: 'onegrid-softmax-v1';
  trainedAt: string;
  labels: string[];
  temperature: number;
  featureOptions: FeatureOptions;
  bias: number[];
  /** feature → [idf, classIndex, weight, classIndex, weight, ...] */
  features: Record<string, number[]>;
  meta: Record<string, unknown>;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** features seen in fewer (weighted) examples are dropped */
  minDf?: number;
  /** weights smaller than this are not stored */
  prune?: number;
  /** folds for the temperature fit; 0 skips calibration (temperature 1) */
  calibrationFolds?: number;
  seed?: number;
  features?: FeatureOptions;
  meta?: Record<string, unknown>;
  now?: Date;
}

const DEFAULTS = { epochs: 30, learningRate: 2, l2: 1e-5, minDf: 1, prune: 0.05, calibrationFolds: 5, seed: 42 };

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vec {
  idx: Int32Array;
  val: Float64Array;
  y: number;
  weight: number;
}

interface Dense {
  labels: string[];
  vocab: Map<string, number>;
  idf: Float64Array;
  W: Float64Array; // V × K
  b: Float64Array; // K
}

function softmaxInPlace(s: Float64Array | number[]): void {
  let max = -Infinity;
  for (let k = 0; k < s.length; k++) if (s[k]! > max) max = s[k]!;
  let sum = 0;
  for (let k = 0; k < s.length; k++) {
    s[k] = Math.exp(s[k]! - max);
    sum += s[k]!;
  }
  for (let k = 0; k < s.length; k++) s[k] = s[k]! / sum;
}

function vectorize(feats: string[], vocab: Map<string, number>, idf: Float64Array): { idx: Int32Array; val: Float64Array } {
  const idx: number[] = [];
  for (const f of feats) {
    const i = vocab.get(f);
    if (i !== undefined) idx.push(i);
  }
  idx.sort((a, b) => a - b);
  let norm = 0;
  for (const i of idx) norm += idf[i]! * idf[i]!;
  norm = Math.sqrt(norm) || 1;
  return { idx: Int32Array.from(idx), val: Float64Array.from(idx.map((i) => idf[i]! / norm)) };
}

function fit(featureSets: string[][], ys: number[], weights: number[], labels: string[], o: typeof DEFAULTS): Dense {
  const K = labels.length;
  const df = new Map<string, number>();
  featureSets.forEach((fs, n) => {
    for (const f of fs) df.set(f, (df.get(f) ?? 0) + weights[n]!);
  });
  const vocab = new Map<string, number>();
  const dfs: number[] = [];
  for (const [f, d] of df) {
    if (d >= o.minDf) {
      vocab.set(f, vocab.size);
      dfs.push(d);
    }
  }
  const N = weights.reduce((a, b) => a + b, 0);
  const idf = Float64Array.from(dfs.map((d) => Math.log((N + 1) / (d + 1)) + 1));
  const data: Vec[] = featureSets.map((fs, n) => ({ ...vectorize(fs, vocab, idf), y: ys[n]!, weight: weights[n]! }));
  const W = new Float64Array(vocab.size * K);
  const b = new Float64Array(K);
  const rand = rng(o.seed);
  const order = data.map((_, i) => i);
  const p = new Float64Array(K);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const lr = o.learningRate / (1 + epoch * 0.1);
    for (const n of order) {
      const v = data[n]!;
      p.set(b);
      for (let t = 0; t < v.idx.length; t++) {
        const base = v.idx[t]! * K;
        const x = v.val[t]!;
        for (let k = 0; k < K; k++) p[k] = p[k]! + W[base + k]! * x;
      }
      softmaxInPlace(p);
      p[v.y] = p[v.y]! - 1;
      const step = lr * Math.min(v.weight, 5);
      for (let k = 0; k < K; k++) b[k] = b[k]! - step * p[k]! * 0.1;
      for (let t = 0; t < v.idx.length; t++) {
        const base = v.idx[t]! * K;
        const x = v.val[t]!;
        for (let k = 0; k < K; k++) W[base + k] = W[base + k]! * (1 - lr * o.l2) - step * p[k]! * x;
      }
    }
  }
  return { labels, vocab, idf, W, b };
}

function logitsOf(m: Dense, feats: string[]): Float64Array {
  const K = m.labels.length;
  const v = vectorize(feats, m.vocab, m.idf);
  const s = Float64Array.from(m.b);
  for (let t = 0; t < v.idx.length; t++) {
    const base = v.idx[t]! * K;
    for (let k = 0; k < K; k++) s[k] = s[k]! + m.W[base + k]! * v.val[t]!;
  }
  return s;
}

/** Temperature minimising the negative log-likelihood of out-of-fold predictions. */
function fitTemperature(featureSets: string[][], ys: number[], weights: number[], labels: string[], o: typeof DEFAULTS): number {
  const folds = o.calibrationFolds;
  const rand = rng(o.seed + 1);
  const fold = ys.map(() => Math.floor(rand() * folds));
  const oof: Array<{ s: Float64Array; y: number }> = [];
  for (let f = 0; f < folds; f++) {
    const tr = ys.map((_, i) => i).filter((i) => fold[i] !== f);
    const m = fit(
      tr.map((i) => featureSets[i]!),
      tr.map((i) => ys[i]!),
      tr.map((i) => weights[i]!),
      labels,
      o,
    );
    ys.forEach((y, i) => {
      if (fold[i] === f) oof.push({ s: logitsOf(m, featureSets[i]!), y });
    });
  }
  const nll = (T: number) => {
    let sum = 0;
    for (const { s, y } of oof) {
      const p = Float64Array.from(s, (x) => x / T);
      softmaxInPlace(p);
      sum -= Math.log(Math.max(p[y]!, 1e-12));
    }
    return sum / oof.length;
  };
  let best = 1;
  let bestNll = Infinity;
  for (let T = 0.2; T <= 4.001; T += 0.05) {
    const v = nll(T);
    if (v < bestNll) {
      bestNll = v;
      best = Math.round(T * 100) / 100;
    }
  }
  return best;
}

/** Trains a model from labelled examples. `labels` fixes the label set and its order. */
export function trainModel(examples: Example[], labels: string[], opts: TrainOptions = {}): ModelFile {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & TrainOptions;
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const kept = examples.filter((e) => labelIndex.has(e.label) && e.text.trim());
  const fo = o.features ?? DEFAULT_FEATURES;
  const featureSets = kept.map((e) => featurize(e.text, fo).features);
  const ys = kept.map((e) => labelIndex.get(e.label)!);
  const weights = kept.map((e) => e.weight ?? 1);
  const m = fit(featureSets, ys, weights, labels, o);
  const temperature = o.calibrationFolds > 1 ? fitTemperature(featureSets, ys, weights, labels, o) : 1;
  const K = labels.length;
  const features: Record<string, number[]> = {};
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  const r3 = (x: number) => Math.round(x * 1e3) / 1e3;
  for (const [f, i] of m.vocab) {
    const row: number[] = [r3(m.idf[i]!)];
    for (let k = 0; k < K; k++) {
      const w = m.W[i * K + k]!;
      if (Math.abs(w) >= o.prune) row.push(k, r3(w));
    }
    if (row.length > 1) features[f] = row;
  }
  return {
    format: 'onegrid-softmax-v1',
    trainedAt: (o.now ?? new Date()).toISOString(),
    labels,
    temperature,
    featureOptions: fo,
    bias: Array.from(m.b, r4),
    features,
    meta: { examples: kept.length, vocabulary: m.vocab.size, storedFeatures: Object.keys(features).length, epochs: o.epochs, l2: o.l2, ...o.meta },
  };
}

export interface Prediction {
  /** best first */
  top: Array<{ code: string; confidence: number }>;
  /** the words and phrases that pushed the top category up most */
  words: Array<{ word: string; weight: number }>;
}

interface FeatureRow {
  idf: number;
  cls: Int32Array;
  w: Float64Array;
}

/** A loaded model: classification takes a few tens of microseconds after segmentation. */
export class Classifier {
  readonly labels: string[];
  readonly temperature: number;
  readonly trainedAt: string;
  readonly meta: Record<string, unknown>;
  readonly featureOptions: FeatureOptions;
  private readonly bias: Float64Array;
  private readonly rows = new Map<string, FeatureRow>();

  constructor(file: ModelFile) {
    if (file.format !== 'onegrid-softmax-v1' || !Array.isArray(file.labels) || file.bias.length !== file.labels.length) {
      throw new Error('classifier model file has an unknown format');
    }
    this.labels = file.labels;
    this.temperature = file.temperature;
    this.trainedAt = file.trainedAt;
    this.meta = file.meta;
    this.featureOptions = file.featureOptions ?? DEFAULT_FEATURES;
    this.bias = Float64Array.from(file.bias);
    for (const [f, row] of Object.entries(file.features)) {
      const n = (row.length - 1) / 2;
      const cls = new Int32Array(n);
      const w = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        cls[j] = row[1 + 2 * j]!;
        w[j] = row[2 + 2 * j]!;
      }
      this.rows.set(f, { idf: row[0]!, cls, w });
    }
  }

  get featureCount(): number {
    return this.rows.size;
  }

  predict(text: string, k = 3, explainWords = 6): Prediction {
    const feats = featurize(text, this.featureOptions).features;
    const present: Array<[string, FeatureRow]> = [];
    let norm = 0;
    for (const f of feats) {
      const r = this.rows.get(f);
      if (r) {
        present.push([f, r]);
        norm += r.idf * r.idf;
      }
    }
    norm = Math.sqrt(norm) || 1;
    const s = Float64Array.from(this.bias);
    for (const [, r] of present) {
      const x = r.idf / norm;
      for (let j = 0; j < r.cls.length; j++) s[r.cls[j]!] = s[r.cls[j]!]! + r.w[j]! * x;
    }
    for (let i = 0; i < s.length; i++) s[i] = s[i]! / this.temperature;
    softmaxInPlace(s);
    const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!);
    const top = order.slice(0, k).map((i) => ({ code: this.labels[i]!, confidence: Math.round(s[i]! * 1e4) / 1e4 }));
    const best = order[0]!;
    const byLabel = new Map<string, number>();
    for (const [f, r] of present) {
      const j = r.cls.indexOf(best);
      if (j < 0) continue;
      const c = (r.w[j]! * r.idf) / norm;
      if (c <= 0) continue;
      const label = featureLabel(f);
      byLabel.set(label, (byLabel.get(label) ?? 0) + c);
    }
    const ranked = [...byLabel.entries()].sort((a, b) => b[1] - a[1]);
    const words: Prediction['words'] = [];
    for (const [word, weight] of ranked) {
      if (words.length >= explainWords) break;
      // Skip a piece already covered by a stronger, longer phrase ("井盖" under "自来水井盖").
      if (words.some((x) => x.word.includes(word))) continue;
      words.push({ word, weight: Math.round(weight * 1000) / 1000 });
    }
    return { top, words };
  }
}
