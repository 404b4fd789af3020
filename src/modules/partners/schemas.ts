import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';
import { NEED_CATEGORIES } from './projects.js';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max });
const DateStr = Type.String({ format: 'date' });

export const PartnerTypeSchema = lit(['resource', 'professional', 'volunteer'] as const);
export const StageSchema = lit(['applied', 'incubating', 'registered', 'graduated'] as const);
export const ProjectStatusSchema = lit(['draft', 'published', 'in_progress', 'completed', 'evaluated', 'cancelled'] as const);
export const NeedCategorySchema = lit(NEED_CATEGORIES);
const Services = Type.Array(Text(30, 1), { maxItems: 20, uniqueItems: true });

export const PartnerSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  type: Type.String(),
  typeName: Type.String(),
  form: Type.String(),
  merchant: Type.Boolean(),
  services: Type.Array(Type.String()),
  contactName: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  description: Type.String(),
  nodePath: Type.String(),
  communityName: Nullable(Type.String()),
  hasAccount: Type.Boolean(),
  status: Type.String(),
  creditScore: Type.Number(),
  creditLevel: Type.String(),
  creditLevelName: Type.String(),
});

export const PartnersQuery = Type.Object({
  type: Type.Optional(PartnerTypeSchema),
  service: Type.Optional(Text(30)),
  q: Type.Optional(Text(50)),
  status: Type.Optional(lit(['active', 'suspended'] as const)),
  communityId: Type.Optional(Uuid),
  ...PageQuery,
});
export const RecommendQuery = Type.Object({ service: Type.Optional(Text(30)), type: Type.Optional(PartnerTypeSchema), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })) });

export const PartnerBody = Type.Object(
  {
    name: Text(60, 1),
    type: PartnerTypeSchema,
    form: lit(['organisation', 'person'] as const),
    merchant: Type.Optional(Type.Boolean()),
    services: Services,
    contactName: Type.Optional(Text(30)),
    phone: Type.Optional(Type.String({ pattern: '^1\\d{10}$|^0\\d{2,3}-?\\d{7,8}$' })),
    description: Type.Optional(Text(1000)),
    communityId: Uuid,
    account: Type.Optional(Type.Object({ username: Type.String({ minLength: 3, maxLength: 40, pattern: '^[A-Za-z0-9_.-]+$' }), password: Type.String({ minLength: 8, maxLength: 100 }) }, { additionalProperties: false })),
    username: Type.Optional(Type.String({ minLength: 3, maxLength: 40, pattern: '^[A-Za-z0-9_.-]+$' })),
  },
  { additionalProperties: false },
);
export const PartnerPatch = Type.Object(
  {
    name: Type.Optional(Text(60, 1)),
    type: Type.Optional(PartnerTypeSchema),
    services: Type.Optional(Services),
    contactName: Type.Optional(Nullable(Text(30))),
    phone: Type.Optional(Nullable(Type.String({ pattern: '^1\\d{10}$|^0\\d{2,3}-?\\d{7,8}$' }))),
    description: Type.Optional(Text(1000)),
    status: Type.Optional(lit(['active', 'suspended'] as const)),
  },
  { additionalProperties: false },
);

export const AgreementSchema = Type.Object({
  id: Uuid,
  partnerId: Type.String(),
  partnerName: Type.Optional(Type.String()),
  title: Type.String(),
  content: Type.String(),
  startsOn: Type.String(),
  endsOn: Type.String(),
  status: Type.String(),
  current: Type.Boolean(),
});
export const AgreementBody = Type.Object({ title: Text(60, 1), content: Text(2000, 1), startsOn: DateStr, endsOn: DateStr }, { additionalProperties: false });
export const CreditBody = Type.Object({ kind: lit(['on_time', 'late', 'violation'] as const), note: Text(200, 1) }, { additionalProperties: false });

export const NeedSchema = Type.Object({
  id: Uuid,
  source: Type.String(),
  title: Type.String(),
  description: Type.String(),
  category: Type.String(),
  nodePath: Type.String(),
  answers: Type.Record(Type.String(), Type.Any()),
  status: Type.String(),
  projectId: Nullable(Type.String()),
  createdAt: Type.String(),
});
export const NeedBody = Type.Object(
  {
    title: Text(60, 1),
    description: Type.Optional(Text(1000)),
    category: NeedCategorySchema,
    answers: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean(), Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })]), { maxProperties: 30 })),
    nodeId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export const NeedsQuery = Type.Object({ status: Type.Optional(lit(['new', 'adopted', 'dismissed'] as const)), source: Type.Optional(lit(['questionnaire', 'visit'] as const)), ...PageQuery });

