import { sql, type Compilable, type QueryExecutorProvider } from 'kysely';

/**
 * Several writes sent as one statement, each a data-modifying CTE; the result is what the first one
 * RETURNs. One round trip instead of one per write plus BEGIN and COMMIT, and atomic all the same:
 * a statement commits or fails whole (docs/decisions/0021). Inside a caller's transaction it is one
 * statement of that transaction.
 *
 * PostgreSQL runs sibling CTEs on one snapshot, so no write may need to see another's rows, except
 * through foreign keys, which are checked when the statement ends; triggers fire per row as usual.
 */
export async function writeTogether<R>(db: QueryExecutorProvider, first: Compilable<R>, rest: Array<Compilable<unknown> | null>): Promise<R[]> {
  const parts = [first, ...rest.filter((q): q is Compilable<unknown> => q !== null)];
  const ctes = sql.join(
    parts.map((q, i) => sql`${sql.ref(`w${i}`)} AS (${q})`),
    sql`, `,
  );
  const r = await sql<R>`WITH ${ctes} SELECT * FROM w0`.execute(db);
  return r.rows;
}
