import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';
import { RESIDENT_TAGS } from '../org/index.js';

const Tag = Type.Union(RESIDENT_TAGS.map((t) => Type.Literal(t)));
const IsoTime = Type.String({ format: 'date-time' });
const DateStr = Type.String({ format: 'date' });
/** a client-generated key that makes a retried (offline-queued) request safe */
const IdemKey = Type.String({ minLength: 8, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' });
const Lng = Type.Number({ minimum: -180, maximum: 180 });
const Lat = Type.Number({ minimum: -90, maximum: 90 });
const Location = Type.Object({ lng: Lng, lat: Lat }, { additionalProperties: false });
const Photos = Type.Array(Uuid, { maxItems: 9, uniqueItems: true });

export const NodeQuery = Type.Object({ nodeId: Type.Optional(Uuid) });
export const IdParams = Type.Object({ id: Uuid });
export const TagParams = Type.Object({ tag: Tag });
export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 20 }) });

// registry
export const MoveBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('move_in'), Type.Literal('move_out'), Type.Literal('transfer')]),
    householdId: Type.Optional(Nullable(Uuid)),
    movedOn: Type.Optional(DateStr),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const MovesQuery = Type.Object({
  nodeId: Type.Optional(Uuid),
  kind: Type.Optional(Type.Union([Type.Literal('move_in'), Type.Literal('move_out'), Type.Literal('transfer')])),
  from: Type.Optional(DateStr),
  to: Type.Optional(DateStr),
  ...PageQuery,
});

// teams
export const TeamMemberBody = Type.Object(
  {
    role: Type.Union([Type.Literal('leader'), Type.Literal('worker')]),
    userId: Type.Optional(Nullable(Uuid)),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    phone: Type.Optional(Nullable(Type.String({ pattern: '^1\\d{10}$' }))),
  },
  { additionalProperties: false },
);
export const HouseholdsBody = Type.Object({ householdIds: Type.Array(Uuid, { maxItems: 500 }) }, { additionalProperties: false });

// patrols
const Point = Type.Object({ at: IsoTime, lng: Lng, lat: Lat, accuracy: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 100000 }))) }, { additionalProperties: false });
export const StartPatrolBody = Type.Object(
  { gridId: Type.Optional(Nullable(Uuid)), idempotencyKey: Type.Optional(IdemKey), position: Type.Optional(Nullable(Point)) },
  { additionalProperties: false },
);
export const PointsBody = Type.Object({ points: Type.Array(Point, { minItems: 1, maxItems: 500 }) }, { additionalProperties: false });
export const PatrolReportBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    location: Type.Optional(Nullable(Location)),
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    categoryCode: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    photos: Type.Optional(Photos),
    idempotencyKey: Type.Optional(IdemKey),
  },
  { additionalProperties: false },
);
export const EndPatrolBody = Type.Object({ summary: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))), points: Type.Optional(Type.Array(Point, { maxItems: 500 })) }, { additionalProperties: false });
export const PatrolsQuery = Type.Object({
  nodeId: Type.Optional(Uuid),
  mine: Type.Optional(Type.Boolean()),
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('ended')])),
  from: Type.Optional(IsoTime),
  to: Type.Optional(IsoTime),
  ...PageQuery,
});
export const CoverageQuery = Type.Object({ nodeId: Type.Optional(Uuid), week: Type.Optional(DateStr) });

// visits
export const VisitRuleBody = Type.Object({ intervalDays: Type.Integer({ minimum: 1, maximum: 366 }), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const VisitBody = Type.Object(
  {
    residentId: Uuid,
    visitedAt: Type.Optional(IsoTime),
    kind: Type.Optional(Type.Union([Type.Literal('home'), Type.Literal('phone'), Type.Literal('other')])),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    needs: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    photos: Type.Optional(Photos),
    patrolId: Type.Optional(Nullable(Uuid)),
    idempotencyKey: Type.Optional(IdemKey),
  },
  { additionalProperties: false },
);
export const VisitsQuery = Type.Object({
  nodeId: Type.Optional(Uuid),
  residentId: Type.Optional(Uuid),
  mine: Type.Optional(Type.Boolean()),
  from: Type.Optional(IsoTime),
  to: Type.Optional(IsoTime),
  ...PageQuery,
});
export const PlanQuery = Type.Object({ nodeId: Type.Optional(Uuid), overdue: Type.Optional(Type.Boolean()), ...PageQuery });

// proxy service
export const ProxyCaseBody = Type.Object(
  {
    residentId: Uuid,
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    location: Location,
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    categoryCode: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    photos: Type.Optional(Photos),
    idempotencyKey: Type.Optional(IdemKey),
  },
  { additionalProperties: false },
);
export const ProxyServiceBody = Type.Object(
  {
    residentId: Uuid,
    /** a matter of the services catalogue (办事指南) */
    matterId: Uuid,
    details: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    /** documents (photos uploaded by the staff member) */
    files: Type.Optional(Photos),
    idempotencyKey: Type.Optional(IdemKey),
  },
  { additionalProperties: false },
);
export const ProxyActivityBody = Type.Object({ residentId: Uuid, activityId: Uuid, idempotencyKey: Type.Optional(IdemKey) }, { additionalProperties: false });
export const ProxyCloseBody = Type.Object({ state: Type.Union([Type.Literal('done'), Type.Literal('cancelled')]), result: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
export const ProxyQuery = Type.Object({
  nodeId: Type.Optional(Uuid),
  state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('done'), Type.Literal('cancelled')])),
  kind: Type.Optional(Type.Union([Type.Literal('case'), Type.Literal('service'), Type.Literal('activity')])),
  mine: Type.Optional(Type.Boolean()),
  ...PageQuery,
});

// desk
export const DeskQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 50 }), ...PageQuery });

// party
export const PartyOrgBody = Type.Object(
  {
    level: Type.Union([Type.Literal('committee'), Type.Literal('branch'), Type.Literal('group')]),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    nodeId: Uuid,
    parentId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);
export const PartyMemberBody = Type.Object(
  { orgId: Uuid, residentId: Uuid, post: Type.Optional(Type.String({ minLength: 1, maxLength: 30 })), joinedOn: Type.Optional(DateStr) },
  { additionalProperties: false },
);
export const CrossPostBody = Type.Object(
  {
    partyPost: Type.String({ minLength: 1, maxLength: 50 }),
    bodyKind: Type.Union([Type.Literal('owners_committee'), Type.Literal('property_company')]),
    bodyName: Type.String({ minLength: 1, maxLength: 100 }),
    bodyCode: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    post: Type.String({ minLength: 1, maxLength: 50 }),
  },
  { additionalProperties: false },
);
export const SiteBody = Type.Object(
  {
    id: Type.Optional(Uuid),
    level: Type.Union([Type.Literal('street'), Type.Literal('community'), Type.Literal('estate')]),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    nodeId: Uuid,
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    lng: Type.Optional(Nullable(Lng)),
    lat: Type.Optional(Nullable(Lat)),
    openingHours: Type.String({ minLength: 1, maxLength: 200 }),
    services: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 30 }),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
  },
  { additionalProperties: false },
);
export const SitesQuery = Type.Object({ nodeId: Type.Optional(Uuid), level: Type.Optional(Type.Union([Type.Literal('street'), Type.Literal('community'), Type.Literal('estate')])) });
