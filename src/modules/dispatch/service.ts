import { existsSync, readFileSync } from 'node:fs';
import type { AppContext } from '../../platform/context.js';
import { invalid, unavailable } from '../../platform/errors.js';
import { categoryByCode } from './categories.js';
import { MODEL_PATH } from './corpus.js';
import { Classifier, type ModelFile, type Prediction } from './model.js';
import { routeCase, type RouteResult } from './rules.js';

/**
 * Classification for HTTP and intake: the model file is loaded once per process (at start), and
 * each report is classified in memory; routing rules then pick the department.
 */

let loaded: { path: string; clf: Classifier } | null = null;

/** The classifier of this process, loaded from the model file on first use. */
export function getClassifier(path = MODEL_PATH): Classifier {
  if (!loaded || loaded.path !== path) {
    if (!existsSync(path)) throw unavailable('分类模型文件不存在，请先运行 npm run train', { path });
    loaded = { path, clf: new Classifier(JSON.parse(readFileSync(path, 'utf8')) as ModelFile) };
  }
  return loaded.clf;
}

/** Replaces this process's classifier (after an in-process retraining). */
export function useModel(model: ModelFile): Classifier {
  const clf = new Classifier(model);
  loaded = { path: MODEL_PATH, clf };
  return clf;
}

/** The category code the classifier gives to texts it cannot place: manual triage. */
export const OTHER_CODE = 'OT00';

export interface Suggestion {
  code: string;
  name: string;
  confidence: number;
}

export interface ClassifyResult {
  /** best first, three at most */
  top: Suggestion[];
  categoryCode: string;
  confidence: number;
  /** true when a person must decide: confidence under the threshold, or "other" */
  triage: boolean;
  threshold: number;
  departmentCode: string;
  departmentName: string | null;
  ccCodes: string[];
  /** the words and phrases that drove the decision */
  words: Prediction['words'];
  routing: Pick<RouteResult, 'defaultDepartment' | 'rule' | 'located' | 'trace'>;
  model: { trainedAt: string };
}

export async function suggestionsOf(ctx: AppContext, p: Prediction): Promise<Suggestion[]> {
  return Promise.all(p.top.map(async (t) => ({ code: t.code, name: (await categoryByCode(ctx, t.code))?.name ?? t.code, confidence: t.confidence })));
}

export const needsTriage = (ctx: AppContext, code: string, confidence: number) => code === OTHER_CODE || confidence < ctx.config.classifyThreshold;

/** Classifies a report and routes its best category (at the point, when one is given). */
export async function classifyReport(ctx: AppContext, input: { text: string; location?: { lng: number; lat: number } | null; coverType?: string | null }): Promise<ClassifyResult> {
  const text = input.text.trim();
  if (!text) throw invalid('请填写事件描述', [{ field: 'text', message: '不能为空' }]);
  const clf = getClassifier();
  const p = clf.predict(text);
  const best = p.top[0]!;
  const route = await routeCase(ctx, { categoryCode: best.code, text, coverType: input.coverType, lng: input.location?.lng, lat: input.location?.lat });
  return {
    top: await suggestionsOf(ctx, p),
    categoryCode: best.code,
    confidence: best.confidence,
    triage: needsTriage(ctx, best.code, best.confidence),
    threshold: ctx.config.classifyThreshold,
    departmentCode: route.departmentCode,
    departmentName: route.departmentName,
    ccCodes: route.ccCodes,
    words: p.words,
    routing: { defaultDepartment: route.defaultDepartment, rule: route.rule, located: route.located, trace: route.trace },
    model: { trainedAt: clf.trainedAt },
  };
}

/** Preview of the routing: a category (or the classifier's choice for a text) at a point. */
export async function previewRoute(
  ctx: AppContext,
  input: { text?: string | null; categoryCode?: string | null; location?: { lng: number; lat: number } | null; coverType?: string | null },
): Promise<RouteResult & { source: 'given' | 'classifier'; confidence: number | null }> {
  let code = input.categoryCode ?? null;
  let confidence: number | null = null;
  if (!code) {
    if (!input.text?.trim()) throw invalid('请给出事件分类或事件描述', [{ field: 'categoryCode', message: '分类与描述至少填一项' }]);
    const best = getClassifier().predict(input.text).top[0]!;
    code = best.code;
    confidence = best.confidence;
  }
  const r = await routeCase(ctx, { categoryCode: code, text: input.text, coverType: input.coverType, lng: input.location?.lng, lat: input.location?.lat });
  return { ...r, source: input.categoryCode ? 'given' : 'classifier', confidence };
}
