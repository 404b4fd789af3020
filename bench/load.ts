import autocannon from 'autocannon';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon against one endpoint; `body` is called per request so payloads can vary. */
export async function load(opts: { url: string; method?: 'GET' | 'POST'; cookie: string; connections: number; seconds: number; body?: () => unknown }): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    connections: opts.connections,
    duration: opts.seconds,
    headers: { cookie: opts.cookie, 'content-type': 'application/json' },
    requests: opts.body
      ? [
          {
            setupRequest: (req) => ({ ...req, body: JSON.stringify(opts.body!()) }),
          },
        ]
      : undefined,
  });
  return { rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}
