import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Text → features for the case classifier. Segmentation is jieba's (with a small domain
 * dictionary: municipal terms and Changsha dialect words so that they stay whole); features are
 * word unigrams, word bigrams and character bi/trigrams inside runs of Chinese characters. The
 * character n-grams carry typos (拉圾/垃圾), dialect and words jieba splits badly.
 */

/** Domain words kept whole by the segmenter (frequency, part of speech). */
const DOMAIN_WORDS = [
  '井盖', '窨井', '检查井', '雨水井', '污水井', '雨篦子', '雨水篦子', '篦子', '水表井', '阀门井', '电缆井', '光缆', '通信井', '燃气井',
  '下水道', '化粪池', '路灯', '红绿灯', '信号灯', '斑马线', '护栏', '隔离栏', '隔离墩', '石墩', '共享单车', '电单车', '电动车', '飞线',
  '飞线充电', '消防通道', '消防栓', '消火栓', '灭火器', '高空抛物', '渣土车', '泥头车', '渣土', '油烟', '占道经营', '占道', '摆摊',
  '流动摊贩', '牛皮癣', '小广告', '违建', '违章建筑', '广场舞', '噪音', '扰民', '电梯', '困人', '关人', '物业费', '业委会', '欠薪',
  '讨薪', '社保', '医保', '养老金', '低保', '独居老人', '垃圾桶', '垃圾站', '公厕', '公共厕所', '黑臭', '直排', '塌陷', '爆管',
  '停水', '停电', '煤气', '天然气', '燃气', '漏气', '冒烟', '着火', '起火', '犬只', '狗屎', '遛狗', '拴绳', '店外经营', '出店经营',
  '堂客', '细伢子', '冇得', '么子', '搞么子', '咯里', '咯只', '咯坨', '一坨', '哒', '满哥', '娭毑', '嗲嗲', '霸蛮', '港', '作孽', '邋遢',
];

let jieba: Jieba | null = null;

/** The segmenter, loaded once per process (~0.25 s). */
export function segmenter(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(Buffer.from(DOMAIN_WORDS.map((w) => `${w} 2000 n`).join('\n')));
  }
  return jieba;
}

/** Words that say nothing about the category (particles, pronouns, filler of hotline transcripts). */
const STOPWORDS = new Set(
  (
    '的 了 是 在 我 你 他 她 它 们 我们 你们 他们 有 很 也 都 就 啊 吧 呢 哦 呀 嘛 吗 咯 哈 嗯 和 与 及 或 这 那 这个 那个 一个 一下 ' +
    '还 又 把 被 给 让 到 从 对 说 要 会 能 可以 已经 现在 今天 昨天 一直 好 好几 几 个 些 什么 怎么 请 麻烦 谢谢 希望 尽快 ' +
    '处理 解决 反映 市民 来电 来电反映 热线 问题 情况 附近 这边 那边 这里 那里 里 上 下 前 后 旁边 门口 地方 没有 不 没 人 '
  )
    .trim()
    .split(/\s+/),
);

/** NFKC (full-width → half-width), lower case, digit runs → '0'. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\d+/g, '0');
}

const CJK = /[\u4e00-\u9fff]/;
const CJK_RUN = /[\u4e00-\u9fff]+/g;
const WORDISH = /[\u4e00-\u9fffa-z]/;

export interface TextFeatures {
  /** feature strings, deduplicated */
  features: string[];
  /** the content words (for explanations) */
  words: string[];
}

/** Which features to extract; a model file records the options it was trained with. */
export interface FeatureOptions {
  wordBigrams: boolean;
  /** character n-gram lengths inside runs of Chinese characters */
  charN: number[];
}
export const DEFAULT_FEATURES: FeatureOptions = { wordBigrams: false, charN: [1, 2] };

/** Feature prefixes: w word, b word bigram, c character n-gram. */
export function featurize(text: string, o: FeatureOptions = DEFAULT_FEATURES): TextFeatures {
  const t = normalize(text);
  const words = segmenter()
    .cut(t, true)
    .filter((w) => WORDISH.test(w) && !STOPWORDS.has(w));
  const out = new Set<string>();
  for (const w of words) out.add('w:' + w);
  if (o.wordBigrams) for (let i = 1; i < words.length; i++) out.add('b:' + words[i - 1] + '|' + words[i]);
  for (const m of t.matchAll(CJK_RUN)) {
    const run = m[0];
    for (const n of o.charN) for (let i = 0; i + n <= run.length; i++) out.add('c:' + run.slice(i, i + n));
  }
  return { features: [...out], words };
}

/** A feature as people read it in an explanation (a word, two words, or a piece of text). */
export function featureLabel(f: string): string {
  const body = f.slice(2);
  return f.startsWith('b:') ? body.replace('|', '') : body;
}

export const isChinese = (s: string) => CJK.test(s);
