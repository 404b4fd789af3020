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
  },
  strict,
);

export const ReviewBody = Type.Object({ decision: lit(['accept', 'reject'] as const), note: Type.Optional(Type.String({ maxLength: 500 })) }, strict);
export const CommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);

export const AgendaItem = Type.Object({ topicId: Type.Optional(Uuid), title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, strict);

export const MeetingBody = Type.Object(
  {
    title: Type.String({ minLength: 2, maxLength: 100 }),
    nodeId: Uuid,
    startsAt: DateTime,
    endsAt: DateTime,
    location: Type.String({ minLength: 2, maxLength: 100 }),
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
    method: lit(['resident', 'owner'] as const),
    rule: lit(['simple', 'double_majority', 'double_three_quarters'] as const),
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
  },
  strict,
);
export const ProgressBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000 }), progress: Type.Integer({ minimum: 0, maximum: 100 }), completed: Type.Optional(Type.Boolean()) }, strict);
export const ResolutionsQuery = Type.Object({ status: Type.Optional(lit(['in_progress', 'completed'] as const)), overdue: Type.Optional(Type.Boolean()), ...PageQuery });

export const ArticleSchema = Type.Object({ no: Type.Integer({ minimum: 1, maximum: 500 }), title: Type.Optional(Type.String({ maxLength: 50 })), text: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
export const ConventionBody = Type.Object(
  { title: Type.String({ minLength: 2, maxLength: 100 }), nodeId: Uuid, articles: Type.Array(ArticleSchema, { minItems: 1, maxItems: 200 }), changeNote: Type.Optional(Type.String({ maxLength: 500 })) },
  strict,
);
export const VersionBody = Type.Object({ articles: Type.Array(ArticleSchema, { minItems: 1, maxItems: 200 }), changeNote: Type.String({ minLength: 2, maxLength: 500 }) }, strict);
export const VersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1, maximum: 100000 }) });
export const AdoptBody = Type.Object({ meetingId: Uuid }, strict);
export const AnnotationBody = Type.Object({ articleNo: Type.Integer({ minimum: 1, maximum: 500 }), body: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);
export const ReplyBody = Type.Object({ status: lit(['adopted', 'declined'] as const), reply: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);
export const DiffQuery = Type.Object({ from: Type.Integer({ minimum: 1, maximum: 100000 }), to: Type.Integer({ minimum: 1, maximum: 100000 }) });
export const ConventionsQuery = Type.Object({ ...PageQuery });

export const RollQuery = Type.Object({ nodeId: Uuid });
export const RollBody = Type.Object({ areaM2: Type.Number({ exclusiveMinimum: 0, maximum: 99999 }), ownerResidentId: Type.Optional(Type.Union([Uuid, Type.Null()])) }, strict);
export const HouseholdParams = Type.Object({ householdId: Uuid });
