import { Type } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../../platform/http/schemas.js';
import { TOPIC_CATEGORIES } from './service/topics.js';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const strict = { additionalProperties: false } as const;
const DateTime = Type.String({ format: 'date-time' });

export const TOPIC_STATUSES = ['proposed', 'supported', 'accepted', 'rejected', 'withdrawn', 'expired', 'scheduled', 'agreed', 'voting', 'passed', 'failed', 'resolved', 'completed'] as const;

export const TopicsQuery = Type.Object({
  status: Type.Optional(Type.Array(lit(TOPIC_STATUSES))),
  q: Type.Optional(Type.String({ maxLength: 50 })),
  mine: Type.Optional(Type.Boolean()),
  ...PageQuery,
});

export const TopicBody = Type.Object(
  {
    title: Type.String({ minLength: 2, maxLength: 60 }),
    body: Type.String({ minLength: 5, maxLength: 2000 }),
    category: lit(TOPIC_CATEGORIES),
    nodeId: Type.Optional(Uuid),
    photos: Type.Optional(Type.Array(Uuid, { maxItems: 9, description: '先调用 POST /api/files 上传，再传照片 id' })),
  },
  strict,
);

export const ThresholdsQuery = Type.Object({ nodeId: Uuid });
export const ThresholdBody = Type.Object(
  { nodeId: Uuid, level: lit(['building', 'grid', 'estate', 'community'] as const), threshold: Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()]) },
  strict,
);
export const CommentParams = Type.Object({ id: Uuid, commentId: Uuid });
export const ModerateBody = Type.Object({ action: lit(['hide', 'restore'] as const), reason: Type.String({ minLength: 2, maxLength: 500 }) }, strict);
export const ReportBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, strict);

export const ReviewBody = Type.Object({ decision: lit(['accept', 'reject'] as const), note: Type.Optional(Type.String({ maxLength: 500 })) }, strict);
export const CommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);

export const AgendaItem = Type.Object({ topicId: Type.Optional(Uuid), title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, strict);

export const MeetingBody = Type.Object(
  {
    title: Type.String({ minLength: 2, maxLength: 100 }),
    nodeId: Uuid,
    startsAt: DateTime,
    endsAt: DateTime,
    mode: Type.Optional(lit(['in_person', 'online', 'hybrid'] as const)),
    location: Type.Optional(Type.String({ maxLength: 100 })),
    onlineUrl: Type.Optional(Type.String({ maxLength: 500 })),
    invitees: Type.Optional(
      Type.Array(
        Type.Object(
          { kind: lit(['resident_rep', 'property', 'owners_committee', 'party', 'expert', 'department', 'other'] as const), name: Type.String({ minLength: 1, maxLength: 50 }), org: Type.Optional(Type.String({ maxLength: 100 })) },
          strict,
        ),
        { maxItems: 30 },
      ),
    ),
    agenda: Type.Array(AgendaItem, { maxItems: 30, default: [] }),
  },
  strict,
);
export const AgendaBody = Type.Object({ agenda: Type.Array(AgendaItem, { maxItems: 30 }) }, strict);
export const SigninBody = Type.Object({ residentId: Type.Optional(Uuid) }, strict);
export const MinutesBody = Type.Object(
  {
    minutes: Type.String({ minLength: 1, maxLength: 20000 }),
    outcomes: Type.Array(Type.Object({ agendaItemId: Uuid, outcome: lit(['consensus', 'to_vote', 'deferred', 'rejected'] as const), note: Type.Optional(Type.String({ maxLength: 1000 })) }, strict), { maxItems: 30 }),
  },
  strict,
);
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 2, maxLength: 500 }) }, strict);
export const MeetingsQuery = Type.Object({ status: Type.Optional(lit(['scheduled', 'held', 'cancelled'] as const)), ...PageQuery });

