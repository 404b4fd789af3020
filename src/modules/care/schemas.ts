import { Type } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../../platform/http/schemas.js';

const Str = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const DateTime = Type.String({ format: 'date-time' });
const Range = Type.Object({ min: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 400 }), Type.Null()])), max: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 400 }), Type.Null()])) }, { additionalProperties: false });
const Consent = Type.Object({ given: Type.Boolean(), by: Str(64), note: Type.Optional(Type.Union([Str(500, 0), Type.Null()])) }, { additionalProperties: false });
const CarePlan = Type.Object(
  { visitsPerMonth: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })), services: Type.Optional(Type.Array(Str(32), { maxItems: 20 })), note: Type.Optional(Str(1000, 0)) },
  { additionalProperties: false },
);

export const PersonBody = Type.Object({ residentId: Uuid, consent: Type.Optional(Consent), carePlan: Type.Optional(CarePlan), noDataHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168 })) }, { additionalProperties: false });
export const PersonPatch = Type.Object({ consent: Type.Optional(Consent), carePlan: Type.Optional(CarePlan), noDataHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168 })), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export const PersonsQuery = Type.Object(
  { ...PageQuery, category: Type.Optional(Str(16)), q: Type.Optional(Str(32)), belowPlan: Type.Optional(Type.Boolean({ description: 'true：本月探访次数低于照护计划' })) },
  { additionalProperties: false },
);
export const VisitBody = Type.Object(
  { kind: Type.Optional(Type.Union([Type.Literal('home'), Type.Literal('phone'), Type.Literal('other')])), visitedAt: Type.Optional(Type.Union([DateTime, Type.Null()])), note: Type.Optional(Type.Union([Str(1000, 0), Type.Null()])) },
  { additionalProperties: false },
);
export const VisitsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false });
export const ThresholdsBody = Type.Object(
  {
    thresholds: Type.Object({ heart_rate: Type.Optional(Range), bp_systolic: Type.Optional(Range), bp_diastolic: Type.Optional(Range), spo2: Type.Optional(Range) }, { additionalProperties: false }),
    doctorNote: Str(500),
  },
  { additionalProperties: false },
);
export const CarerBody = Type.Object({ userId: Uuid, kind: Type.Union([Type.Literal('grid_worker'), Type.Literal('volunteer'), Type.Literal('family'), Type.Literal('staff')]) }, { additionalProperties: false });
export const CarerParams = Type.Object({ id: Uuid, userId: Uuid });
export const ContactBody = Type.Object({ name: Str(32), relation: Str(16), phone: Type.Optional(Type.Union([Str(20), Type.Null()])), userId: Type.Optional(Type.Union([Uuid, Type.Null()])) }, { additionalProperties: false });
export const DeviceBody = Type.Object({ deviceId: Uuid }, { additionalProperties: false });
export const DeviceParams = Type.Object({ id: Uuid, deviceId: Uuid });
export const ReadingsQuery = Type.Object({ from: Type.Optional(DateTime), to: Type.Optional(DateTime), abnormal: Type.Optional(Type.Boolean()), limit: Type.Integer({ minimum: 1, maximum: 2000, default: 200 }) }, { additionalProperties: false });
export const AlertsQuery = Type.Object({ ...PageQuery, status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('acked'), Type.Literal('closed')])), personId: Type.Optional(Uuid) }, { additionalProperties: false });
export const NoteBody = Type.Object({ note: Type.Optional(Str(500, 0)) }, { additionalProperties: false });
export const SettingsBody = Type.Object(
  {
    readingRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    alertRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500 })),
    escalateMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    noMovementHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
    visitRemindDay: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 28 }), Type.Null()], { description: '每月从该日起提醒照护人：探访次数低于照护计划（null 为不提醒）' })),
  },
  { additionalProperties: false },
);

const ServiceType = Type.Union([Type.Literal('haircut'), Type.Literal('meal_delivery'), Type.Literal('cleaning'), Type.Literal('medical_check'), Type.Literal('sign_language'), Type.Literal('other')]);
export const ServiceBody = Type.Object({ personId: Uuid, type: ServiceType, scheduledAt: DateTime, note: Type.Optional(Type.Union([Str(500, 0), Type.Null()])) }, { additionalProperties: false });
export const ServicesQuery = Type.Object({ ...PageQuery, personId: Type.Optional(Uuid), status: Type.Optional(Type.Union(['booked', 'assigned', 'completed', 'cancelled'].map((x) => Type.Literal(x)))) }, { additionalProperties: false });
export const AssignBody = Type.Object({ providerKind: Type.Union([Type.Literal('partner'), Type.Literal('volunteer'), Type.Literal('staff')]), providerUserId: Type.Optional(Type.Union([Uuid, Type.Null()])), providerName: Str(64) }, { additionalProperties: false });
export const CompleteBody = Type.Object({ minutes: Type.Integer({ minimum: 1, maximum: 1440 }) }, { additionalProperties: false });
export const RateBody = Type.Object({ rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.Union([Str(500, 0), Type.Null()])) }, { additionalProperties: false });

const Subsidy = Type.Object({ tag: Str(16), amountCents: Type.Integer({ minimum: 0, maximum: 1_000_000 }) }, { additionalProperties: false });
export const MenuBody = Type.Object(
  { nodePath: Type.Optional(Str(300)), day: Day, name: Str(64), priceCents: Type.Integer({ minimum: 0, maximum: 1_000_000 }), subsidies: Type.Optional(Type.Array(Subsidy, { maxItems: 20 })), delivery: Type.Optional(Type.Boolean()), portions: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()])) },
  { additionalProperties: false },
);
export const MenuQuery = Type.Object({ day: Type.Optional(Day) }, { additionalProperties: false });
export const OrderBody = Type.Object({ menuItemId: Uuid, residentId: Type.Optional(Uuid), qty: Type.Integer({ minimum: 1, maximum: 20 }), mode: Type.Union([Type.Literal('pickup'), Type.Literal('delivery')]) }, { additionalProperties: false });
const OrderStatus = Type.Union([Type.Literal('placed'), Type.Literal('ready'), Type.Literal('delivered'), Type.Literal('picked_up'), Type.Literal('cancelled')]);
export const OrdersQuery = Type.Object({ ...PageQuery, day: Type.Optional(Day), status: Type.Optional(OrderStatus) }, { additionalProperties: false });
export const OrderStatusBody = Type.Object(
  { status: Type.Union([Type.Literal('ready'), Type.Literal('delivered'), Type.Literal('picked_up'), Type.Literal('cancelled')]), reason: Type.Optional(Type.Union([Str(200, 0), Type.Null()])) },
  { additionalProperties: false },
);
export const DonationBody = Type.Object(
  { nodePath: Type.Optional(Str(300)), donorName: Str(64), partnerId: Type.Optional(Type.Union([Uuid, Type.Null()])), items: Str(500), quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }), points: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })) },
  { additionalProperties: false },
);
export const ShiftBody = Type.Object({ nodePath: Type.Optional(Str(300)), title: Str(64), startsAt: DateTime, endsAt: DateTime, capacity: Type.Integer({ minimum: 1, maximum: 500 }) }, { additionalProperties: false });
export const FacilityBody = Type.Object({ kind: Str(32), name: Str(64), lng: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }), address: Type.Optional(Type.Union([Str(200, 0), Type.Null()])) }, { additionalProperties: false });
export const ReportBody = Type.Object({ description: Str(1000) }, { additionalProperties: false });
