import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specCategories } from './categories.js';
import type { Example } from './model.js';

/**
 * The labelled corpus kept in the repository (hand-written):
 *   corpus/train/<CODE>.txt     training reports, one per line ('#' starts a comment)
 *   corpus/heldout/<CODE>.txt   held-out reports written separately; training never reads them
 *   corpus/keywords.txt         "<CODE>: word word ..." keyword rules, each keyword a short example
 * The trained model is model/classifier.json (rebuilt by `npm run train`).
 */
export const MODULE_DIR = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = join(MODULE_DIR, 'corpus');
export const MODEL_PATH = join(MODULE_DIR, 'model', 'classifier.json');

export type Split = 'train' | 'heldout';

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** The examples of one split, every file named after a known category code. */
export function readSplit(split: Split, dir = CORPUS_DIR): Example[] {
  const codes = new Set(specCategories().map((c) => c.code));
  const d = join(dir, split);
  if (!existsSync(d)) return [];
  const out: Example[] = [];
  for (const f of readdirSync(d).sort()) {
    const code = f.replace(/\.txt$/, '');
    if (!f.endsWith('.txt')) continue;
    if (!codes.has(code)) throw new Error(`corpus file ${split}/${f} is not named after a category code`);
    for (const text of readLines(join(d, f))) out.push({ text, label: code });
  }
  return out;
}

/** Keyword rules and category names as short examples (a lexicon prior for the model). */
export function keywordExamples(dir = CORPUS_DIR, weight = 0.5): Example[] {
  const out: Example[] = specCategories().map((c) => ({ text: c.name, label: c.code, weight }));
  const file = join(dir, 'keywords.txt');
  if (!existsSync(file)) return out;
  for (const line of readLines(file)) {
    const m = /^([A-Z]{2}\d{2}):\s*(.*)$/.exec(line);
    if (!m) throw new Error(`corpus/keywords.txt: cannot read line "${line}"`);
    for (const kw of m[2]!.split(/\s+/).filter(Boolean)) out.push({ text: kw, label: m[1]!, weight });
  }
  return out;
}

/** What `npm run train` learns from besides corrections: the training split and the keyword rules. */
export function trainingExamples(dir = CORPUS_DIR): Example[] {
  return [...readSplit('train', dir), ...keywordExamples(dir)];
}

/** Label set and order of the model: the spec's 48 categories. */
export const labelSet = (): string[] => specCategories().map((c) => c.code);

/**
 * Character bigrams of a report for near-duplicate checks: NFKC, lower case, split on anything that
 * is not a letter or digit, bigrams inside each run (a one-character run counts as itself).
 */
export function charBigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const run of text.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    const chars = [...run];
    if (chars.length === 1) out.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** Jaccard similarity of two reports' character bigram sets (0 = nothing shared, 1 = same bigrams). */
export function bigramJaccard(a: string | Set<string>, b: string | Set<string>): number {
  const x = typeof a === 'string' ? charBigrams(a) : a;
  const y = typeof b === 'string' ? charBigrams(b) : b;
  if (!x.size || !y.size) return 0;
  let inter = 0;
  for (const g of x) if (y.has(g)) inter++;
  return inter / (x.size + y.size - inter);
}

/**
 * Held-out lines at or above this bigram Jaccard with a training line or keyword count as near
 * duplicates (paraphrases or extensions of a training line), which the held-out split must not hold.
 */
export const NEAR_DUPLICATE_JACCARD = 0.3;

/** Held-out examples whose nearest training line or keyword reaches `threshold` (bigram Jaccard). */
export function nearDuplicates(heldout: Example[], reference: Example[], threshold = NEAR_DUPLICATE_JACCARD): { text: string; label: string; nearest: string; score: number }[] {
  const refs = reference.map((r) => ({ text: r.text, grams: charBigrams(r.text) }));
  const out: { text: string; label: string; nearest: string; score: number }[] = [];
  for (const h of heldout) {
    const g = charBigrams(h.text);
    let best = { text: '', score: 0 };
    for (const r of refs) {
      const s = bigramJaccard(g, r.grams);
      if (s > best.score) best = { text: r.text, score: s };
    }
    if (best.score >= threshold) out.push({ text: h.text, label: h.label, nearest: best.text, score: best.score });
  }
  return out;
}
