import { Type } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../../platform/http/schemas.js';
import { ASSIGNMENT_ROLES, DISPUTE_STATES, DISPUTE_TYPES, EXPERT_KINDS, FOLLOWUP_OUTCOMES, MEDIATION_TYPES, RISK_LEVELS, TIERS } from './repository.js';

const Enum = <T extends string>(values: readonly T[], description?: string) => Type.Union([...values].map((v) => Type.Literal(v)), description ? { description } : {});

export const DisputeTypeSchema = Enum(DISPUTE_TYPES, 'neighbour 邻里 | family 婚姻家庭 | property 物业 | land 土地宅基地 | labour 劳动 | consumer 消费 | other 其他');
export const TierSchema = Enum(TIERS, 'grid 网格/村（社区） | street 街道调处中心 | district 区调处中心');
export const RiskSchema = Enum(RISK_LEVELS, 'low | medium | high | critical');
export const StateSchema = Enum(DISPUTE_STATES);
export const ExpertKindSchema = Enum(EXPERT_KINDS, 'mediator 调解员 | lawyer 律师 | sage 乡贤 | retired_cadre 退休干部 | party_rep 党代表 | npc_deputy 人大代表 | cppcc_member 政协委员 | psychologist 心理咨询师');
export const MediationTypeSchema = Enum(MEDIATION_TYPES, 'people 人民调解 | administrative 行政调解 | judicial 司法调解');

const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const Phone = Type.String({ pattern: '^1\\d{10}$' });

export const PartyBody = Type.Object(
  {
    role: Enum(['applicant', 'respondent', 'third'] as const),
    kind: Type.Optional(Enum(['person', 'enterprise'] as const)),
    name: Text(100),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(Type.Union([Text(200), Type.Null()])),
    residentId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  },
  { additionalProperties: false },
);

const disputeFields = {
  type: DisputeTypeSchema,
  title: Text(100, 2),
  description: Text(4000, 5),
  claims: Type.Optional(Type.Union([Text(2000), Type.Null()])),
  parties: Type.Array(PartyBody, { minItems: 2, maxItems: 20 }),
  riskLevel: Type.Optional(RiskSchema),
  enterpriseRelated: Type.Optional(Type.Boolean()),
  nodeId: Type.Optional(Uuid),
};

export const DisputeBody = Type.Object({ ...disputeFields, tier: Type.Optional(TierSchema) }, { additionalProperties: false });
export const ApplyBody = Type.Object(disputeFields, { additionalProperties: false });

export const FromCaseBody = Type.Object(
  {
    caseId: Uuid,
    respondentName: Type.Optional(Text(100)),
    riskLevel: Type.Optional(RiskSchema),
  },
  { additionalProperties: false },
);

