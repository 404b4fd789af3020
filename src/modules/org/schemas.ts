import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Uuid } from '../../platform/http/schemas.js';
import { LEVELS } from './repository.js';
import { RESIDENT_TAGS } from './service.js';

export const LevelSchema = Type.Union(LEVELS.map((l) => Type.Literal(l)));

export const NodeSchema = Type.Object({
  id: Uuid,
  parentId: Nullable(Type.String()),
  level: Type.String(),
  code: Type.String(),
  name: Type.String(),
  path: Type.String(),
  lng: Nullable(Type.Number()),
  lat: Nullable(Type.Number()),
  props: Type.Record(Type.String(), Type.Any()),
  geometry: Type.Optional(Type.Any()),
});

export const NodesQuery = Type.Object({
  level: Type.Optional(Type.Array(LevelSchema)),
  parentId: Type.Optional(Uuid),
  geometry: Type.Optional(Type.Boolean({ default: true })),
});

export const NodeBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    level: LevelSchema,
    parentCode: Type.String({ minLength: 1, maxLength: 40 }),
    geometry: Type.Optional(Type.Any()),
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    props: Type.Optional(Type.Record(Type.String(), Type.Any())),
  },
  { additionalProperties: false },
);

export const LocateQuery = Type.Object({
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
});

const Ref = Nullable(Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), path: Type.String() }));
export const LocateResponse = Type.Object({ grid: Ref, estate: Ref, community: Ref });

export const ExportQuery = Type.Object({ level: Type.Optional(Type.Array(LevelSchema)) });

export const DepartmentSchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  handles: Type.String(),
  parentCode: Nullable(Type.String()),
  serviceArea: Type.Any(),
  phone: Nullable(Type.String()),
  active: Type.Boolean(),
});

export const DepartmentPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    serviceArea: Type.Optional(Type.Any()),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const TagSchema = Type.Union(RESIDENT_TAGS.map((t) => Type.Literal(t)));

export const ResidentSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  gender: Nullable(Type.String()),
  age: Nullable(Type.Integer()),
  phone: Nullable(Type.String()),
  idCard: Nullable(Type.String()),
  address: Nullable(Type.String()),
  householdId: Nullable(Type.String()),
  nodePath: Type.String(),
  relation: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  status: Type.String(),
  masked: Type.Boolean(),
});

export const ResidentsQuery = Type.Object({
  nodeId: Type.Optional(Uuid),
  tag: Type.Optional(TagSchema),
  q: Type.Optional(Type.String({ maxLength: 50 })),
  phone: Type.Optional(Type.String({ maxLength: 20 })),
  idCard: Type.Optional(Type.String({ maxLength: 20 })),
  status: Type.Optional(Type.Union([Type.Literal('resident'), Type.Literal('moved_out'), Type.Literal('deceased')])),
  ...PageQuery,
});

export const RevealQuery = Type.Object({
  reveal: Type.Optional(Type.Array(Type.Union([Type.Literal('phone'), Type.Literal('idCard'), Type.Literal('address')]))),
});

export const ResidentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 50 }),
    gender: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F')])),
    birthDate: Type.Optional(Type.String({ format: 'date' })),
    idCard: Type.Optional(Type.String({ pattern: '^\\d{17}[\\dXx]$' })),
    phone: Type.Optional(Type.String({ pattern: '^1\\d{10}$' })),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    householdId: Uuid,
    relation: Type.Optional(Type.String({ maxLength: 20 })),
    tags: Type.Optional(Type.Array(TagSchema, { uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const TagsBody = Type.Object({ tags: Type.Array(TagSchema, { uniqueItems: true }) }, { additionalProperties: false });
