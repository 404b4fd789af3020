import type { FastifyInstance } from 'fastify';

/**
 * Counts the route handlers still running, for a clean shutdown. When the server closes, Fastify
 * stops taking requests and waits for open connections, but not for a handler whose client already
 * hung up; such a handler's next query would fail on a closed database pool. Call before routes are
 * registered; the returned function resolves when none is running, or after `timeoutMs`.
 * Handlers keep their behaviour: a sync one stays sync, only a returned promise is waited for.
 */
export function trackHandlers(app: FastifyInstance): (timeoutMs: number) => Promise<void> {
  let running = 0;
  const waiters = new Set<() => void>();
  const done = () => {
    if (--running === 0) for (const w of waiters) w();
  };
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, req, reply) {
      running++;
      let out: unknown;
      try {
        out = handler.call(this, req, reply);
      } catch (err) {
        done();
        throw err;
      }
      if (out instanceof Promise) return out.finally(done);
      done();
      return out;
    } as typeof handler;
  });
  return (timeoutMs) =>
    running === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const finish = () => {
            clearTimeout(t);
            waiters.delete(finish);
            resolve();
          };
          const t = setTimeout(finish, timeoutMs);
          waiters.add(finish);
        });
}
