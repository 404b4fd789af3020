import type { AppContext } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { AppError } from '../../platform/errors.js';
import { appendCaseNote, dispatchCase, findOpenCaseBySource, getCase, reportCase, verifyCase } from '../cases/index.js';
import { COVER_TYPES, OP_TEXT, SEVERITY_PRIORITY } from './catalog.js';
import { abnormal, normal, numeric, type Reading, type Rule, type Transition } from './engine.js';
import type { DeviceInfo, IngestPipeline } from './ingest.js';
import { iotRepo, type AlarmRow, type CaseLinkRow } from './repository.js';

/** How often, at most, further abnormal readings of an open case are appended to its timeline. */
export const NOTE_INTERVAL_MS = 10 * 60_000;
const FINAL = new Set(['closed', 'rejected', 'merged']);

export const sourceKeyOf = (deviceId: string, alarmType: string) => `${deviceId}:${alarmType}`;

/** The case category an alarm is filed under: a manhole's cover type decides, else the rule's category. */
export function categoryFor(device: Pick<DeviceInfo, 'typeCode' | 'coverType'>, rule: Pick<Rule, 'categoryCode'>): string | null {
  if (device.typeCode === 'manhole_tilt' && device.coverType && COVER_TYPES[device.coverType]) return COVER_TYPES[device.coverType]!.categoryCode;
  return rule.categoryCode;
}

const fmt = (v: unknown) => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : JSON.stringify(v));

/**
 * Alarms become cases, and cases from devices are verified by their device. Work runs one step at a
 * time on this instance, after the telemetry that caused it committed; what must survive a restart
 * is in the database (alarms.case_pending, iot_case_links), and the sweep picks it up again.
 */
export class CaseWorker {
  private chain: Promise<void> = Promise.resolve();
  private pendingCount = 0;
  /** devices with an open device case (refreshed from iot_case_links) */
  readonly watched = new Set<string>();

  constructor(
    private readonly ctx: AppContext,
    private readonly pipeline: IngestPipeline,
    private readonly unitOf: (typeCode: string, key: string) => string,
    private readonly typeName: (typeCode: string) => string,
  ) {}

  private enqueue(fn: () => Promise<void>): void {
    this.pendingCount++;
    this.chain = this.chain
      .then(fn)
      .catch((err) => this.ctx.log.error({ err }, 'iot: case work failed'))
      .finally(() => this.pendingCount--);
  }

  async idle(): Promise<void> {
    while (this.pendingCount > 0) await this.chain;
  }

  async refreshWatched(): Promise<void> {
    const links = await iotRepo.openLinks(this.ctx.db);
    this.watched.clear();
    for (const l of links) this.watched.add(l.device_id);
  }

  /** After each committed batch: new alarms to report, readings to verify, notes to append. */
  onBatch(batch: { readings: Reading[]; transitions: Transition[] }): void {
    if (batch.transitions.some((t) => t.type === 'raise' && t.rule.createCase)) this.kickPending();
    if (!this.watched.size) return;
    const byDevice = new Map<string, Reading[]>();
    for (const r of batch.readings) {
      if (!this.watched.has(r.deviceId)) continue;
      const l = byDevice.get(r.deviceId) ?? [];
      l.push(r);
      byDevice.set(r.deviceId, l);
    }
    const updates = batch.transitions.filter((t): t is Extract<Transition, { type: 'update' }> => t.type === 'update' && this.watched.has(t.deviceId));
    for (const [deviceId, readings] of byDevice) this.enqueue(() => this.verifyDevice(deviceId, readings));
    for (const u of updates) this.enqueue(() => this.noteReading(u));
  }

  kickPending(): void {
    this.enqueue(() => this.processPending());
  }

  private async processPending(): Promise<void> {
    for (;;) {
      const alarms = await iotRepo.pendingCaseAlarms(this.ctx.db, 20);
      if (!alarms.length) return;
      let progressed = false;
      for (const a of alarms) if (await this.alarmToCase(a)) progressed = true;
      if (!progressed) return;
    }
  }

