// The bare service of bench/floor.ts: one route, pgbench's INSERT (bench/pgbench.ts), nothing else.
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.FLOOR_DB, max: 20 });
await pool.query(
  `DROP TABLE IF EXISTS bench_node_floor; CREATE TABLE bench_node_floor (id uuid PRIMARY KEY, number text, description text, state text, grid_path text, data jsonb, created_at timestamptz); CREATE INDEX ON bench_node_floor (grid_path, state)`,
);
const app = Fastify();
app.post('/floor', async (req) => {
  const b = req.body as { description: string; location: unknown };
  const r = await pool.query<{ id: string }>(
    "INSERT INTO bench_node_floor VALUES (gen_random_uuid(), md5(random()::text), $1, 'reported', '430103/430103007/430103007001', $2, now()) RETURNING id",
    [b.description, JSON.stringify(b.location)],
  );
  return { id: r.rows[0]!.id };
});
await app.listen({ port: Number(process.env.FLOOR_PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void app.close().then(() => pool.end()));
