import type { RuleOp, Severity, TelemetryKeyDef } from './repository.js';

/**
 * Reference data every install needs: the device types with their telemetry keys and units, and the
 * default alarm rules per type (seeded once; admins edit the rules afterwards through the API).
 */
export interface DeviceTypeDef {
  code: string;
  name: string;
  description: string;
  telemetry: TelemetryKeyDef[];
}

export const DEVICE_TYPES: DeviceTypeDef[] = [
  {
    code: 'manhole_tilt',
    name: '井盖倾斜传感器',
    description: 'manhole-cover tilt sensor: reports the cover angle; tilted, lifted or missing covers raise an alarm',
    telemetry: [
      { key: 'tilt', name: '倾角', unit: '°' },
      { key: 'battery', name: '电量', unit: '%' },
      { key: 'temperature', name: '温度', unit: '℃' },
    ],
  },
  {
    code: 'bin_level',
    name: '垃圾桶满溢传感器',
    description: 'bin fill-level sensor (ultrasonic)',
    telemetry: [
      { key: 'fill', name: '满溢度', unit: '%' },
      { key: 'battery', name: '电量', unit: '%' },
      { key: 'temperature', name: '温度', unit: '℃' },
    ],
  },
  {
    code: 'smoke',
    name: '烟感探测器',
    description: 'smoke detector: smoke = 1 while smoke is detected',
    telemetry: [
      { key: 'smoke', name: '烟雾报警', unit: '' },
      { key: 'density', name: '烟雾浓度', unit: '%obs/m' },
      { key: 'battery', name: '电量', unit: '%' },
    ],
  },
  {
    code: 'water_level',
    name: '水位传感器',
    description: 'water-level sensor in drainage wells, underpasses and low-lying roads (waterlogging)',
    telemetry: [
      { key: 'level', name: '水位', unit: 'cm' },
      { key: 'battery', name: '电量', unit: '%' },
    ],
  },
  {
    code: 'bracelet',
    name: '智能手环',
    description:
      'wearable bracelet of elderly and vulnerable residents: its health values (heart rate, blood pressure, SpO2, steps, falls, SOS) go to the care module (encrypted, access-controlled); iot keeps only the battery and last-seen state',
    telemetry: [{ key: 'battery', name: '电量', unit: '%' }],
  },
  {
    code: 'gateway',
    name: '网关',
    description: 'ThingsBoard-compatible gateway that publishes for the devices behind it (v1/gateway/telemetry)',
    telemetry: [],
  },
];

/**
 * Device types whose readings are personal health data. iot keeps (stores, evaluates, returns) only
 * the listed non-health keys of their telemetry; every other key is handed, in memory only, to the
 * telemetry listeners (the care module encrypts it and guards every view).
 */
export const HEALTH_DEVICE_TYPES: Readonly<Record<string, readonly string[]>> = {
  bracelet: ['battery'],
};

/** Keys a health device may send that must not be kept as device attributes either. */
export const HEALTH_KEYS: readonly string[] = ['heart_rate', 'bp_systolic', 'bp_diastolic', 'systolic', 'diastolic', 'blood_pressure', 'spo2', 'steps', 'fall', 'sos', 'temperature', 'body_temperature'];

export const isHealthType = (typeCode: string): boolean => Object.hasOwn(HEALTH_DEVICE_TYPES, typeCode);

/** The part of a reading iot may keep for a device of `typeCode` (all of it for ordinary sensors). */
export function iotKeepable(typeCode: string, values: Record<string, unknown>): Record<string, unknown> {
  const allowed = HEALTH_DEVICE_TYPES[typeCode];
  if (!allowed) return values;
  const out: Record<string, unknown> = {};
  for (const k of allowed) if (Object.hasOwn(values, k)) out[k] = values[k];
  return out;
}

/** Device attributes of a health device without health values. */
export function iotKeepableAttributes(typeCode: string, attrs: Record<string, unknown>): Record<string, unknown> {
  if (!isHealthType(typeCode)) return attrs;
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => !HEALTH_KEYS.includes(k)));
}