  /** Reports the alarm as a case (or appends it to the open case of this device and alarm type). Returns whether the alarm left the pending state. */
  private async alarmToCase(a: AlarmRow): Promise<boolean> {
    const now = this.ctx.clock.now();
    const device = await this.pipeline.devices.get(a.device_id);
    const ruleRow = await iotRepo.ruleById(this.ctx.db, a.rule_id);
    if (!device || !ruleRow || !ruleRow.create_case) {
      await iotRepo.setAlarmCase(this.ctx.db, a.id, null, null, now);
      return true;
    }
    const sys = systemActor();
    const key = sourceKeyOf(device.id, a.alarm_type);
    const unit = ruleRow.key ? this.unitOf(device.typeCode, ruleRow.key) : '';
    const reading = ruleRow.key ? `${ruleRow.key} = ${fmt(a.first_value)}${unit}` : '';
    try {
      let c = await findOpenCaseBySource(this.ctx, 'device', key);
      if (c) {
        await appendCaseNote(this.ctx, sys, c.id, `设备再次告警：${ruleRow.name}${reading ? '，' + reading : ''}`, { alarmId: a.id, deviceId: device.id, value: a.first_value });
      } else {
        const categoryCode = categoryFor(device, { categoryCode: ruleRow.category_code });
        const description = `【物联网告警】${this.typeName(device.typeCode)} ${device.name}：${ruleRow.name}${reading ? '（' + reading + '）' : ''}。${device.address ? '位置：' + device.address + '。' : ''}`;
        c = await reportCase(this.ctx, sys, {
          description,
          location: { lng: device.lng, lat: device.lat },
          address: device.address,
          categoryCode,
          channel: 'iot',
          source: { type: 'device', key },
          priority: SEVERITY_PRIORITY[a.severity],
        });
        // IoT cases are filed and dispatched without a person (dispatchCase files first when needed), to the
        // department the dispatch routing rules pick (a manhole's owner by its cover type, a service area ...).
        const coverType = device.typeCode === 'manhole_tilt' && device.coverType ? (COVER_TYPES[device.coverType]?.name ?? device.coverType) : null;
        if (c.state === 'reported' || c.state === 'filed') c = await dispatchCase(this.ctx, sys, c.id, { version: c.version, note: '物联网告警，按分类自动派遣', coverType });
      }
      await iotRepo.setAlarmCase(this.ctx.db, a.id, c.id, null, now);
      await iotRepo.insertCaseLink(this.ctx.db, { case_id: c.id, device_id: device.id, rule_id: a.rule_id, alarm_type: a.alarm_type }, now);
      this.watched.add(device.id);
      return true;
    } catch (err) {
      const permanent = err instanceof AppError && ['invalid', 'forbidden', 'not_found'].includes(err.kind);
      this.ctx.log.warn({ err, alarm: a.id }, permanent ? 'iot: alarm cannot become a case' : 'iot: reporting the alarm as a case failed, will retry');
      await this.ctx.db
        .updateTable('iot_alarms')
        .set({ case_pending: !permanent, case_error: String((err as Error).message).slice(0, 500), updated_at: now })
        .where('id', '=', a.id)
        .execute();
      return permanent;
    }
  }

  private async noteReading(u: Extract<Transition, { type: 'update' }>): Promise<void> {
    const links = (await iotRepo.openLinks(this.ctx.db, u.deviceId)).filter((l) => l.rule_id === u.rule.id);
    const now = this.ctx.clock.now();
    for (const l of links) {
      if (l.last_note_at && now.getTime() - new Date(l.last_note_at).getTime() < NOTE_INTERVAL_MS) continue;
      const device = await this.pipeline.devices.get(u.deviceId);
      const unit = u.rule.key && device ? this.unitOf(device.typeCode, u.rule.key) : '';
      try {
        await appendCaseNote(this.ctx, systemActor(), l.case_id, `设备持续告警：${u.rule.key} = ${fmt(u.value)}${unit}`, { deviceId: u.deviceId, value: u.value, at: new Date(u.ts).toISOString() });
        await iotRepo.updateLink(this.ctx.db, l.case_id, { last_note_at: now }, now);
      } catch (err) {
        this.ctx.log.warn({ err, case: l.case_id }, 'iot: appending a reading to the case failed');
      }
    }
  }

  /**
   * Sensor verification: a resolved case whose device reads normal for `verifyNormalSeconds` after
   * the resolution is closed (verified by the sensor); an abnormal reading after the resolution
   * sends it back to the department as rework.
   */
  async verifyDevice(deviceId: string, readings: Reading[]): Promise<void> {
    const links = await iotRepo.openLinks(this.ctx.db, deviceId);
    if (!links.length) {
      this.watched.delete(deviceId);
      return;
    }
    for (const link of links) await this.verifyLink(link, readings);
  }

