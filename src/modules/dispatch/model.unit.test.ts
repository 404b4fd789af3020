import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specCategories } from './categories.js';
import { MODEL_PATH, readSplit, trainingExamples } from './corpus.js';
import { Classifier, trainModel, type ModelFile } from './model.js';
import { featurize } from './text.js';

describe('the committed model file', () => {
  const file = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as ModelFile;
  const clf = new Classifier(file);

  it('loads, with the 48 categories of the spec as labels', () => {
    expect(clf.labels).toEqual(specCategories().map((c) => c.code));
    expect(clf.featureCount).toBeGreaterThan(1000);
    expect(clf.temperature).toBeGreaterThan(0);
  });

  it('gives three categories, best first, with probabilities that sum to at most 1, and the words behind the top one', () => {
    const p = clf.predict('电梯坏了，把一个老人困在里面半个小时');
    expect(p.top).toHaveLength(3);
    expect(p.top[0]!.code).toBe('PS05');
    expect(p.top[0]!.confidence).toBeGreaterThanOrEqual(p.top[1]!.confidence);
    expect(p.top[1]!.confidence).toBeGreaterThanOrEqual(p.top[2]!.confidence);
    expect(p.top.reduce((a, t) => a + t.confidence, 0)).toBeLessThanOrEqual(1.0001);
    expect(p.words.map((w) => w.word).join(' ')).toMatch(/电梯|梯/);
  });

  it('rejects a file of another format', () => {
    expect(() => new Classifier({ ...file, format: 'other' } as unknown as ModelFile)).toThrow();
  });
});

describe('corpus', () => {
  it('has at least 40 training and 10 held-out reports per category, and no held-out line in training', () => {
    const train = readSplit('train');
    const held = readSplit('heldout');
    for (const c of specCategories()) {
      expect(train.filter((e) => e.label === c.code).length, c.code).toBeGreaterThanOrEqual(40);
      expect(held.filter((e) => e.label === c.code).length, c.code).toBeGreaterThanOrEqual(10);
    }
    const trainTexts = new Set(trainingExamples().map((e) => e.text));
    expect(held.filter((e) => trainTexts.has(e.text))).toEqual([]);
  });
});

describe('training', () => {
  it('learns a new label from examples and is deterministic for a seed', () => {
    const ex = [
      { text: '路灯不亮', label: 'UF06' },
      { text: '晚上路灯坏了', label: 'UF06' },
      { text: '电梯困人', label: 'PS05' },
      { text: '电梯坏了停运', label: 'PS05' },
    ];
    const a = trainModel(ex, ['UF06', 'PS05'], { calibrationFolds: 0, now: new Date(0) });
    const b = trainModel(ex, ['UF06', 'PS05'], { calibrationFolds: 0, now: new Date(0) });
    expect(a).toEqual(b);
    expect(new Classifier(a).predict('那条路的灯一直不亮').top[0]!.code).toBe('UF06');
    expect(new Classifier(a).predict('电梯又坏了').top[0]!.code).toBe('PS05');
  });

  it('segments dialect and domain words whole', () => {
    const f = featurize('咯里的雨篦子搞烂哒，冇得人管').words;
    expect(f).toContain('雨篦子');
    expect(f).toContain('冇得');
  });
});
