import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';

const Severity = Type.Union([Type.Literal('critical'), Type.Literal('major'), Type.Literal('minor'), Type.Literal('warning')]);
const Status = Type.Union([Type.Literal('active_unack'), Type.Literal('active_ack'), Type.Literal('cleared_unack'), Type.Literal('cleared_ack')]);
const Op = Type.Union([Type.Literal('gt'), Type.Literal('gte'), Type.Literal('lt'), Type.Literal('lte'), Type.Literal('eq'), Type.Literal('neq')]);
const CoverType = Type.Union([Type.Literal('water_supply'), Type.Literal('drainage'), Type.Literal('power'), Type.Literal('telecom'), Type.Literal('gas')]);
const TypeCode = Type.String({ pattern: '^[a-z_]{2,32}$' });
const AlarmTypeCode = Type.String({ pattern: '^[a-z][a-z0-9_]{1,31}$' });
const DateTime = Type.String({ format: 'date-time' });

export const DeviceQuery = Type.Object({
  type: Type.Optional(TypeCode),
  online: Type.Optional(Type.Boolean()),
  alarmed: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ maxLength: 50 })),
  gridId: Type.Optional(Uuid),
  departmentId: Type.Optional(Uuid),
  bbox: Type.Optional(Type.String({ maxLength: 100, description: 'west,south,east,north（地图视野）' })),
  latest: Type.Optional(Type.Boolean({ description: '附带各遥测键的最新值' })),
  ...PageQuery,
});

export const DeviceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    type: TypeCode,
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    departmentCode: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    coverType: Type.Optional(Nullable(CoverType)),
    token: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z0-9_\\-.]{8,64}$' }))),
    isGateway: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    props: Type.Optional(Type.Record(Type.String(), Type.Any())),
  },
  { additionalProperties: false },
);

export const DevicePatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    type: Type.Optional(TypeCode),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    address: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    departmentCode: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
    coverType: Type.Optional(Nullable(CoverType)),
    isGateway: Type.Optional(Type.Boolean()),
    active: Type.Optional(Type.Boolean()),
    props: Type.Optional(Type.Record(Type.String(), Type.Any())),
  },
  { additionalProperties: false },
);

export const RotateBody = Type.Object({ token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_\\-.]{8,64}$' })) }, { additionalProperties: false });

export const ImportBody = Type.Object({ csv: Type.String({ minLength: 1, maxLength: 5_000_000 }) }, { additionalProperties: false });

export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });

export const SeriesQuery = Type.Object({
  keys: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.\\-:]{1,64}$' }), { maxItems: 20 })),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
  agg: Type.Optional(Type.Union([Type.Literal('raw'), Type.Literal('hour'), Type.Literal('day')], { description: 'raw 原始数据；hour/day 汇总（n/min/max/avg/last）' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20000 })),
});

export const RulesQuery = Type.Object({ deviceType: Type.Optional(TypeCode) });

const RuleFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  key: Nullable(Type.String({ pattern: '^[A-Za-z0-9_.\\-:]{1,64}$' })),
  op: Nullable(Op),
  threshold: Nullable(Type.Number()),
  clearThreshold: Nullable(Type.Number()),
  durationS: Type.Integer({ minimum: 0, maximum: 86400 }),
  offlineMinutes: Nullable(Type.Integer({ minimum: 1, maximum: 43200 })),
  severity: Severity,
  createCase: Type.Boolean(),
  categoryCode: Nullable(Type.String({ pattern: '^[A-Z]{2}\\d{2}$' })),
  enabled: Type.Boolean(),
};

export const RulePatch = Type.Partial(Type.Object(RuleFields), { additionalProperties: false });

export const RuleCreate = Type.Object(
  {
    deviceType: TypeCode,
    alarmType: AlarmTypeCode,
    kind: Type.Union([Type.Literal('threshold'), Type.Literal('offline')]),
    name: RuleFields.name,
    severity: Severity,
    key: Type.Optional(RuleFields.key),
    op: Type.Optional(RuleFields.op),
    threshold: Type.Optional(RuleFields.threshold),
    clearThreshold: Type.Optional(RuleFields.clearThreshold),
    durationS: Type.Optional(RuleFields.durationS),
    offlineMinutes: Type.Optional(RuleFields.offlineMinutes),
    createCase: Type.Optional(RuleFields.createCase),
    categoryCode: Type.Optional(RuleFields.categoryCode),
    enabled: Type.Optional(RuleFields.enabled),
  },
  { additionalProperties: false },
);

export const AlarmsQuery = Type.Object({
  status: Type.Optional(Type.Array(Status)),
  active: Type.Optional(Type.Boolean()),
  severity: Type.Optional(Type.Array(Severity)),
  deviceId: Type.Optional(Uuid),
  type: Type.Optional(TypeCode),
  alarmType: Type.Optional(AlarmTypeCode),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
  ...PageQuery,
});