  private async verifyLink(link: CaseLinkRow, readings: Reading[]): Promise<void> {
    const now = this.ctx.clock.now();
    const rule = this.pipeline.rules.all().find((r) => r.id === link.rule_id) ?? null;
    let c;
    try {
      c = await getCase(this.ctx, systemActor(), link.case_id);
    } catch (err) {
      if (err instanceof AppError && err.kind === 'not_found') {
        await iotRepo.updateLink(this.ctx.db, link.case_id, { open: false, outcome: 'missing' }, now);
        return;
      }
      throw err;
    }
    if (FINAL.has(c.state)) {
      await iotRepo.updateLink(this.ctx.db, link.case_id, { open: false, outcome: c.state }, now);
      return;
    }
    if (c.state !== 'resolved' || !c.resolvedAt || !rule) {
      if (link.normal_since) await iotRepo.updateLink(this.ctx.db, link.case_id, { normal_since: null }, now);
      return;
    }
    const resolvedAt = new Date(c.resolvedAt).getTime();
    let normalSince = link.normal_since && link.resolved_at && new Date(link.resolved_at).getTime() === resolvedAt ? new Date(link.normal_since).getTime() : null;
    const verifyMs = this.ctx.config.iotVerifyNormalSeconds * 1000;
    const device = await this.pipeline.devices.get(link.device_id);
    const unit = rule.key && device ? this.unitOf(device.typeCode, rule.key) : '';
    for (const r of [...readings].sort((a, b) => a.ts - b.ts)) {
      if (r.ts < resolvedAt) continue;
      let isAbnormal: boolean;
      let isNormal: boolean;
      let shown = '';
      if (rule.kind === 'offline') {
        isAbnormal = false;
        isNormal = true;
      } else {
        if (!(rule.key! in r.values)) continue;
        const v = numeric(r.values[rule.key!]);
        if (v === null) continue;
        isAbnormal = abnormal(rule, v);
        isNormal = normal(rule, v);
        shown = `${rule.key} = ${fmt(v)}${unit}`;
      }
      if (isAbnormal) {
        await verifyCase(this.ctx, systemActor(), c.id, {
          passed: false,
          by: 'sensor',
          version: c.version,
          note: `传感器复核未通过：处置后设备读数仍异常（${shown}，告警条件 ${rule.key} ${OP_TEXT[rule.op!]} ${rule.threshold}${unit}），请返工`,
        });
        await iotRepo.updateLink(this.ctx.db, link.case_id, { normal_since: null, resolved_at: null, outcome: 'rework' }, now);
        return;
      }
      if (isNormal) {
        normalSince ??= r.ts;
        if (r.ts - normalSince >= verifyMs) {
          await this.pass(link, c.id, c.version, Math.round((r.ts - normalSince) / 60_000), shown);
          return;
        }
      }
    }
    await iotRepo.updateLink(this.ctx.db, link.case_id, { normal_since: normalSince === null ? null : new Date(normalSince), resolved_at: new Date(resolvedAt) }, now);
  }

  private async pass(link: CaseLinkRow, caseId: string, version: number, minutes: number, shown: string): Promise<void> {
    const now = this.ctx.clock.now();
    await verifyCase(this.ctx, systemActor(), caseId, {
      passed: true,
      by: 'sensor',
      version,
      note: `传感器复核通过：处置后设备连续 ${minutes} 分钟读数正常${shown ? '（最新 ' + shown + '）' : ''}`,
    });
    await iotRepo.updateLink(this.ctx.db, link.case_id, { open: false, outcome: 'verified' }, now);
  }

  /** The periodic part: retries pending alarms, and verifies cases whose device has been normal long enough without a new reading. */
  async sweep(): Promise<void> {
    await this.refreshWatched();
    this.kickPending();
    const links = (await iotRepo.openLinks(this.ctx.db)).filter((l) => l.normal_since);
    for (const l of links) {
      this.enqueue(async () => {
        const now = this.ctx.clock.now().getTime();
        if (now - new Date(l.normal_since!).getTime() < this.ctx.config.iotVerifyNormalSeconds * 1000) return;
        const c = await getCase(this.ctx, systemActor(), l.case_id).catch(() => null);
        if (!c || c.state !== 'resolved' || !c.resolvedAt || !l.resolved_at || new Date(c.resolvedAt).getTime() !== new Date(l.resolved_at).getTime()) return;
        // The device must still be reporting, and its latest reading must still be normal.
        const device = await iotRepo.deviceById(this.ctx.db, l.device_id);
        if (!device?.online) return;
        const rule = this.pipeline.rules.all().find((r) => r.id === l.rule_id);
        if (!rule) return;
        if (rule.kind === 'threshold') {
          const latest = (await iotRepo.latestOf(this.ctx.db, [l.device_id])).find((x) => x.key === rule.key);
          const v = latest ? numeric(latest.val) : null;
          if (v === null || !normal(rule, v)) return;
        }
        await this.pass(l, c.id, c.version, Math.round((now - new Date(l.normal_since!).getTime()) / 60_000), '');
      });
    }
    await this.idle();
  }
}
