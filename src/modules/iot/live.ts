import type { DomainEvent } from '../../platform/events.js';
import { DEVICE_TYPES, isHealthType, SEVERITY_NAMES } from './catalog.js';
import type { Severity } from './repository.js';

/** The event type the command center's live stream receives when an alarm is raised or cleared. */
export const ALARM_EVENT = 'iot.alarm';

export interface AlarmEventDevice {
  id: string;
  name: string;
  typeCode: string;
  nodePath: string;
  lng: number;
  lat: number;
}

/**
 * The in-process event of an alarm raised or cleared, published after its transaction commits (the
 * live screens filter it by `path`, the device's org node). No personal data: a health device (a
 * resident's bracelet) is given by type and grid only — its name and point would say whose home it is.
 */
export function alarmEvent(
  a: { id: string; status: 'raised' | 'cleared'; alarmType: string; ruleName: string; severity: Severity; clearedBy?: string | null },
  d: AlarmEventDevice,
  at: Date,
): DomainEvent {
  const health = isHealthType(d.typeCode);
  return {
    type: ALARM_EVENT,
    path: d.nodePath,
    at: at.toISOString(),
    data: {
      alarmId: a.id,
      status: a.status,
      alarmType: a.alarmType,
      name: a.ruleName,
      severity: a.severity,
      severityName: SEVERITY_NAMES[a.severity],
      deviceType: d.typeCode,
      deviceTypeName: DEVICE_TYPES.find((t) => t.code === d.typeCode)?.name ?? d.typeCode,
      ...(health ? {} : { deviceId: d.id, device: d.name, lng: d.lng, lat: d.lat }),
      ...(a.status === 'cleared' ? { clearedBy: a.clearedBy === 'device' ? 'device' : 'person' } : {}),
    },
  };
}
