import type { ServerResponse } from 'node:http';
import type { AppContext } from '../../platform/context.js';
import type { DomainEvent } from '../../platform/events.js';
import { pathWithin } from '../../platform/auth/scope.js';
import { nodeBriefs } from '../org/index.js';
import { caseSummary } from './service.js';

/**
 * The command center's live stream (Server-Sent Events). One subscription to the event bus per
 * process; each case event is enriched once (point, category, grid) and fanned out to the
 * connected screens whose data scope covers the event's org path. Device alarms (`iot.alarm`,
 * published by the iot module after commit with the device's type, severity and point) get the
 * names of their grid and community.
 */
interface Client {
  res: ServerResponse;
  path: string | null;
  heartbeat: NodeJS.Timeout;
}

const LIVE = /^(case\.|iot\.|emergency\.|analytics\.warning$)/;

export class LiveStream {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | null = null;
  /** grid and community names by org path (nodes are renamed rarely; kept a minute) */
  private readonly places = new Map<string, { at: number; grid: string; community: string | null }>();
  constructor(private readonly ctx: AppContext) {}

  /** Whether a screen scoped to `root` (null = everything) may see this event. */
  static visible(e: Pick<DomainEvent, 'path'>, root: string | null): boolean {
    return root === null || pathWithin(e.path ?? null, root);
  }

  add(res: ServerResponse, path: string | null): void {
    if (!this.unsubscribe) this.unsubscribe = this.ctx.events.subscribe((e) => void this.onEvent(e));
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    res.write(`event: hello\ndata: ${JSON.stringify({ at: this.ctx.clock.now().toISOString() })}\n\n`);
    const client: Client = { res, path, heartbeat: setInterval(() => res.write(': ping\n\n'), 15_000) };
    this.clients.add(client);
    res.on('close', () => this.drop(client));
  }

  private drop(c: Client): void {
    clearInterval(c.heartbeat);
    this.clients.delete(c);
  }

  private async onEvent(e: DomainEvent): Promise<void> {
    if (!LIVE.test(e.type) || this.clients.size === 0) return;
    const targets = [...this.clients].filter((c) => LiveStream.visible(e, c.path));
    if (targets.length === 0) return;
    let payload: Record<string, unknown> = { type: e.type, at: e.at, path: e.path ?? null, ...e.data };
    if (e.type.startsWith('case.') && typeof e.data.caseId === 'string') {
      try {
        const s = await caseSummary(this.ctx, e.data.caseId);
        if (s) payload = { ...payload, ...s };
      } catch (err) {
        this.ctx.log.warn({ err }, 'live stream: case summary failed');
      }
    } else if (e.type.startsWith('iot.') && e.path) {
      try {
        const p = await this.place(e.path);
        payload = { ...payload, grid: p.grid, community: p.community };
      } catch (err) {
        this.ctx.log.warn({ err }, 'live stream: place names failed');
      }
    }
    const frame = `event: ${e.type}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of targets) c.res.write(frame);
  }

  /** The name of the node at `path` (a grid) and of the community above it. */
  private async place(path: string): Promise<{ grid: string; community: string | null }> {
    const hit = this.places.get(path);
    if (hit && Date.now() - hit.at < 60_000) return hit;
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter(Boolean);
    const nodes = await nodeBriefs(this.ctx.db, { paths: prefixes });
    const self = nodes.find((n) => n.path === path);
    const community = nodes.filter((n) => n.level === 'community').sort((a, b) => b.path.length - a.path.length)[0];
    const p = { at: Date.now(), grid: self?.name ?? parts[parts.length - 1] ?? path, community: community?.name ?? null };
    if (this.places.size > 5000) this.places.clear();
    this.places.set(path, p);
    return p;
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const c of this.clients) {
      clearInterval(c.heartbeat);
      c.res.end();
    }
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }
}
