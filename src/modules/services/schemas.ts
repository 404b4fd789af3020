import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';

const Tag = Type.String({ minLength: 1, maxLength: 20 });
const Age = Type.Integer({ minimum: 0, maximum: 150 });
const Time = Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601' });

export const Targeting = {
  nodeId: Uuid,
  tags: Type.Optional(Type.Array(Tag, { maxItems: 8 })),
  minAge: Type.Optional(Nullable(Age)),
  maxAge: Type.Optional(Nullable(Age)),
};
export const AudienceBody = Type.Object(Targeting, { additionalProperties: false });
export const SuggestQuery = Type.Object({ nodeId: Uuid }, { additionalProperties: false });

export const AnnouncementBody = Type.Object(
  {
    ...Targeting,
    title: Type.String({ minLength: 1, maxLength: 100 }),
    body: Type.String({ minLength: 1, maxLength: 10000 }),
    category: Type.Optional(Type.String({ maxLength: 20 })),
    pinned: Type.Optional(Type.Boolean()),
    onBoard: Type.Optional(Type.Boolean()),
    expiresAt: Type.Optional(Nullable(Time)),
    publish: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const AnnouncementPatch = Type.Object(
  { pinned: Type.Optional(Type.Boolean()), onBoard: Type.Optional(Type.Boolean()), expiresAt: Type.Optional(Nullable(Time)), withdraw: Type.Optional(Type.Literal(true)) },
  { additionalProperties: false },
);
export const AnnouncementsQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(Type.Union(['draft', 'published', 'expired', 'withdrawn'].map((s) => Type.Literal(s)))), q: Type.Optional(Type.String({ maxLength: 50 })) },
  { additionalProperties: false },
);
export const FeedQuery = Type.Object({ node: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false });

export const ActivityBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Type.String({ minLength: 1, maxLength: 30 }),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    nodeId: Uuid,
    location: Type.Optional(Type.String({ maxLength: 200 })),
    roomId: Type.Optional(Nullable(Uuid)),
    startsAt: Time,
    endsAt: Time,
    signupDeadline: Type.Optional(Nullable(Time)),
    capacity: Type.Integer({ minimum: 1, maximum: 10000 }),
    minAge: Type.Optional(Nullable(Age)),
    maxAge: Type.Optional(Nullable(Age)),
    requiredTags: Type.Optional(Type.Array(Tag, { maxItems: 8 })),
    residentsOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const ActivitiesQuery = Type.Object({ ...PageQuery, upcoming: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const SignupBody = Type.Object({ residentId: Type.Optional(Nullable(Uuid)) }, { additionalProperties: false });
export const CheckinBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

export const RoomBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 60 }),
    nodeId: Uuid,
    capacity: Type.Integer({ minimum: 1, maximum: 2000 }),
    facilities: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    openFrom: Type.Optional(Type.String({ pattern: '^\\d{2}:\\d{2}$' })),
    openTo: Type.Optional(Type.String({ pattern: '^\\d{2}:\\d{2}$' })),
  },
  { additionalProperties: false },
);
export const BookingBody = Type.Object({ startsAt: Time, endsAt: Time, purpose: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const BookingsQuery = Type.Object({ from: Type.Optional(Time), to: Type.Optional(Time) }, { additionalProperties: false });

const Doc = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), required: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false });
export const MatterBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 60 }),
    category: Type.String({ minLength: 1, maxLength: 30 }),
    summary: Type.String({ minLength: 1, maxLength: 2000 }),
    eligibility: Type.Optional(Type.String({ maxLength: 2000 })),
    documents: Type.Array(Doc, { maxItems: 30 }),
    steps: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 30 }),
    timeLimitDays: Type.Integer({ minimum: 1, maximum: 365 }),
    desk: Type.String({ minLength: 1, maxLength: 200 }),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
    fee: Type.Optional(Type.String({ maxLength: 60 })),
    online: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  },
  { additionalProperties: false },
);
export const MattersQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 50 })), category: Type.Optional(Type.String({ maxLength: 30 })), all: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export const ApplyBody = Type.Object(
  {
    matterId: Uuid,
    details: Type.Optional(Type.String({ maxLength: 2000 })),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    files: Type.Optional(Type.Array(Uuid, { maxItems: 9 })),
    residentId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);
export const ApplicationsQuery = Type.Object(
  { ...PageQuery, status: Type.Optional(Type.Union(['submitted', 'accepted', 'need_more', 'approved', 'rejected', 'withdrawn'].map((s) => Type.Literal(s)))), matterId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export const DecideParams = Type.Object({ id: Uuid, action: Type.Union(['accept', 'approve', 'reject', 'return'].map((s) => Type.Literal(s))) });
export const NoteBody = Type.Object({ note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))) }, { additionalProperties: false });
export const ResubmitBody = Type.Object({ details: Type.Optional(Type.String({ maxLength: 2000 })), files: Type.Optional(Type.Array(Uuid, { maxItems: 9 })) }, { additionalProperties: false });

export const RepairBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    photos: Type.Optional(Type.Array(Uuid, { maxItems: 9 })),
    location: Type.Optional(Nullable(Type.Object({ lng: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) }, { additionalProperties: false }))),
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    idempotencyKey: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  },
  { additionalProperties: false },
);

export const AskBody = Type.Object({ question: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });
export const QuestionsQuery = Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('none')])) }, { additionalProperties: false });
export const ResolveQuestionBody = Type.Object({ resolution: Type.String({ minLength: 1, maxLength: 2000 }), articleId: Type.Optional(Nullable(Uuid)) }, { additionalProperties: false });
export const ArticleBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100 }),
    body: Type.String({ minLength: 1, maxLength: 5000 }),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 30 }), { maxItems: 30 })),
    matterCode: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const EmergencyBody = Type.Object(
  {
    lng: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
    lat: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
    accuracy: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 100000 }))),
    message: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
export const EmergenciesQuery = Type.Object({ ...PageQuery, open: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const ResolutionBody = Type.Object({ resolution: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
