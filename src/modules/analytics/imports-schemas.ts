import { Type, type Static } from '@sinclair/typebox';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: '日期 YYYY-MM-DD（北京时间）' });
const Source = Type.Union([Type.Literal('12345'), Type.Literal('petition')], { description: '来源：12345 热线或信访' });
const Column = Type.Union([Type.Integer({ minimum: 0, maximum: 500 }), Type.Null()]);

export const UploadQuery = Type.Object({ source: Type.Optional(Source) }, { additionalProperties: false });
export type UploadQuery = Static<typeof UploadQuery>;

export const MappingBody = Type.Object(
  {
    mapping: Type.Object(
      {
        source: Type.Optional(Column),
        externalNo: Type.Optional(Column),
        receivedAt: Type.Optional(Column),
        content: Type.Optional(Column),
        address: Type.Optional(Column),
        phone: Type.Optional(Column),
        category: Type.Optional(Column),
        lng: Type.Optional(Column),
        lat: Type.Optional(Column),
        department: Type.Optional(Column),
        status: Type.Optional(Column),
        closedAt: Type.Optional(Column),
        satisfaction: Type.Optional(Column),
      },
      { additionalProperties: false, description: '字段 → 列序号（从 0 起）；null 表示不导入该字段' },
    ),
    defaultSource: Type.Optional(Type.Union([Source, Type.Null()], { description: '文件中没有来源列时，整个文件的来源' })),
  },
  { additionalProperties: false },
);
export type MappingBody = Static<typeof MappingBody>;

export const ErrorsQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])) }, { additionalProperties: false });
export type ErrorsQuery = Static<typeof ErrorsQuery>;

const recordFilters = {
  source: Type.Optional(Source),
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  gridId: Type.Optional(Type.String({ format: 'uuid' })),
  nodeId: Type.Optional(Type.String({ format: 'uuid', description: '只看此组织节点（社区、网格）以下' })),
  unassigned: Type.Optional(Type.Boolean({ description: '只看未定位到网格的记录' })),
  q: Type.Optional(Type.String({ maxLength: 100, description: '按编号、内容、地址模糊查找' })),
};

export const RecordQuery = Type.Object(
  { ...recordFilters, page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })), pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
export type RecordQuery = Static<typeof RecordQuery>;

export const StatsQuery = Type.Object({ ...recordFilters, min: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, description: '重复地址、重复来电至少几次，默认 3' })) }, { additionalProperties: false });
export type StatsQuery = Static<typeof StatsQuery>;

export const RevealQuery = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
export type RevealQuery = Static<typeof RevealQuery>;
