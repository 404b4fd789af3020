import { Type } from '@sinclair/typebox';
import { PageQuery, Uuid } from '../../platform/http/schemas.js';

const Channel = Type.Union(['resident', 'patrol', 'hotline', 'iot', 'api', 'proxy'].map((c) => Type.Literal(c)));
const Priority = Type.Union(['low', 'normal', 'high', 'urgent'].map((c) => Type.Literal(c)));
export const StateSchema = Type.Union(['reported', 'filed', 'rejected', 'dispatched', 'accepted', 'returned', 'resolved', 'rework', 'closed', 'suspended', 'merged'].map((c) => Type.Literal(c)));
const Text = (max = 2000) => Type.String({ minLength: 1, maxLength: max });
const Version = Type.Integer({ minimum: 1, description: '案卷当前版本号（乐观锁）' });
const Photos = Type.Array(Uuid, { maxItems: 9, description: '先调用 POST /api/files 上传，再传照片 id' });

export const ReportBody = Type.Object(
  {
    description: Text(),
    location: Type.Object({ lng: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) }, { additionalProperties: false }),
    address: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(Type.String({ maxLength: 16, description: '分类编码，可不填（由分类器建议或受理员选择）' })),
    channel: Type.Optional(Channel),
    anonymous: Type.Optional(Type.Boolean()),
    idempotencyKey: Type.Optional(Type.String({ minLength: 8, maxLength: 100, description: '重试同一次提交时保持不变，只会生成一个案卷' })),
    priority: Type.Optional(Priority),
    reporter: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ maxLength: 50 })), phone: Type.Optional(Type.String({ maxLength: 20 })) }, { additionalProperties: false })),
    photos: Type.Optional(Photos),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    ...PageQuery,
    state: Type.Optional(Type.Array(StateSchema, { maxItems: 11 })),
    category: Type.Optional(Type.String({ maxLength: 16 })),
    departmentId: Type.Optional(Uuid),
    nodeId: Type.Optional(Uuid),
    channel: Type.Optional(Channel),
    priority: Type.Optional(Priority),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    overdue: Type.Optional(Type.Boolean()),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);

export const WorklistQuery = Type.Object(
  { ...ListQuery.properties, bucket: Type.Union(['to_accept', 'in_progress', 'near_deadline', 'overdue', 'cc'].map((c) => Type.Literal(c)), { default: 'to_accept' }) },
  { additionalProperties: false },
);
export const BoardQuery = Type.Object(
  { ...ListQuery.properties, kind: Type.Union(['overdue', 'returned', 'extensions', 'suspended', 'escalated'].map((c) => Type.Literal(c)), { default: 'overdue' }) },
  { additionalProperties: false },
);

export const CaseQuery = Type.Object({ reveal: Type.Optional(Type.Literal('phone')) }, { additionalProperties: false });
export const TrackParams = Type.Object({ code: Type.String({ minLength: 4, maxLength: 20 }) });

export const VersionBody = Type.Object({ version: Version, note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const ReasonBody = Type.Object({ version: Version, reason: Text() }, { additionalProperties: false });
export const FileBody = Type.Object({ version: Version, note: Type.Optional(Type.String({ maxLength: 2000 })), categoryCode: Type.Optional(Type.String({ maxLength: 16 })) }, { additionalProperties: false });
export const DispatchBody = Type.Object(
  {
    version: Version,
    categoryCode: Type.Optional(Type.String({ maxLength: 16 })),
    departmentCode: Type.Optional(Type.String({ maxLength: 16 })),
    ccCodes: Type.Optional(Type.Array(Type.String({ maxLength: 16 }), { maxItems: 10 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const MergeBody = Type.Object({ version: Version, intoId: Uuid, note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const ResolveBody = Type.Object({ version: Version, note: Text(), photos: Type.Optional(Photos) }, { additionalProperties: false });
export const VerifyBody = Type.Object({ version: Version, passed: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 2000 })), photos: Type.Optional(Photos) }, { additionalProperties: false });
export const RateBody = Type.Object({ version: Version, rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
export const ExtensionBody = Type.Object({ version: Version, hours: Type.Integer({ minimum: 1, maximum: 720 }), reason: Text() }, { additionalProperties: false });
export const DecisionBody = Type.Object({ version: Version, approve: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const UrgeBody = Type.Object({ version: Type.Optional(Version), note: Text() }, { additionalProperties: false });
export const NoteBody = Type.Object({ note: Text(), data: Type.Optional(Type.Record(Type.String(), Type.Any())) }, { additionalProperties: false });

export const EvaluationQuery = Type.Object(
  {
    groupBy: Type.Union([Type.Literal('department'), Type.Literal('grid'), Type.Literal('community')], { default: 'department' }),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')])),
  },
  { additionalProperties: false },
);
export const WeightsBody = Type.Object(
  {
    onTime: Type.Number({ minimum: 0, maximum: 1000 }),
    satisfaction: Type.Number({ minimum: 0, maximum: 1000 }),
    rework: Type.Number({ minimum: 0, maximum: 1000 }),
    overdue: Type.Number({ minimum: 0, maximum: 1000 }),
  },
  { additionalProperties: false },
);