/** Manhole cover types and the case category a tilted cover of that type is filed under. */
export const COVER_TYPES: Record<string, { name: string; categoryCode: string }> = {
  water_supply: { name: '供水井盖', categoryCode: 'UF01' },
  drainage: { name: '排水井盖', categoryCode: 'UF02' },
  power: { name: '电力井盖', categoryCode: 'UF03' },
  telecom: { name: '通信井盖', categoryCode: 'UF04' },
  gas: { name: '燃气井盖', categoryCode: 'UF05' },
};

export interface RuleDef {
  deviceType: string;
  alarmType: string;
  name: string;
  kind: 'threshold' | 'offline';
  key?: string;
  op?: RuleOp;
  threshold?: number;
  clearThreshold?: number | null;
  durationS?: number;
  offlineMinutes?: number;
  severity: Severity;
  createCase: boolean;
  categoryCode?: string | null;
}

const offline = (deviceType: string, minutes: number, severity: Severity = 'minor'): RuleDef => ({
  deviceType,
  alarmType: 'offline',
  name: `设备离线超过 ${minutes} 分钟`,
  kind: 'offline',
  offlineMinutes: minutes,
  severity,
  createCase: false,
});
const lowBattery = (deviceType: string): RuleDef => ({
  deviceType,
  alarmType: 'low_battery',
  name: '电量低于 20%',
  kind: 'threshold',
  key: 'battery',
  op: 'lt',
  threshold: 20,
  clearThreshold: 30,
  severity: 'warning',
  createCase: false,
});

export const DEFAULT_RULES: RuleDef[] = [
  // The example: "tilt > 15° for 30 s"; clears below 10° (hysteresis). Category by cover type.
  { deviceType: 'manhole_tilt', alarmType: 'tilt', name: '井盖倾斜 > 15° 持续 30 秒', kind: 'threshold', key: 'tilt', op: 'gt', threshold: 15, clearThreshold: 10, durationS: 30, severity: 'major', createCase: true, categoryCode: 'UF02' },
  offline('manhole_tilt', 120),
  lowBattery('manhole_tilt'),
  { deviceType: 'bin_level', alarmType: 'full', name: '垃圾桶满溢 ≥ 90% 持续 5 分钟', kind: 'threshold', key: 'fill', op: 'gte', threshold: 90, clearThreshold: 60, durationS: 300, severity: 'minor', createCase: true, categoryCode: 'UF08' },
  offline('bin_level', 120),
  lowBattery('bin_level'),
  { deviceType: 'smoke', alarmType: 'smoke', name: '检测到烟雾', kind: 'threshold', key: 'smoke', op: 'gte', threshold: 1, clearThreshold: null, durationS: 0, severity: 'critical', createCase: true, categoryCode: 'EM04' },
  offline('smoke', 60, 'major'),
  lowBattery('smoke'),
  { deviceType: 'water_level', alarmType: 'high_water', name: '积水水位 > 30 cm 持续 1 分钟', kind: 'threshold', key: 'level', op: 'gt', threshold: 30, clearThreshold: 20, durationS: 60, severity: 'major', createCase: true, categoryCode: 'UF02' },
  offline('water_level', 60),
  lowBattery('water_level'),
  // Bracelets: falls, SOS and vital signs are alerted by the care module (per-person thresholds, carers,
  // escalation); iot never sees those values. Only the device health rules stay here.
  offline('bracelet', 30, 'major'),
  lowBattery('bracelet'),
  offline('gateway', 10, 'major'),
];

export const SEVERITY_PRIORITY: Record<Severity, 'urgent' | 'high' | 'normal' | 'low'> = {
  critical: 'urgent',
  major: 'high',
  minor: 'normal',
  warning: 'low',
};

export const SEVERITY_NAMES: Record<Severity, string> = { critical: '紧急', major: '重要', minor: '次要', warning: '提示' };

export const OP_TEXT: Record<RuleOp, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=', neq: '≠' };

/** Default offline threshold for the online flag when a type has no enabled offline rule. */
export const DEFAULT_OFFLINE_MINUTES = 60;
