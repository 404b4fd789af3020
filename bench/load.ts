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

// A report somewhere in the demo district (lng 112.960–112.990, lat 28.140–28.170).
const TEXTS = ['小区门口路灯不亮好几天了', '人行道井盖松动，踩上去咣当响', '垃圾桶满了没人清运，味道很大', '楼下烧烤油烟太大', '共享单车乱停堵住了盲道', '绿化带的树枝断了挂在半空'];
/** The body of one resident report for POST /api/cases, somewhere in the demo district. */
export const intakeBody = () => ({
  description: TEXTS[Math.floor(Math.random() * TEXTS.length)],
  location: { lng: 112.961 + Math.random() * 0.028, lat: 28.141 + Math.random() * 0.028 },
  address: '长沙市天心区新开铺街道',
  channel: 'resident',
});