export const WeightsSchema = Type.Object(
  { resident: Type.Number({ minimum: 0, maximum: 1 }), staff: Type.Number({ minimum: 0, maximum: 1 }), third_party: Type.Number({ minimum: 0, maximum: 1 }) },
  { additionalProperties: false },
);
export const ProjectSchema = Type.Object({
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  category: Type.String(),
  nodePath: Type.String(),
  communityName: Nullable(Type.String()),
  budget: Type.Integer(),
  resources: Type.String(),
  pointsOffered: Type.Integer(),
  dueOn: Nullable(Type.String()),
  status: Type.String(),
  statusName: Type.String(),
  partnerId: Nullable(Type.String()),
  partnerName: Nullable(Type.String()),
  weights: Type.Any(),
  finalScore: Nullable(Type.Number()),
  pointsPaid: Nullable(Type.Integer()),
  transferId: Nullable(Type.String()),
  publishedAt: Nullable(Type.String()),
  completedAt: Nullable(Type.String()),
  evaluatedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  breakdown: Type.Optional(Type.Any()),
});
export const ProjectBody = Type.Object(
  {
    title: Text(60, 1),
    description: Type.Optional(Text(2000)),
    category: NeedCategorySchema,
    communityId: Uuid,
    budget: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    resources: Type.Optional(Text(1000)),
    pointsOffered: Type.Integer({ minimum: 0, maximum: 100000 }),
    dueOn: Type.Optional(DateStr),
    needIds: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
    weights: Type.Optional(WeightsSchema),
  },
  { additionalProperties: false },
);
export const ProjectPatch = Type.Object(
  {
    title: Type.Optional(Text(60, 1)),
    description: Type.Optional(Text(2000)),
    category: Type.Optional(NeedCategorySchema),
    budget: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
    resources: Type.Optional(Text(1000)),
    pointsOffered: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
    dueOn: Type.Optional(DateStr),
    weights: Type.Optional(WeightsSchema),
  },
  { additionalProperties: false },
);
export const ProjectsQuery = Type.Object({ status: Type.Optional(ProjectStatusSchema), category: Type.Optional(NeedCategorySchema), mine: Type.Optional(Type.Boolean()), ...PageQuery });
export const ClaimParams = Type.Object({ id: Uuid, claimId: Uuid });
export const ClaimBody = Type.Object({ plan: Text(2000, 1) }, { additionalProperties: false });
export const ReviewBody = Type.Object({ approve: Type.Boolean(), note: Type.Optional(Text(500)) }, { additionalProperties: false });
export const LogBody = Type.Object({ kind: lit(['progress', 'issue', 'completion'] as const), content: Text(2000, 1) }, { additionalProperties: false });
export const NoteBody = Type.Object({ note: Type.Optional(Text(500)) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Text(200, 1) }, { additionalProperties: false });
export const EvaluationBody = Type.Object({ score: Type.Integer({ minimum: 0, maximum: 100 }), comment: Type.Optional(Text(500)), thirdParty: Type.Optional(Text(60, 1)) }, { additionalProperties: false });

export const OrgSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  field: Type.String(),
  stage: Type.String(),
  stageName: Type.String(),
  leaderName: Nullable(Type.String()),
  description: Type.String(),
  nodePath: Type.String(),
  partnerId: Nullable(Type.String()),
  stageHistory: Type.Array(Type.Object({ stage: Type.String(), at: Type.String(), note: Type.String() })),
});
export const OrgBody = Type.Object(
  { name: Text(60, 1), field: Text(30, 1), stage: Type.Optional(StageSchema), leaderName: Type.Optional(Text(30)), description: Type.Optional(Text(1000)), communityId: Uuid, partnerId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export const OrgsQuery = Type.Object({ stage: Type.Optional(StageSchema), ...PageQuery });
export const StageBody = Type.Object({ stage: StageSchema, note: Text(200, 1) }, { additionalProperties: false });
export const ActivityBody = Type.Object({ title: Text(60, 1), heldOn: DateStr, participants: Type.Integer({ minimum: 0, maximum: 100000 }), summary: Type.Optional(Text(1000)) }, { additionalProperties: false });
