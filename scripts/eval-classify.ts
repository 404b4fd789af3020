/**
 * `npm run eval:classify`: trains the classifier on the training split only (corpus/train and the
 * keyword rules — never corpus/heldout, never corrections) and reports on the held-out split:
 * top-1 and top-3 accuracy, department accuracy, macro-F1, per-category recall, calibration and
 * classification latency per report. Exit code 1 when a target of issue #4 is missed.
 * Flags: --json (machine-readable output), --model <file> (evaluate a saved model instead),
 * --cv (5-fold cross-validation on the training split only: for choosing features and
 * hyper-parameters without looking at the held-out split), and the training options
 * --epochs N --lr X --l2 X --min-df N --prune X --char-n 1,2 --no-word-bigrams.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.js';
import { specCategories } from '../src/modules/dispatch/categories.js';
import { NEAR_DUPLICATE_JACCARD, keywordExamples, labelSet, nearDuplicates, readSplit, trainingExamples } from '../src/modules/dispatch/corpus.js';
import { evaluate } from '../src/modules/dispatch/evaluate.js';
import { Classifier, trainModel, type ModelFile, type TrainOptions } from '../src/modules/dispatch/model.js';

const args = process.argv.slice(2);
const modelArg = args.indexOf('--model');
const threshold = loadConfig({ ...process.env, ONEGRID_ENCRYPTION_KEY: '0'.repeat(64) }, { persistKey: false }).classifyThreshold;

const opt = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (flag: string) => (opt(flag) === undefined ? undefined : Number(opt(flag)));
const trainOpts: TrainOptions = {
  epochs: num('--epochs'),
  learningRate: num('--lr'),
  l2: num('--l2'),
  minDf: num('--min-df'),
  prune: num('--prune'),
  features: opt('--char-n') || args.includes('--no-word-bigrams') ? { wordBigrams: !args.includes('--no-word-bigrams'), charN: (opt('--char-n') ?? '2,3').split(',').filter(Boolean).map(Number) } : undefined,
};

const cats = specCategories();
const dept = new Map(cats.map((c) => [c.code, c.department]));
const name = new Map(cats.map((c) => [c.code, c.name]));
const heldout = readSplit('heldout');
const train = trainingExamples();

if (args.includes('--cv')) {
  // Cross-validation on the training split only (the corpus lines; keyword rules always train).
  const lines = readSplit('train');
  const extra = keywordExamples();
  const folds = 5;
  let right = 0,
    right3 = 0;
  const t0 = Date.now();
  for (let f = 0; f < folds; f++) {
    const tr = lines.filter((_, i) => i % folds !== f);
    const te = lines.filter((_, i) => i % folds === f);
    const c = new Classifier(trainModel([...tr, ...extra], labelSet(), { ...trainOpts, calibrationFolds: 0 }));
    for (const e of te) {
      const p = c.predict(e.text);
      if (p.top[0]!.code === e.label) right++;
      if (p.top.some((x) => x.code === e.label)) right3++;
    }
  }
  console.log(`5-fold CV on the training split (${lines.length} lines): top-1 ${((right / lines.length) * 100).toFixed(1)}%, top-3 ${((right3 / lines.length) * 100).toFixed(1)}% (${Date.now() - t0} ms) options ${JSON.stringify(trainOpts)}`);
  process.exit(0);
}

let model: ModelFile;
let trainMs = 0;
if (modelArg >= 0) {
  model = JSON.parse(readFileSync(args[modelArg + 1]!, 'utf8')) as ModelFile;
} else {
  // Exact copies and near duplicates (paraphrases, extensions) of training lines or keywords.
  const leaked = nearDuplicates(heldout, train);
  if (leaked.length) throw new Error(`held-out lines too close to training data (bigram Jaccard ≥ ${NEAR_DUPLICATE_JACCARD}): ${leaked.map((d) => `${d.text} ≈ ${d.nearest}`).join(' | ')}`);
  const t0 = Date.now();
  model = trainModel(train, labelSet(), trainOpts);
  trainMs = Date.now() - t0;
}
const clf = new Classifier(model);
const ev = evaluate(clf, heldout, (c) => dept.get(c), threshold);

const pct = (x: number) => (x * 100).toFixed(1) + '%';
const targets = [
  { name: 'top-1 accuracy', value: ev.top1, target: 0.9, ok: ev.top1 >= 0.9 },
  { name: 'top-3 accuracy', value: ev.top3, target: 0.97, ok: ev.top3 >= 0.97 },
  { name: 'department accuracy', value: ev.department, target: 0.93, ok: ev.department >= 0.93 },
];
if (args.includes('--json')) {
  console.log(JSON.stringify({ trainExamples: train.length, heldout: heldout.length, trainMs, threshold, ...ev, confusion: undefined }, null, 2));
} else {
  console.log(`训练样本 ${train.length} 条（训练集 + 关键词规则），留出集 ${heldout.length} 条，训练用时 ${trainMs} ms，特征 ${clf.featureCount} 个，温度 ${clf.temperature}`);
  console.log('');
  for (const t of targets) console.log(`${t.ok ? '✔' : '✘'} ${t.name.padEnd(20)} ${pct(t.value).padStart(6)}   (target ≥ ${pct(t.target)})`);
  console.log(`  macro-F1              ${ev.macroF1.toFixed(3)}`);
  console.log(`  auto-dispatch share   ${pct(ev.autoRate)} at threshold ${threshold}, accuracy of those ${pct(ev.autoAccuracy)}`);
  console.log(`  calibration (ECE)     ${ev.ece.toFixed(3)}`);
  const latOk = ev.latency.medianMs < 2;
  console.log(`${latOk ? '✔' : '✘'} latency per report    median ${ev.latency.medianMs.toFixed(3)} ms, p95 ${ev.latency.p95Ms.toFixed(3)} ms (target median < 2 ms)`);
  targets.push({ name: 'latency', value: ev.latency.medianMs, target: 2, ok: latOk });
  console.log('');
  console.log('per-category recall (n, recall, precision):');
  const rows = ev.perCategory.map((c) => `  ${c.code} ${(name.get(c.code) ?? '').padEnd(8, '　')} n=${String(c.n).padStart(2)}  R ${pct(c.recall).padStart(6)}  P ${pct(c.precision).padStart(6)}`);
  for (let i = 0; i < rows.length; i += 2) console.log(rows[i] + (rows[i + 1] ? '   ' + rows[i + 1] : ''));
  console.log('');
  console.log('most frequent confusions (gold → predicted):');
  for (const c of ev.topConfusions.slice(0, 10)) console.log(`  ${c.gold} ${name.get(c.gold)} → ${c.predicted} ${name.get(c.predicted)}: ${c.count}`);
}
process.exitCode = targets.every((t) => t.ok) ? 0 : 1;
