// Catalog search on a large catalog: latency through the real app, and what
// the trigram indexes buy (EXPLAIN ANALYZE with and without them).
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { benchDatabase, ms, percentile } from './bench-database';

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 200_000);
const REQUESTS = 200;
const TERMS = ['walnut', 'merino kettle', 'pro 12345', 'pro 777', 'oak shelf pro 15', 'xyzzy'];

export async function catalogSearchBench(): Promise<void> {
  const database = await benchDatabase();
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  try {
    let started = performance.now();
    await sql.query(`
      INSERT INTO products (name, description, price, stock, updated_at)
      SELECT (ARRAY['Walnut','Ceramic','Merino','Steel','Linen','Oak','Glass','Cotton'])[1 + i % 8] || ' ' ||
             (ARRAY['Kettle','Desk','Sweater','Lamp','Mug','Chair','Shelf','Towel','Bottle'])[1 + (i / 8) % 9] || ' Pro ' || i,
             'Item ' || md5(i::text) || ' for the home and office',
             (1 + (i % 50000) / 100.0)::numeric(10,2), i % 40, now()
      FROM generate_series(1, $1) AS i`, [PRODUCTS]);
    await sql.query('ANALYZE products');
    console.log(`catalog: ${PRODUCTS} products inserted in ${ms(performance.now() - started)}`);

    process.env.DATABASE_URL = database.url;
    process.env.LOG_LEVEL = 'silent';
    const { createApp } = await import('../../src/app');
    const { openDb, closeDb } = await import('../../src/lib/db');
    openDb(database.url, 10);
    const server = createApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const latencies: number[] = [];
    started = performance.now();
    for (let i = 0; i < REQUESTS; i += 1) {
      const term = TERMS[i % TERMS.length]!;
      const t0 = performance.now();
      const res = await fetch(`${base}/api/products/?search=${encodeURIComponent(term)}&page_size=20`);
      if (res.status !== 200) throw new Error(`search answered ${res.status}`);
      await res.json();
      latencies.push(performance.now() - t0);
    }
    const total = performance.now() - started;
    console.log(`GET /api/products/?search=… x${REQUESTS}: p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(Math.max(...latencies))}, ${(REQUESTS / (total / 1000)).toFixed(0)} req/s sequential`);
    server.close();
    await closeDb();

    // A selective term, as most shoppers' searches are: the planner then uses
    // the trigram indexes (a term matching an eighth of the catalog is cheaper
    // to scan, and PostgreSQL rightly does so).
    const query = `SELECT count(*) FROM products WHERE name ILIKE '%pro 12345%' OR description ILIKE '%pro 12345%'`;
    const timed = async () => {
      const plan = (await sql.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`)).rows[0]['QUERY PLAN'][0];
      return { ms: plan['Execution Time'] as number, plan: JSON.stringify(plan.Plan).match(/"Node Type":"([^"]+)"/g)?.map((m) => m.slice(13, -1)).join(' > ') };
    };
    const withIndex = await timed();
    await sql.query('BEGIN');
    await sql.query('DROP INDEX products_name_trgm_idx; DROP INDEX products_description_trgm_idx');
    const without = await timed();
    await sql.query('ROLLBACK');
    console.log(`search SQL with trigram indexes: ${ms(withIndex.ms)} (${withIndex.plan})`);
    console.log(`search SQL without them:        ${ms(without.ms)} (${without.plan})`);
  } finally {
    await sql.end();
    await database.drop();
  }
}
