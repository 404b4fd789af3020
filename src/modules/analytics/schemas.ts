import { Type, type Static } from '@sinclair/typebox';

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: '日期 YYYY-MM-DD（北京时间）' });

const base = {
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  nodeId: Type.Optional(Type.String({ format: 'uuid', description: '只看此组织节点（社区、网格）以下' })),
};

export const PeriodQuery = Type.Object(base, { additionalProperties: false });
export type PeriodQuery = Static<typeof PeriodQuery>;

export const HotspotQuery = Type.Object(
  {
    ...base,
    categoryCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    eps: Type.Optional(Type.Number({ minimum: 5, maximum: 2000, description: 'DBSCAN 邻域半径（米），默认 50' })),
    minPts: Type.Optional(Type.Integer({ minimum: 2, maximum: 200, description: 'DBSCAN 核心点最少点数，默认 4' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, description: '参与热力与聚类的最多点数（最近的优先）' })),
  },
  { additionalProperties: false },
);
export type HotspotQuery = Static<typeof HotspotQuery>;

export const RepeatQuery = Type.Object({ ...base, min: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, description: '至少重复几次，默认 3' })) }, { additionalProperties: false });
export type RepeatQuery = Static<typeof RepeatQuery>;

export const StreamQuery = Type.Object({ nodeId: base.nodeId }, { additionalProperties: false });

export const ReportQuery = Type.Object(
  {
    period: Type.Union([Type.Literal('week'), Type.Literal('month')], { description: '周报（周一至周日）或月报（自然月）' }),
    /** a day inside the week / month; default: the last complete week / month */
    date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: '周期内任一日期 YYYY-MM-DD（北京时间）；缺省为上一个完整的周或月' })),
    nodeId: base.nodeId,
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('pdf'), Type.Literal('xlsx')], { description: 'json 预览（默认）；pdf、xlsx 下载（记入审计）' })),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;
