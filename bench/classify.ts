/**
 * Classification latency: loads the committed model file once, then classifies every corpus report
 * (held-out and training lines) several times, timing each report end to end (normalisation,
 * jieba segmentation, features, scoring, explanation). Target of issue #4: median < 2 ms.
 * Run alone: `node --import tsx bench/classify.ts`; bench/run.ts calls `benchClassify()`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MODEL_PATH, readSplit } from '../src/modules/dispatch/corpus.js';
import { Classifier, type ModelFile } from '../src/modules/dispatch/model.js';
import { segmenter } from '../src/modules/dispatch/text.js';

export interface ClassifyBench {
  classify_median_ms: number;
  classify_p95_ms: number;
  classify_p99_ms: number;
  classify_mean_ms: number;
  classify_reports: number;
  classify_per_second: number;
  model_load_ms: number;
}

export async function benchClassify(opts: { passes?: number } = {}): Promise<ClassifyBench> {
  const passes = opts.passes ?? 5;
  segmenter(); // the segmenter's dictionary loads once per process, as in the server
  const t0 = process.hrtime.bigint();
  const clf = new Classifier(JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ModelFile);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const texts = [...readSplit('heldout'), ...readSplit('train')].map((e) => e.text);
  for (const t of texts.slice(0, 200)) clf.predict(t); // warm-up
  const times: number[] = [];
  const all0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++)
    for (const t of texts) {
      const s = process.hrtime.bigint();
      clf.predict(t);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  const totalMs = Number(process.hrtime.bigint() - all0) / 1e6;
  times.sort((a, b) => a - b);
  const q = (x: number) => times[Math.min(times.length - 1, Math.floor(x * times.length))]!;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    classify_median_ms: r(q(0.5)),
    classify_p95_ms: r(q(0.95)),
    classify_p99_ms: r(q(0.99)),
    classify_mean_ms: r(times.reduce((a, b) => a + b, 0) / times.length),
    classify_reports: times.length,
    classify_per_second: Math.round((times.length / totalMs) * 1000),
    model_load_ms: r(loadMs),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchClassify(), null, 2));
}
