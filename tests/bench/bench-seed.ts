// The side-by-side bench's data, in plain SQL for speed: a catalog of a few
// hundred products (some with long descriptions, a few percent matching the
// search term), buyers with sessions (a refresh-token family each, so the
// session-user check passes) and, for checkout, a cart per buyer. `reset`
// puts stock, carts and orders back so both sides of a scenario do the same work.
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import jwt from 'jsonwebtoken';
import type { Client } from 'pg';

export const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 400);
export const BUYERS = Number(process.env.BENCH_BUYERS ?? 20_000);
/** Orders and checkouts draw their lines from this many products, whose stock never runs out. */
export const ORDER_PRODUCTS = 50;
export const SEARCH_TERM = 'handmade';
export const LOGIN = { username: 'buyer1', password: 'bench-password-1' };
const ORDER_STOCK = 1_000_000_000;

export interface Seeded {
  productIds: number[];
  orderProductIds: number[];
  /** An access token per buyer, in buyer order. */
  tokens: string[];
}

const LONG_TEXT = 'Made to last, repaired rather than replaced, and shipped in recycled packaging. '.repeat(40);

export async function seed(sql: Client, secret: string): Promise<Seeded> {
  await sql.query(
    `INSERT INTO products (name, description, price, stock, image, created_at, updated_at)
     SELECT (ARRAY['Walnut','Ceramic','Merino','Steel','Linen','Oak','Glass','Cotton'])[1 + i % 8] || ' ' ||
            (ARRAY['Kettle','Desk','Sweater','Lamp','Mug','Chair','Shelf','Towel','Bottle'])[1 + (i / 8) % 9] || ' ' || i,
            CASE WHEN i % 30 = 0 THEN 'Handmade in a small workshop. ' ELSE '' END ||
            CASE WHEN i % 4 = 0 THEN $1 ELSE 'A sturdy everyday item, model ' || md5(i::text) END,
            (1 + (i * 37 % 20000) / 100.0)::numeric(10,2),
            CASE WHEN i <= $2 THEN $3 ELSE i % 40 END,
            CASE WHEN i % 3 = 0 THEN 'bench-' || i || '.png' END,
            now() - make_interval(mins => i), now() - make_interval(mins => i)
     FROM generate_series(1, $4) AS i ORDER BY i`,
    [LONG_TEXT, ORDER_PRODUCTS, ORDER_STOCK, PRODUCTS],
  );
  const hash = await bcrypt.hash(LOGIN.password, 12);
  await sql.query(
    `INSERT INTO users (username, email, password_hash, updated_at)
     SELECT 'buyer' || i, 'buyer' || i || '@bench.local', $1, now() FROM generate_series(1, $2) AS i ORDER BY i`,
    [hash, BUYERS],
  );
  await sql.query(
    `INSERT INTO refresh_tokens (user_id, jti, token_hash, family_id, expires_at)
     SELECT id, gen_random_uuid(), encode(sha256(('bench-' || id)::bytea), 'hex'), gen_random_uuid(), now() + interval '1 day'
     FROM users`,
  );
  const sessions = await sql.query<{ user_id: number; family_id: string }>('SELECT user_id, family_id FROM refresh_tokens ORDER BY user_id');
  const tokens = sessions.rows.map((s) =>
    jwt.sign({ token_type: 'access', user_id: s.user_id, sid: s.family_id, ver: 0 }, secret, {
      algorithm: 'HS256', expiresIn: 3600, issuer: 'shop-api', audience: 'shop-api', jwtid: randomUUID(),
    }),
  );
  const ids = (await sql.query<{ id: number; stock: number }>('SELECT id, stock FROM products ORDER BY id')).rows;
  await sql.query('ANALYZE');
  return { productIds: ids.map((p) => p.id), orderProductIds: ids.filter((p) => p.stock === ORDER_STOCK).map((p) => p.id), tokens };
}

/** Back to the seeded state before each side: no orders, full stock, and (for checkout) full carts. */
export async function reset(sql: Client, { carts }: { carts: boolean }): Promise<void> {
  await drained(sql);
  await sql.query('TRUNCATE orders, order_items, idempotency_keys, payments, payment_events, refunds, mail_outbox');
  await sql.query('UPDATE products SET stock = $1 WHERE stock <> $1 AND id IN (SELECT id FROM products ORDER BY id LIMIT $2)', [ORDER_STOCK, ORDER_PRODUCTS]);
  await sql.query('TRUNCATE cart_items');
  if (carts) {
    // Three lines per buyer over the order products, spread so buyers meet on rows now and then.
    await sql.query(
      `INSERT INTO cart_items (user_id, product_id, quantity, updated_at)
       SELECT u.id, p.id, 1 + (u.id + p.id) % 3, now()
       FROM users u
       JOIN LATERAL (SELECT id FROM (SELECT id FROM products ORDER BY id LIMIT $1) op ORDER BY (op.id * 7919 + u.id) % $1 LIMIT 3) p ON true`,
      [ORDER_PRODUCTS],
    );
  }
  await sql.query('VACUUM ANALYZE products, orders, order_items, cart_items');
}

/**
 * Waits until no other session in this database is busy: when autocannon
 * stops, the servers still finish the requests they had queued, and a reset
 * under them would deadlock on the products they lock.
 */
async function drained(sql: Client): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await sql.query<{ busy: number }>(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state NOT IN ('idle')`);
    if (rows[0]!.busy === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.busy} sessions still busy after a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Three distinct products among the order products, one to three of each. */
export function orderBody(orderProductIds: number[]): string {
  const picked = new Set<number>();
  while (picked.size < 3) picked.add(orderProductIds[Math.floor(Math.random() * orderProductIds.length)]!);
  return JSON.stringify({ items: [...picked].map((id) => ({ product_id: id, quantity: 1 + Math.floor(Math.random() * 3) })) });
}
