// The catalog's hot reads on node-postgres directly, on the pool under the
// Prisma client (src/lib/db.ts). Prisma's raw path costs about 100 us a query
// more than the driver's (prisma/orm#15345, #23573), a third of a product
// read; this is the one door around it. Only reads: writes and transactions
// stay on Prisma, where a tx is passed down and the model's rules live.
//
// Queries are Prisma.sql fragments, the same tagged, composable templates the
// raw queries already use, so a value is always a bind parameter ($1, $2, ...)
// and never spliced into the text. pg's own type parsers apply: int8 and
// numeric come back as strings, so queries cast what they return (::int,
// ::float8, ::text) and each declares its row type once, at the call.
// Connection failures surface as pg's errors, which databaseTrouble()
// (src/http/database-errors.ts) already maps to the same 503.
import { createHash } from 'node:crypto';
import { poolUnder, type Db, type Prisma } from './db';

// Each query text runs as a named prepared statement: PostgreSQL parses and
// plans it once per connection instead of on every request, and the driver
// sends Bind/Execute without the Parse. On the 2-core bench PostgreSQL shares
// the cores with Node, so its saved CPU is throughput. The texts are the
// queries' templates (values are always parameters), so there are few of
// them; past MAX_NAMED a new text runs unnamed rather than grow every
// connection's statement cache without bound.
const MAX_NAMED = 200;
const statementNames = new Map<string, string>();
/** Part of every name: a new generation makes every connection prepare afresh. */
let generation = 0;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `shop_${generation}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * PostgreSQL refuses a prepared statement whose result columns a migration
 * changed ("cached plan must not change result type", SQLSTATE 0A000), on
 * every connection that holds it, until it is prepared again. During a
 * rolling deploy the instances still running meet exactly that.
 */
function isStalePlan(error: unknown): boolean {
  return (error as { code?: unknown }).code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));
}

/**
 * The rows of a read. On the process's client it runs on the driver; inside a
 * transaction (or on another client) it stays on that client's connection, so
 * it sees what the transaction sees.
 */
export async function readRows<Row>(client: Db, query: Prisma.Sql): Promise<Row[]> {
  const pool = poolUnder(client);
  if (!pool) return client.$queryRaw<Row[]>(query);
  const run = async () => (await pool.query<Row & object>({ name: statementName(query.text), text: query.text, values: query.values })).rows;
  try {
    return await run();
  } catch (error) {
    if (!isStalePlan(error)) throw error;
    // New names for every text: each connection prepares them again (the
    // stale ones stay unused until the connection closes), and this read
    // is answered rather than failed.
    statementNames.clear();
    generation += 1;
    return run();
  }
}