export const DisputesQuery = Type.Object(
  {
    state: Type.Optional(Type.Array(StateSchema)),
    tier: Type.Optional(TierSchema),
    type: Type.Optional(DisputeTypeSchema),
    risk: Type.Optional(RiskSchema),
    enterprise: Type.Optional(Type.Boolean()),
    warned: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ maxLength: 50 })),
    nodeId: Type.Optional(Uuid),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const RevealQuery = Type.Object({ reveal: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export const AcceptBody = Type.Object({ leadExpertId: Type.Optional(Uuid), note: Type.Optional(Text(500)) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Text(500, 2) }, { additionalProperties: false });
export const EscalateBody = Type.Object({ toTier: TierSchema, reason: Text(500, 2) }, { additionalProperties: false });
export const PatchBody = Type.Object(
  { riskLevel: Type.Optional(RiskSchema), enterpriseRelated: Type.Optional(Type.Boolean()), type: Type.Optional(DisputeTypeSchema), reason: Type.Optional(Text(500)) },
  { additionalProperties: false, minProperties: 1 },
);
export const ContactBody = Type.Object({ channel: Enum(['visit', 'phone', 'petition', 'online'] as const), note: Text(1000) }, { additionalProperties: false });
export const AssignBody = Type.Object({ expertId: Uuid, role: Enum(ASSIGNMENT_ROLES) }, { additionalProperties: false });
export const ExpertParams = Type.Object({ id: Uuid, expertId: Uuid });
export const SessionParams = Type.Object({ id: Uuid, sessionId: Uuid });
export const SuggestQuery = Type.Object({ kind: Type.Optional(Type.Array(ExpertKindSchema)) }, { additionalProperties: false });

export const SessionBody = Type.Object(
  {
    scheduledAt: Type.String({ format: 'date-time' }),
    mode: Enum(['in_person', 'online'] as const),
    location: Type.Optional(Type.Union([Text(200), Type.Null()])),
    meetingUrl: Type.Optional(Type.Union([Text(500), Type.Null()])),
  },
  { additionalProperties: false },
);

const ReferralBody = Type.Object(
  { to: Enum(['court', 'arbitration', 'petition', 'administrative'] as const, 'court 法院 | arbitration 仲裁 | petition 信访 | administrative 行政机关'), institution: Text(100), reason: Text(500, 2) },
  { additionalProperties: false },
);
export { ReferralBody };

export const OutcomeBody = Type.Object(
  {
    attendance: Type.Array(Type.Object({ name: Text(100), role: Text(30), present: Type.Boolean() }, { additionalProperties: false }), { maxItems: 50 }),
    notes: Text(4000),
    outcome: Enum(['agreement', 'partial', 'failed'] as const),
    terms: Type.Optional(Type.Array(Text(1000), { maxItems: 30 })),
    performance: Type.Optional(Type.Union([Text(1000), Type.Null()])),
    referral: Type.Optional(Type.Union([ReferralBody, Type.Null()])),
  },
  { additionalProperties: false },
);

export const JudicialBody = Type.Object(
  { status: Enum(['filed', 'confirmed', 'refused'] as const), court: Type.Optional(Type.Union([Text(100), Type.Null()])), note: Type.Optional(Type.Union([Text(1000), Type.Null()])) },
  { additionalProperties: false },
);

export const FollowupBody = Type.Object(
  { outcome: Enum(FOLLOWUP_OUTCOMES, 'kept 已履行 | partly_kept 部分履行 | broken 未履行（重新调解）'), notes: Text(2000), counselling: Type.Optional(Type.Boolean()), counsellorExpertId: Type.Optional(Type.Union([Uuid, Type.Null()])) },
  { additionalProperties: false },
);
export const FollowupsQuery = Type.Object({ status: Type.Optional(Type.Array(Enum(['scheduled', 'due', 'done', 'cancelled'] as const))), ...PageQuery }, { additionalProperties: false });

export const WarningsQuery = Type.Object({ status: Type.Optional(Enum(['open', 'acknowledged'] as const)), ...PageQuery }, { additionalProperties: false });
export const AckBody = Type.Object({ note: Text(1000) }, { additionalProperties: false });

export const StatsQuery = Type.Object({ from: Type.Optional(Type.String({ format: 'date' })), to: Type.Optional(Type.String({ format: 'date' })) }, { additionalProperties: false });

export const ExpertsQuery = Type.Object(
  { kind: Type.Optional(ExpertKindSchema), tier: Type.Optional(TierSchema), available: Type.Optional(Type.Boolean()), expertise: Type.Optional(DisputeTypeSchema), q: Type.Optional(Type.String({ maxLength: 50 })) },
  { additionalProperties: false },
);
export const ExpertBody = Type.Object(
  {
    name: Text(50),
    kind: ExpertKindSchema,
    mediationType: MediationTypeSchema,
    tier: TierSchema,
    nodeId: Uuid,
    organization: Type.Optional(Type.Union([Text(100), Type.Null()])),
    expertise: Type.Array(DisputeTypeSchema, { uniqueItems: true, maxItems: 7 }),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    bio: Type.Optional(Type.Union([Text(1000), Type.Null()])),
    available: Type.Optional(Type.Boolean()),
    maxLoad: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    userId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  },
  { additionalProperties: false },
);
export const ExpertPatch = Type.Object(
  {
    available: Type.Optional(Type.Boolean()),
    maxLoad: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    expertise: Type.Optional(Type.Array(DisputeTypeSchema, { uniqueItems: true, maxItems: 7 })),
    organization: Type.Optional(Type.Union([Text(100), Type.Null()])),
    bio: Type.Optional(Type.Union([Text(1000), Type.Null()])),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const LegalAidBody = Type.Object(
  {
    requesterKind: Enum(['resident', 'enterprise'] as const),
    enterpriseName: Type.Optional(Type.Union([Text(100), Type.Null()])),
    name: Text(50),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    topic: DisputeTypeSchema,
    question: Text(2000, 5),
    nodeId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export const LegalAidQuery = Type.Object({ status: Type.Optional(Enum(['open', 'matched', 'answered', 'closed'] as const)), ...PageQuery }, { additionalProperties: false });
export const LegalAidHandleBody = Type.Object({ expertId: Type.Optional(Uuid), answer: Type.Optional(Text(4000)) }, { additionalProperties: false, minProperties: 1 });
