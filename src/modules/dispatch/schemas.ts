import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';
import { RULE_KINDS } from './repository.js';

export const Location = Type.Object(
  {
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
  },
  { additionalProperties: false },
);

const CategoryCode = Type.String({ pattern: '^[A-Z]{2}\\d{2}$' });
const ReportText = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' });
const CoverType = Type.String({ minLength: 1, maxLength: 20 });

export const ClassifyBody = Type.Object(
  {
    text: ReportText,
    location: Type.Optional(Location),
    coverType: Type.Optional(CoverType),
  },
  { additionalProperties: false },
);

const Suggestion = Type.Object({ code: Type.String(), name: Type.String(), confidence: Type.Number() });
const Word = Type.Object({ word: Type.String(), weight: Type.Number() });
const RuleRef = Nullable(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }));
const Ref = Nullable(Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), path: Type.String() }));
const Located = Nullable(Type.Object({ grid: Ref, estate: Ref, community: Ref }));
const Step = Type.Object({
  ruleId: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  applies: Type.Boolean(),
  fired: Type.Boolean(),
  reason: Type.String(),
  departmentCode: Nullable(Type.String()),
});

export const ClassifyResponse = Type.Object({
  top: Type.Array(Suggestion),
  categoryCode: Type.String(),
  confidence: Type.Number(),
  triage: Type.Boolean(),
  threshold: Type.Number(),
  departmentCode: Type.String(),
  departmentName: Nullable(Type.String()),
  ccCodes: Type.Array(Type.String()),
  words: Type.Array(Word),
  routing: Type.Object({ defaultDepartment: Type.String(), rule: RuleRef, located: Located, trace: Type.Array(Step) }),
  model: Type.Object({ trainedAt: Type.String() }),
});

export const RuleSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.String(),
  priority: Type.Integer(),
  categoryCodes: Type.Array(Type.String()),
  categoryGroups: Type.Array(Type.String()),
  params: Type.Record(Type.String(), Type.Any()),
  active: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Type.Union(RULE_KINDS.map((k) => Type.Literal(k))),
  priority: Type.Integer({ minimum: 0, maximum: 100000 }),
  categoryCodes: Type.Array(CategoryCode, { uniqueItems: true, maxItems: 100 }),
  categoryGroups: Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { uniqueItems: true, maxItems: 50 }),
  params: Type.Object(
    {
      departmentCode: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 20 }))),
      map: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 20 }), Type.String({ minLength: 1, maxLength: 20 }), { maxProperties: 200 })),
    },
    { additionalProperties: false },
  ),
  active: Type.Boolean(),
};

export const RuleBody = Type.Object(
  {
    name: RuleFields.name,
    kind: RuleFields.kind,
    priority: Type.Optional(RuleFields.priority),
    categoryCodes: Type.Optional(RuleFields.categoryCodes),
    categoryGroups: Type.Optional(RuleFields.categoryGroups),
    params: Type.Optional(RuleFields.params),
    active: Type.Optional(RuleFields.active),
  },
  { additionalProperties: false },
);

export const RulePatch = Type.Partial(Type.Object(RuleFields), { additionalProperties: false, minProperties: 1 });

export const PreviewBody = Type.Object(
  {
    text: Type.Optional(ReportText),
    categoryCode: Type.Optional(CategoryCode),
    location: Type.Optional(Location),
    coverType: Type.Optional(CoverType),
  },
  { additionalProperties: false },
);

export const PreviewResponse = Type.Object({
  source: Type.String(),
  confidence: Nullable(Type.Number()),
  categoryCode: Type.String(),
  categoryName: Type.String(),
  defaultDepartment: Type.String(),
  departmentCode: Type.String(),
  departmentName: Nullable(Type.String()),
  ccCodes: Type.Array(Type.String()),
  rule: RuleRef,
  located: Located,
  trace: Type.Array(Step),
});

export const CorrectionBody = Type.Object(
  {
    caseId: Type.Optional(Nullable(Uuid)),
    text: ReportText,
    predictedCode: Nullable(CategoryCode),
    correctedCode: CategoryCode,
  },
  { additionalProperties: false },
);

export const CorrectionSchema = Type.Object({
  id: Uuid,
  caseId: Nullable(Type.String()),
  text: Type.String(),
  predictedCode: Nullable(Type.String()),
  correctedCode: Type.String(),
  actorName: Nullable(Type.String()),
  createdAt: Type.String(),
});

export const CorrectionsQuery = Type.Object({ ...PageQuery });
