/**
 * Soak test (not part of `npm test` or CI): starts the real server, measures intake capacity briefly,
 * then runs mixed load — case intake (POST /api/cases) and the dispatcher's worklist — at 70% of that
 * capacity for SOAK_SECONDS (default 600), sampling the server's RSS every 10 s.
 *
 * Exits non-zero when any request errors or answers non-2xx, or when memory is not flat:
 *   - RSS grows by more than SOAK_MAX_GROWTH_MB (default 64) from the first sample after warm-up to the last, or
 *   - on runs of 5 minutes or more, the least-squares RSS slope exceeds SOAK_MAX_SLOPE_MB_MIN (default 2 MB/min).
 *
 * Env: SOAK_SECONDS, SOAK_LOAD (fraction of capacity, default 0.7), SOAK_CAPACITY_SECONDS (default 10),
 * SOAK_CONNECTIONS (default 16), DATABASE_URL (PostgreSQL; default embedded PGlite).
 */
import autocannon from 'autocannon';
import { intakeBody, load } from './load.js';
import { startServer } from './server.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const FRACTION = Number(process.env.SOAK_LOAD ?? 0.7);
const CAPACITY_SECONDS = Number(process.env.SOAK_CAPACITY_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16);
const MAX_GROWTH_MB = Number(process.env.SOAK_MAX_GROWTH_MB ?? 64);
const MAX_SLOPE = Number(process.env.SOAK_MAX_SLOPE_MB_MIN ?? 2);
const SAMPLE_MS = 10_000;


/** least-squares slope of y over x */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main() {
  const server = await startServer(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { ONEGRID_DEMO_CASES: '0' });
  let failed = false;
  try {
    const reporter = await server.login('resident.qiaotou');
    const dispatcher = await server.login('dispatcher');

    console.log(`measuring intake capacity: ${CAPACITY_SECONDS}s at ${CONNECTIONS} connections…`);
    const cap = await load({ url: server.url + '/api/cases', method: 'POST', cookie: reporter, connections: CONNECTIONS, seconds: CAPACITY_SECONDS, body: intakeBody });
    if (cap.rps <= 0) throw new Error('capacity measurement produced no requests');
    // The load is split evenly between intake and worklist reads; reads are cheaper than intake,
    // so the total stays at or below FRACTION of what the server can sustain.
    const total = Math.max(2, Math.round(cap.rps * FRACTION));
    const intakeRate = Math.max(1, Math.round(total / 2));
    const readRate = Math.max(1, total - intakeRate);
    console.log(`capacity ${cap.rps} req/s (p99 ${cap.p99} ms); soak ${SECONDS}s at ${total} req/s (${intakeRate} intake + ${readRate} worklist)`);

    const samples: Array<{ t: number; rss: number }> = [];
    const start = Date.now();
    const sample = () => {
      const rss = server.rssMb();
      samples.push({ t: (Date.now() - start) / 60_000, rss });
      console.log(`  t=${Math.round((Date.now() - start) / 1000)}s rss=${rss} MB`);
    };
    sample();
    const timer = setInterval(sample, SAMPLE_MS);

    const common = { duration: SECONDS, connections: Math.max(2, CONNECTIONS / 2) };
    const [intake, reads] = await Promise.all([
      autocannon({
        ...common,
        url: server.url + '/api/cases',
        method: 'POST',
        overallRate: intakeRate,
        headers: { cookie: reporter, 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(intakeBody()) }) }],
      }),
      autocannon({ ...common, url: server.url + '/api/cases?pageSize=20', overallRate: readRate, headers: { cookie: dispatcher } }),
    ]);
    clearInterval(timer);
    sample();

    const errors = intake.errors + intake.timeouts + reads.errors + reads.timeouts;
    const non2xx = intake.non2xx + reads.non2xx;
    // the first sample is taken before any load; memory is judged from the first loaded sample on
    const loaded = samples.length > 2 ? samples.slice(1) : samples;
    const rss = samples.map((s) => s.rss);
    const first = loaded[0]!.rss;
    const last = loaded[loaded.length - 1]!.rss;
    const mbPerMin = slope(loaded.map((s) => [s.t, s.rss]));
    const growth = last - first;

    const row = (k: string, v: string | number) => console.log(`${k.padEnd(28)} ${v}`);
    console.log('\nsoak result');
    row('duration_s', SECONDS);
    row('capacity_rps', cap.rps);
    row('target_rps', total);
    row('intake_rps', Math.round(intake.requests.average));
    row('intake_p99_ms', intake.latency.p99);
    row('worklist_rps', Math.round(reads.requests.average));
    row('worklist_p99_ms', reads.latency.p99);
    row('errors', errors);
    row('non_2xx', non2xx);
    row('rss_mb_first/last/max', `${rss[0]} / ${rss[rss.length - 1]} / ${Math.max(...rss)}`);
    row('rss_growth_mb (loaded)', growth);
    row('rss_slope_mb_per_min', mbPerMin.toFixed(2));

    const problems: string[] = [];
    if (errors > 0) problems.push(`${errors} request errors/timeouts`);
    if (non2xx > 0) problems.push(`${non2xx} non-2xx responses`);
    if (growth > MAX_GROWTH_MB) problems.push(`RSS grew ${growth} MB > ${MAX_GROWTH_MB} MB`);
    if (SECONDS >= 300 && mbPerMin > MAX_SLOPE) problems.push(`RSS slope ${mbPerMin.toFixed(2)} MB/min > ${MAX_SLOPE} MB/min`);
    if (problems.length) {
      failed = true;
      console.error('\nSOAK FAILED: ' + problems.join('; '));
    } else {
      console.log(`\nsoak passed (bounds: growth ≤ ${MAX_GROWTH_MB} MB${SECONDS >= 300 ? `, slope ≤ ${MAX_SLOPE} MB/min` : '; slope not judged under 5 minutes'})`);
    }
  } finally {
    await server.stop();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
