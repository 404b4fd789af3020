import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specCategories } from './categories.js';
import { MODEL_PATH, NEAR_DUPLICATE_JACCARD, bigramJaccard, nearDuplicates, readSplit, trainingExamples } from './corpus.js';
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

  it('scores paraphrases of a training line as near duplicates and different reports of the same category below the threshold', () => {
    // Extensions and paraphrases of a training line (what the held-out split must not contain).
    expect(bigramJaccard('楼道的窗户玻璃碎了，冷风往里灌', '楼道的窗户玻璃碎了')).toBeGreaterThanOrEqual(NEAR_DUPLICATE_JACCARD);
    expect(bigramJaccard('咯里一股煤气味，好呛人，莫是漏气哒', '咯里一股煤气味，怕是漏气哒')).toBeGreaterThanOrEqual(NEAR_DUPLICATE_JACCARD);
    expect(bigramJaccard('渣土车在路边偷偷倒土', '渣土车在路边倾倒渣土')).toBeGreaterThanOrEqual(NEAR_DUPLICATE_JACCARD);
    expect(bigramJaccard('新栽的树苗被人拔掉了好几棵', '新种的树苗被人拔了')).toBeGreaterThanOrEqual(NEAR_DUPLICATE_JACCARD);
    // Same category, different situation and wording.
    expect(bigramJaccard('运泥巴的货车没盖篷布，一路掉土，马路上全是黄泥', '渣土车在路边倾倒渣土')).toBeLessThan(NEAR_DUPLICATE_JACCARD);
    expect(bigramJaccard('我们栋三楼到四楼的声控灯不亮，晚上摸黑上楼', '楼道的窗户玻璃碎了')).toBeLessThan(NEAR_DUPLICATE_JACCARD);
    // Punctuation, width and case do not count.
    expect(bigramJaccard('ＡＢ，停电', 'ab 停电')).toBe(1);
  });

  it('holds no held-out line that is a near duplicate of a training line or keyword (character-bigram Jaccard)', () => {
    const near = nearDuplicates(readSplit('heldout'), trainingExamples());
    expect(near.map((d) => `${d.label} ${d.score.toFixed(2)} ${d.text} ≈ ${d.nearest}`)).toEqual([]);
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
