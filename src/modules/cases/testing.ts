import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../../../test/helpers.js';
import { pointInCell } from '../org/demo-geometry.js';

/** Test kit for the cases module (used by its *.test.ts files only). */

/** A point inside a demo grid cell: qiaotou G01 is cell (0,3), G02 (0,4); mulian G01 is (3,3); xinkaipu G01 is (4,0). */
export function pointIn(cell: [number, number], u = 0.5, v = 0.5): { lng: number; lat: number } {
  const [lng, lat] = pointInCell(cell[0], cell[1], u, v);
  return { lng, lat };
}
export const QIAOTOU_G01: [number, number] = [0, 3];
export const QIAOTOU_G02: [number, number] = [0, 4];
export const MULIAN_G01: [number, number] = [3, 3];

export class Users {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly t: TestApp) {}
  /** sessions expire when a test moves the clock by days: sign in again */
  reset(): void {
    this.cookies.clear();
  }
  async as(username: string): Promise<string> {
    let c = this.cookies.get(username);
    if (!c) {
      c = await this.t.login(username);
      this.cookies.set(username, c);
    }
    return c;
  }
}

export async function post(t: TestApp, cookie: string | undefined, url: string, body: unknown): Promise<LightMyRequestResponse> {
  return t.req('POST', url, { cookie, body });
}

export async function reportAs(t: TestApp, cookie: string, body: Record<string, unknown>): Promise<{ id: string; number: string; version: number; state: string; [k: string]: unknown }> {
  const r = await post(t, cookie, '/api/cases', { description: '测试事件', location: pointIn(QIAOTOU_G01), ...body });
  if (r.statusCode !== 201 && r.statusCode !== 200) throw new Error(`report failed ${r.statusCode} ${r.body}`);
  return r.json();
}

/** Runs a step and fails loudly when it does not answer 200. */
export async function step(t: TestApp, cookie: string, id: string, action: string, body: Record<string, unknown>): Promise<{ id: string; number: string; version: number; state: string; [k: string]: unknown }> {
  const r = await post(t, cookie, `/api/cases/${id}/${action}`, body);
  if (r.statusCode !== 200) throw new Error(`${action} failed ${r.statusCode} ${r.body}`);
  return r.json();
}

/** A tiny valid JPEG made by sharp, or a hand-made PNG when sharp is missing. */
export async function tinyJpeg(): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
}

/** multipart/form-data body with files in field "file". */
export function multipart(files: Array<{ name: string; data: Buffer; type?: string }>): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----onegrid' + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const f of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'image/jpeg'}\r\n\r\n`));
    parts.push(f.data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/**
 * The intake advisor as these tests see it: the reporter's category routed to its default
 * department, and a person must look first unless `advisorStub.auto` is set. The real advisor (a
 * trained classifier, owned by the dispatch module) is replaced with vi.mock in the test files, so
 * that these tests do not depend on what the current model thinks of a sentence:
 *
 *   vi.mock('../dispatch/index.js', async (orig) => {
 *     const m = await orig<typeof import('../dispatch/index.js')>();
 *     return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
 *   });
 */
export const advisorStub = { auto: false, calls: 0 };
export function stubAdviseIntake(m: { categoryByCode: (ctx: never, code: string) => Promise<{ code: string; department: string; cc: string[] } | null> }) {
  return async (ctx: unknown, input: { categoryCode?: string | null }) => {
    advisorStub.calls++;
    const c = input.categoryCode ? await m.categoryByCode(ctx as never, input.categoryCode) : null;
    return { categoryCode: c?.code ?? null, confidence: c ? 1 : 0, departmentCode: c?.department ?? null, ccCodes: c?.cc ?? [], autoDispatch: advisorStub.auto && !!c, explanation: { source: 'test' } };
  };
}
