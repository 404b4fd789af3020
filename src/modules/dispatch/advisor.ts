import type { AppContext } from '../../platform/context.js';
import type { Located } from '../org/index.js';
import { categoryByCode } from './categories.js';
import { routeCase } from './rules.js';
import { getClassifier, needsTriage, OTHER_CODE, suggestionsOf } from './service.js';

export interface IntakeAdvice {
  /** the category decided (given by the reporter, or the classifier's top-1), or null for manual triage */
  categoryCode: string | null;
  confidence: number;
  departmentCode: string | null;
  ccCodes: string[];
  /** file and dispatch without a person (confident classification and a resolved department) */
  autoDispatch: boolean;
  /** why: classifier words, matched routing rule */
  explanation: Record<string, unknown>;
}

/**
 * What cases intake asks the dispatch module: which category, which department, and whether a
 * person must look first.
 *
 * - No category given: the text is classified. At or above CLASSIFY_THRESHOLD (and not 其他) the
 *   case gets the top-1 category and is dispatched automatically to the department the routing
 *   rules pick at its location. Below it, categoryCode and departmentCode are null and the case
 *   waits for manual triage; `explanation.suggestions` carries the top 3 for the dispatcher.
 * - Category given by the reporter: it is kept and routed by the rules, but dispatched
 *   automatically only when the classifier independently agrees with it at or above the
 *   threshold — residents pick categories loosely, and a wrong pick would send the case to the
 *   wrong department without anyone looking.
 */
export async function adviseIntake(ctx: AppContext, input: { text: string; lng: number; lat: number; categoryCode?: string | null; located: Located }): Promise<IntakeAdvice> {
  const clf = getClassifier();
  const text = input.text?.trim() ?? '';
  const p = text ? clf.predict(text, clf.labels.length) : null;
  const best = p?.top[0] ?? null;
  const suggestions = p ? (await suggestionsOf(ctx, { ...p, top: p.top.slice(0, 3) })) : [];
  const classifier = { suggestions, words: p?.words ?? [], threshold: ctx.config.classifyThreshold };

  if (input.categoryCode) {
    const c = await categoryByCode(ctx, input.categoryCode);
    if (c) {
      const route = await routeCase(ctx, { categoryCode: c.code, text, lng: input.lng, lat: input.lat, located: input.located });
      const own = p?.top.find((t) => t.code === c.code)?.confidence ?? 0;
      const agrees = !!best && best.code === c.code && !needsTriage(ctx, best.code, best.confidence);
      return {
        categoryCode: c.code,
        confidence: own,
        departmentCode: route.departmentCode,
        ccCodes: route.ccCodes,
        autoDispatch: agrees,
        explanation: { source: 'reporter', classifierAgrees: agrees, rule: route.rule, defaultDepartment: route.defaultDepartment, ...classifier },
      };
    }
  }

  if (!best || needsTriage(ctx, best.code, best.confidence)) {
    return {
      categoryCode: null,
      confidence: best?.confidence ?? 0,
      departmentCode: null,
      ccCodes: [],
      autoDispatch: false,
      explanation: { source: 'classifier', reason: !best ? 'empty_text' : best.code === OTHER_CODE ? 'other' : 'low_confidence', ...classifier },
    };
  }
  const route = await routeCase(ctx, { categoryCode: best.code, text, lng: input.lng, lat: input.lat, located: input.located });
  return {
    categoryCode: best.code,
    confidence: best.confidence,
    departmentCode: route.departmentCode,
    ccCodes: route.ccCodes,
    autoDispatch: true,
    explanation: { source: 'classifier', rule: route.rule, defaultDepartment: route.defaultDepartment, ...classifier },
  };
}
