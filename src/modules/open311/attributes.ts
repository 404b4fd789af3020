import type { Category } from '../dispatch/index.js';

/**
 * Open311 service attributes (the extra questions of a service definition), as data: every service
 * asks `hazard`; the others follow the category (by code, else by category group). Answers are
 * validated on POST and kept with the case as one line of its description (see ATTR_MARK).
 */
export type AttributeDatatype = 'string' | 'number' | 'datetime' | 'text' | 'singlevaluelist' | 'multivaluelist';

export interface Open311Attribute {
  variable: boolean;
  code: string;
  datatype: AttributeDatatype;
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: Array<{ key: string; name: string }>;
}

type AttributeSpec = Omit<Open311Attribute, 'variable' | 'order' | 'required'> & { required?: boolean };

const yesNo = [
  { key: 'yes', name: '是' },
  { key: 'no', name: '否' },
];

/** The extra question every service asks (it raises the case's priority). */
export const HAZARD: AttributeSpec = {
  code: 'hazard',
  datatype: 'singlevaluelist',
  datatype_description: '现场是否存在安全隐患（是则按高优先级处理）',
  description: '是否存在安全隐患',
  values: yesNo,
};

const COVER_TYPE: AttributeSpec = {
  code: 'cover_type',
  datatype: 'singlevaluelist',
  datatype_description: '井盖上标注的管线类别，用于确定权属单位',
  description: '井盖类型',
  values: [
    { key: 'water', name: '供水' },
    { key: 'rain', name: '雨水' },
    { key: 'sewage', name: '污水' },
    { key: 'power', name: '电力' },
    { key: 'telecom', name: '通信' },
    { key: 'gas', name: '燃气' },
    { key: 'unknown', name: '无法辨认' },
  ],
};
const COVER_STATE: AttributeSpec = {
  code: 'cover_state',
  datatype: 'singlevaluelist',
  datatype_description: '井盖的损坏情况',
  description: '井盖状况',
  values: [
    { key: 'missing', name: '缺失' },
    { key: 'broken', name: '破损' },
    { key: 'loose', name: '松动或异响' },
    { key: 'sunken', name: '沉降或凸起' },
  ],
};
const TIME_OF_DAY: AttributeSpec = {
  code: 'time_of_day',
  datatype: 'multivaluelist',
  datatype_description: '噪声出现的时段，可多选',
  description: '噪声时段',
  values: [
    { key: 'morning', name: '早间（6–12 时）' },
    { key: 'afternoon', name: '午后（12–18 时）' },
    { key: 'evening', name: '晚间（18–22 时）' },
    { key: 'night', name: '夜间（22–6 时）' },
  ],
};
const RECURRING: AttributeSpec = { code: 'recurring', datatype: 'singlevaluelist', datatype_description: '是否反复出现', description: '是否反复出现', values: yesNo };
const LANE_BLOCKED: AttributeSpec = { code: 'lane_blocked', datatype: 'singlevaluelist', datatype_description: '是否影响车辆或行人通行', description: '是否影响通行', values: yesNo };
const PLATE: AttributeSpec = { code: 'plate_number', datatype: 'string', datatype_description: '车牌号（如有），不超过 20 字', description: '车牌号' };
const AREA: AttributeSpec = { code: 'area_sqm', datatype: 'number', datatype_description: '大致影响面积，单位平方米，0–100000', description: '影响面积（平方米）' };
const TREE_COUNT: AttributeSpec = { code: 'tree_count', datatype: 'number', datatype_description: '涉及树木或绿地的数量（株/处），0–100000', description: '涉及数量' };
const CASUALTIES: AttributeSpec = {
  code: 'casualties',
  datatype: 'singlevaluelist',
  datatype_description: '是否有人员受伤或被困（必填）',
  description: '人员伤亡情况',
  required: true,
  values: [
    { key: 'none', name: '无人员伤亡' },
    { key: 'possible', name: '不确定' },
    { key: 'yes', name: '有人员受伤或被困' },
  ],
};
const TRAPPED: AttributeSpec = { code: 'people_trapped', datatype: 'singlevaluelist', datatype_description: '是否有人被困在电梯内', description: '是否有人被困', values: yesNo };
const OCCURRED_AT: AttributeSpec = { code: 'occurred_at', datatype: 'datetime', datatype_description: '问题发生的时间，ISO-8601（含时区）', description: '发生时间' };
const BUSINESS: AttributeSpec = { code: 'business_name', datatype: 'string', datatype_description: '涉及的商户或单位名称，不超过 100 字', description: '商户名称' };
const CONTACT_TIME: AttributeSpec = {
  code: 'contact_time',
  datatype: 'singlevaluelist',
  datatype_description: '方便回访联系的时段',
  description: '方便联系时段',
  values: [
    { key: 'morning', name: '上午' },
    { key: 'afternoon', name: '下午' },
    { key: 'evening', name: '晚上' },
    { key: 'any', name: '均可' },
  ],
};