export const VoteBody = Type.Object(
  {
    title: Type.String({ minLength: 2, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    topicId: Type.Optional(Uuid),
    conventionId: Type.Optional(Uuid),
    conventionVersion: Type.Optional(Type.Integer({ minimum: 1 })),
    nodeId: Uuid,
    method: lit(['resident', 'household', 'owner'] as const),
    rule: lit(['simple', 'two_thirds', 'double_majority', 'double_three_quarters'] as const),
    ballot: Type.Optional(lit(['real_name', 'secret'] as const)),
    quorumPct: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100 }), Type.Null()])),
    eligibility: Type.Optional(lit(['all', 'owners', 'household_heads', 'listed'] as const)),
    electorIds: Type.Optional(Type.Array(Uuid, { maxItems: 500 })),
    opensAt: Type.Optional(DateTime),
    closesAt: DateTime,
  },
  strict,
);
export const BallotBody = Type.Object({ choice: lit(['agree', 'oppose', 'abstain'] as const), residentId: Type.Optional(Uuid) }, strict);
export const VotesQuery = Type.Object({ status: Type.Optional(lit(['open', 'closed', 'cancelled'] as const)), topicId: Type.Optional(Uuid), ...PageQuery });

export const ResolutionBody = Type.Object(
  {
    title: Type.String({ minLength: 2, maxLength: 100 }),
    content: Type.String({ minLength: 2, maxLength: 5000 }),
    assignee: Type.String({ minLength: 2, maxLength: 100 }),
    dueDate: Type.String({ format: 'date' }),
    topicId: Type.Optional(Uuid),
    voteId: Type.Optional(Uuid),
    meetingId: Type.Optional(Uuid),
    steps: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20 })),
  },
  strict,
);
export const ProgressBody = Type.Object(
  {
    note: Type.String({ minLength: 1, maxLength: 2000 }),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    completed: Type.Optional(Type.Boolean()),
    stepId: Type.Optional(Uuid),
    photos: Type.Optional(Type.Array(Uuid, { maxItems: 9 })),
  },
  strict,
);
export const ResolutionsQuery = Type.Object({ status: Type.Optional(lit(['in_progress', 'completed'] as const)), overdue: Type.Optional(Type.Boolean()), ...PageQuery });

export const ArticleSchema = Type.Object({ no: Type.Integer({ minimum: 1, maximum: 500 }), title: Type.Optional(Type.String({ maxLength: 50 })), text: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
export const ConventionBody = Type.Object(
  { title: Type.String({ minLength: 2, maxLength: 100 }), nodeId: Uuid, articles: Type.Array(ArticleSchema, { minItems: 1, maxItems: 200 }), changeNote: Type.Optional(Type.String({ maxLength: 500 })) },
  strict,
);
export const VersionBody = Type.Object({ articles: Type.Array(ArticleSchema, { minItems: 1, maxItems: 200 }), changeNote: Type.String({ minLength: 2, maxLength: 500 }) }, strict);
export const VersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1, maximum: 100000 }) });
export const AdoptBody = Type.Object({ meetingId: Uuid }, strict);
export const AnnotationBody = Type.Object(
  { articleNo: Type.Integer({ minimum: 1, maximum: 500 }), body: Type.String({ minLength: 1, maxLength: 1000 }), suggestedText: Type.Optional(Type.String({ maxLength: 2000 })) },
  strict,
);
export const ReviseBody = Type.Object({ changeNote: Type.Optional(Type.String({ maxLength: 500 })) }, strict);
export const ReplyBody = Type.Object({ status: lit(['adopted', 'declined'] as const), reply: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);
export const DiffQuery = Type.Object({ from: Type.Integer({ minimum: 1, maximum: 100000 }), to: Type.Integer({ minimum: 1, maximum: 100000 }) });
export const ConventionsQuery = Type.Object({ ...PageQuery });

export const RollQuery = Type.Object({ nodeId: Uuid });
export const RollBody = Type.Object({ areaM2: Type.Number({ exclusiveMinimum: 0, maximum: 99999 }), ownerResidentId: Type.Optional(Type.Union([Uuid, Type.Null()])) }, strict);
export const HouseholdParams = Type.Object({ householdId: Uuid });
