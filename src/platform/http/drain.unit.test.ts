import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { trackHandlers } from './drain.js';

describe('trackHandlers', () => {
  it('waits for a running async handler, not for finished or sync ones, and gives up after the timeout', async () => {
    const app = Fastify();
    const drain = trackHandlers(app);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let after = false;
    app.get('/slow', async () => {
      await gate;
      after = true;
      return { ok: true };
    });
    app.get('/sync', (_req, reply) => {
      reply.send({ sync: true });
    });
    await app.ready();
    expect((await app.inject('/sync')).json()).toEqual({ sync: true });
    await drain(1000); // nothing running: resolves at once

    const pending = app.inject('/slow');
    await new Promise((r) => setImmediate(r));
    let drained = false;
    const d = drain(10_000).then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(drained).toBe(false);
    release();
    await d;
    expect(after).toBe(true); // the handler had finished when drain resolved
    expect((await pending).json()).toEqual({ ok: true });

    // a handler that never ends does not hold shutdown beyond the timeout
    const stuck = Fastify();
    const drain2 = trackHandlers(stuck);
    stuck.get('/never', () => new Promise(() => {}));
    await stuck.ready();
    void stuck.inject('/never');
    await new Promise((r) => setImmediate(r));
    const t0 = Date.now();
    await drain2(100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });
});