/** Questions by category code (checked first), then by category group. */
const BY_CODE: Record<string, AttributeSpec[]> = {
  UF01: [COVER_TYPE, COVER_STATE],
  UF02: [COVER_TYPE, COVER_STATE],
  UF03: [COVER_TYPE, COVER_STATE],
  UF04: [COVER_TYPE, COVER_STATE],
  UF05: [COVER_TYPE, COVER_STATE],
  RT04: [PLATE, LANE_BLOCKED],
  PS05: [TRAPPED],
  EM04: [CASUALTIES],
  EM01: [CASUALTIES, LANE_BLOCKED],
};
const BY_GROUP: Record<string, AttributeSpec[]> = {
  道路交通: [LANE_BLOCKED],
  市容环境: [AREA],
  园林绿化: [TREE_COUNT],
  噪声扰民: [TIME_OF_DAY, RECURRING],
  公共安全: [OCCURRED_AT],
  突发事件: [CASUALTIES],
  市场监管: [BUSINESS],
  物业小区: [CONTACT_TIME],
  民生服务: [CONTACT_TIME],
  矛盾纠纷: [CONTACT_TIME],
};

/** The attributes of a category's service, in order (`hazard` first). */
export function attributesOf(c: Pick<Category, 'code' | 'group'>): Open311Attribute[] {
  const specific = BY_CODE[c.code] ?? BY_GROUP[c.group] ?? [];
  return [HAZARD, ...specific].map((a, i) => ({
    variable: true,
    code: a.code,
    datatype: a.datatype,
    required: a.required ?? false,
    datatype_description: a.datatype_description,
    order: i + 1,
    description: a.description,
    ...(a.values ? { values: a.values.map((v) => ({ ...v })) } : {}),
  }));
}

const MAX_STRING = { string: 100, text: 500 } as const;
/** Tighter limits of single free-form attributes (the datatype's limit otherwise). */
const MAX_LENGTH: Record<string, number> = { plate_number: 20 };

/** An answer checked against its attribute: the keys (lists) or the value, with a human-readable form. */
export interface AttributeAnswer {
  code: string;
  keys: string[];
  text: string;
}

/**
 * Reads `attribute[code]` (and `attribute[code][]` for multi-value lists) from a form and checks them.
 * Throws a message (Chinese) for the first problem: unknown attribute, bad value, missing required one.
 */
export function readAttributes(attrs: Open311Attribute[], form: Record<string, string | string[] | undefined>): AttributeAnswer[] | string {
  const byCode = new Map(attrs.map((a) => [a.code, a]));
  const given = new Map<string, string[]>();
  for (const [k, v] of Object.entries(form)) {
    const m = /^attribute\[([^\]]+)\](\[\])?$/.exec(k);
    if (!m) continue;
    const code = m[1]!;
    if (!byCode.has(code)) return `该服务没有属性 ${code}`;
    const vals = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string').map((x) => x.trim()).filter((x) => x !== '');
    given.set(code, [...(given.get(code) ?? []), ...vals]);
  }
  const out: AttributeAnswer[] = [];
  for (const a of attrs) {
    const vals = given.get(a.code) ?? [];
    if (vals.length === 0) {
      if (a.required) return `attribute[${a.code}]（${a.description}）为必填项`;
      continue;
    }
    const label = `attribute[${a.code}]`;
    if (a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist') {
      const keys = [...new Set(vals)];
      if (a.datatype === 'singlevaluelist' && keys.length > 1) return `${label} 只能选择一个值`;
      const names = keys.map((k) => a.values!.find((v) => v.key === k)?.name);
      if (names.some((n) => n === undefined)) return `${label} 须为以下之一：${a.values!.map((v) => v.key).join('、')}`;
      out.push({ code: a.code, keys, text: names.join('、') });
      continue;
    }
    if (vals.length > 1) return `${label} 只能有一个值`;
    const v = vals[0]!;
    if (a.datatype === 'number') {
      const n = Number(v);
      if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n < 0 || n > 100_000) return `${label} 须为 0–100000 的数字`;
      out.push({ code: a.code, keys: [v], text: String(n) });
    } else if (a.datatype === 'datetime') {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) return `${label} 须为含时区的 ISO-8601 时间`;
      out.push({ code: a.code, keys: [v], text: v });
    } else {
      const max = MAX_LENGTH[a.code] ?? MAX_STRING[a.datatype];
      if (v.length > max) return `${label} 不能超过 ${max} 字`;
      // one line in the description: no line breaks, no separator look-alikes
      out.push({ code: a.code, keys: [v], text: v.replace(/[\r\n]+/g, ' ') });
    }
  }
  return out;
}

/** The line kept in the case description (readable by the dispatcher): "井盖类型：燃气；井盖状况：缺失". */
export function attributesLine(attrs: Open311Attribute[], answers: AttributeAnswer[]): string {
  return answers.map((x) => `${attrs.find((a) => a.code === x.code)!.description}：${x.text}`).join('；');
}
