// Checkout throughput through the real app: buyers with small carts checking
// out with a bounded number in flight, over spread-out products and over one
// hot product everyone wants.
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { benchDatabase, ms, percentile } from './bench-database';

const BUYERS = Number(process.env.BENCH_BUYERS ?? 400);
const IN_FLIGHT = 20;

async function runCheckouts(base: string, tokens: string[]) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    [...Array(IN_FLIGHT)].map(async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const t0 = performance.now();
        const res = await fetch(`${base}/api/orders/checkout/`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return `${(tokens.length / seconds).toFixed(0)} checkouts/s, p50 ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, statuses ${JSON.stringify(Object.fromEntries(statuses))}`;
}

export async function checkoutBench(): Promise<void> {
  const database = await benchDatabase();
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  try {
    process.env.DATABASE_URL = database.url;
    process.env.LOG_LEVEL = 'silent';
    const { createApp } = await import('../../src/app');
    const { openDb, closeDb } = await import('../../src/lib/db');
    const { issueTokenPair } = await import('../../src/modules/auth/refresh-tokens');
    const tokensFor = (ids: number[]) => Promise.all(ids.map(async (id) => (await issueTokenPair({ id, tokenVersion: 0 })).access));
    openDb(database.url, 10);
    const server = createApp().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await sql.query(`INSERT INTO products (name, price, stock, updated_at) SELECT 'Bench product ' || i, 9.99, 1000000, now() FROM generate_series(1, 50) i`);
    await sql.query(`INSERT INTO products (name, price, stock, updated_at) VALUES ('Hot product', 19.99, ${BUYERS / 2}, now())`);
    const users = async (prefix: string) =>
      (await sql.query<{ id: number }>(
        `INSERT INTO users (username, email, password_hash, updated_at)
         SELECT '${prefix}' || i, '${prefix}' || i || '@bench.local', 'x', now() FROM generate_series(1, $1) i RETURNING id`, [BUYERS])).rows.map((r) => r.id);

    const spread = await users('spread');
    await sql.query(`
      INSERT INTO cart_items (user_id, product_id, quantity, updated_at)
      SELECT u, p.id, 1 + (u + p.id) % 3, now() FROM unnest($1::int[]) u
      JOIN LATERAL (SELECT id FROM products WHERE name LIKE 'Bench%' ORDER BY (id * 7919 + u) % 50 LIMIT 3) p ON true`, [spread]);
    console.log(`spread (${BUYERS} buyers, 3 lines each over 50 products, ${IN_FLIGHT} in flight): ${await runCheckouts(base, await tokensFor(spread))}`);

    const hot = await users('hot');
    await sql.query(`INSERT INTO cart_items (user_id, product_id, quantity, updated_at) SELECT u, (SELECT id FROM products WHERE name = 'Hot product'), 1, now() FROM unnest($1::int[]) u`, [hot]);
    console.log(`hot product (${BUYERS} buyers, stock ${BUYERS / 2}): ${await runCheckouts(base, await tokensFor(hot))}`);
    const { rows } = await sql.query(`SELECT stock FROM products WHERE name = 'Hot product'`);
    console.log(`hot product stock afterwards: ${rows[0].stock} (never below 0)`);

    server.close();
    await closeDb();
  } finally {
    await sql.end();
    await database.drop();
  }
}
