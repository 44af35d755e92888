// The yardstick for `npm run bench`: node:http + pg, no framework, no ORM,
// doing the same database work our server does for the benchmarked routes.
// It is run as its own process (transpiled to plain JS first) with the same
// pool size, so the ratio in the table is "what our stack costs on top of
// the SQL". Keep it equivalent, not identical: when the SQL in
// products.service.ts, checkout.service.ts, orders.service.ts,
// users.service.ts (authenticateCredentials), refresh-tokens.ts or
// session-user.ts changes, change the matching query here so both sides
// keep doing the same work. It imports nothing from src/ on purpose.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import bcrypt from 'bcrypt';
import jwt from 'jsonwebtoken';
import { Pool, type PoolClient } from 'pg';

const env = process.env;
const PUBLIC_URL = env.PUBLIC_URL!;
const SECRET = env.JWT_SECRET!;
const ROUNDS = Number(env.BCRYPT_ROUNDS ?? 12);
const MAX_PENDING = Number(env.MAX_PENDING_ORDERS_PER_USER ?? 10);
const MAX_PENDING_UNITS = Number(env.MAX_PENDING_UNITS_PER_PRODUCT ?? 10);
const JWT_OPTIONS = { issuer: 'shop-api', audience: 'shop-api' };
const ACCESS_SECONDS = Number(env.ACCESS_TOKEN_LIFETIME_SECONDS ?? 300);
const REFRESH_SECONDS = Number(env.REFRESH_TOKEN_LIFETIME_SECONDS ?? 86_400);
const pool = new Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10), connectionTimeoutMillis: 3_000 });

class Fail extends Error {
  constructor(readonly status: number, detail: string) {
    super(detail);
  }
}

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const iso = (d: Date) => d.toISOString();
const cents = (money: string) => BigInt(money.replace('.', ''));
const money = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, '0')}`;

const PRODUCT_COLUMNS = 'p.id, p.name, p.description, p.price, p.stock, p.image, p.category_id, p.created_at, p.updated_at';
const product = (p: Row) => ({
  id: p.id, name: p.name, description: p.description, price: p.price, stock: p.stock,
  image: p.image ? `${PUBLIC_URL}/media/${p.image}` : null, category_id: p.category_id, created_at: iso(p.created_at), updated_at: iso(p.updated_at),
});

// products.queries.ts selectProductPage: the count from the counters (or, for
// a one-word search, from product_words), the page's ids from the ordering's
// index (a search's few matches sorted by themselves), then their rows.
async function listProducts(url: URL) {
  const page = Number(url.searchParams.get('page') ?? 1);
  const search = url.searchParams.get('search')?.toLowerCase();
  const offset = (page - 1) * 20;
  let count;
  let rows;
  if (search) {
    count = await pool.query('SELECT count(DISTINCT product_id)::int AS n FROM (SELECT product_id FROM product_words WHERE word LIKE $1) matched', [`${search}%`]);
    rows = await pool.query(
      `WITH matches AS MATERIALIZED (SELECT p.id, p.created_at AS key FROM products p WHERE p.search_vector @@ to_tsquery('simple', $1))
       SELECT ${PRODUCT_COLUMNS} FROM (SELECT m.id FROM matches m ORDER BY m.key DESC, m.id DESC LIMIT 20 OFFSET ${offset}) chosen
       JOIN products p ON p.id = chosen.id ORDER BY p.created_at DESC, p.id DESC`, [`${search}:*`]);
  } else {
    [count, rows] = await Promise.all([
      pool.query('SELECT coalesce(sum(products), 0)::int AS n FROM product_counts'),
      pool.query(`SELECT ${PRODUCT_COLUMNS} FROM (SELECT p.id FROM products p ORDER BY p.created_at DESC, p.id DESC LIMIT 20 OFFSET ${offset}) chosen
                  JOIN products p ON p.id = chosen.id ORDER BY p.created_at DESC, p.id DESC`),
    ]);
  }
  const n: number = count.rows[0].n;
  const last = Math.max(1, Math.ceil(n / 20));
  if (page > last) throw new Fail(404, 'Invalid page.');
  const link = (p: number) => {
    const target = new URL(PUBLIC_URL + url.pathname + url.search);
    if (p === 1) target.searchParams.delete('page');
    else target.searchParams.set('page', String(p));
    return target.toString();
  };
  return { count: n, next: page < last ? link(page + 1) : null, previous: page > 1 ? link(page - 1) : null, results: rows.rows.map(product) };
}

async function getProduct(id: number, res: ServerResponse) {
  const { rows } = await pool.query(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.id = $1`, [id]);
  if (!rows[0]) throw new Fail(404, 'No product matches the given query.');
  res.setHeader('ETag', `"${rows[0].id}-${rows[0].updated_at.getTime()}"`);
  return product(rows[0]);
}

// authenticate.ts + session-user.ts: the signed token, then one query for the user and session.
async function authenticate(req: IncomingMessage): Promise<number> {
  const [scheme, token] = (req.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token) throw new Fail(401, 'Authentication credentials were not provided.');
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(token, SECRET, { algorithms: ['HS256'], ...JWT_OPTIONS }) as jwt.JwtPayload;
  } catch {
    throw new Fail(401, 'Given token not valid for any token type');
  }
  if (claims.token_type !== 'access') throw new Fail(401, 'Given token not valid for any token type');
  const { rows } = await pool.query(
    `SELECT u.id, u.username, u.is_staff FROM users u
     WHERE u.id = $1 AND u.is_active AND u.token_version = $2
       AND EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = $3::uuid AND r.user_id = u.id AND r.revoked_at IS NULL)`,
    [claims.user_id, claims.ver, claims.sid],
  );
  if (!rows[0]) throw new Fail(401, 'Given token not valid for any token type');
  return rows[0].id;
}

async function inTransaction<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// checkout.service.ts orderTransaction: the user's row lock (the cart lock,
// which queues one user's orders), then the pending-order cap and the
// pending-unit limit, counted in one statement (checkout.queries.ts
// pendingHoldingsStatement) over the given lines or, without them, the cart.
async function lockUserAndCheckPending(c: PoolClient, userId: number, lines?: { product_id: number; quantity: number }[]) {
  await c.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
  const wanted = lines
    ? 'SELECT product_id, quantity, position FROM unnest($2::int[], $3::int[]) WITH ORDINALITY AS w(product_id, quantity, position)'
    : 'SELECT product_id, quantity, row_number() OVER (ORDER BY product_id) AS position FROM cart_items WHERE user_id = $1';
  const { rows: [row] } = await c.query(
    `WITH wanted AS (${wanted}),
     pending AS (SELECT id FROM orders WHERE user_id = $1 AND status = 'pending'),
     held AS (SELECT i.product_id, sum(i.quantity)::int AS held FROM pending o JOIN order_items i ON i.order_id = o.id GROUP BY i.product_id)
     SELECT (SELECT count(*) FROM pending)::int AS n,
            COALESCE(json_agg(json_build_object('product_id', w.product_id, 'name', p.name, 'requested', w.quantity, 'held', COALESCE(h.held, 0))
                              ORDER BY w.position), '[]'::json) AS lines
     FROM wanted w JOIN products p ON p.id = w.product_id LEFT JOIN held h ON h.product_id = w.product_id`,
    lines ? [userId, lines.map((l) => l.product_id), lines.map((l) => l.quantity)] : [userId]);
  if (row.n >= MAX_PENDING) throw new Fail(409, 'Too many pending orders.');
  if (MAX_PENDING_UNITS > 0 && row.lines.some((l: Row) => l.held + l.requested > MAX_PENDING_UNITS)) throw new Fail(409, 'Too many units pending.');
}

// checkout.service.ts placeOrder: lock in id order, check, conditional
// decrement, order and lines with price snapshots.
async function placeOrder(c: PoolClient, userId: number, lines: { product_id: number; quantity: number }[]) {
  const ids = lines.map((l) => l.product_id);
  const qty = lines.map((l) => l.quantity);
  const locked = new Map<number, Row>();
  for (const p of (await c.query('SELECT id, name, price, stock FROM products WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE', [ids])).rows) locked.set(p.id, p);
  if (lines.some((l) => !locked.has(l.product_id))) throw new Fail(400, 'Product does not exist.');
  if (lines.some((l) => locked.get(l.product_id)!.stock < l.quantity)) throw new Fail(409, 'Not enough stock.');
  const total = lines.reduce((sum, l) => sum + cents(locked.get(l.product_id)!.price) * BigInt(l.quantity), 0n);
  const updated = await c.query(
    `UPDATE products p SET stock = p.stock - v.qty, updated_at = now()
     FROM unnest($1::int[], $2::int[]) AS v(id, qty) WHERE p.id = v.id AND p.stock >= v.qty`, [ids, qty]);
  if (updated.rowCount !== lines.length) throw new Error('stock changed under a row lock');
  const order = (await c.query(
    'INSERT INTO orders (user_id, total, updated_at) VALUES ($1, $2, now()) RETURNING id, user_id, status, cancel_reason, total, shipping_address, created_at, updated_at',
    [userId, money(total)])).rows[0];
  const items = (await c.query(
    `INSERT INTO order_items (order_id, product_id, product_name, unit_price, quantity)
     SELECT $1, * FROM unnest($2::int[], $3::text[], $4::numeric[], $5::int[])
     RETURNING id, product_id, product_name, unit_price, quantity`,
    [order.id, ids, ids.map((id) => locked.get(id)!.name), ids.map((id) => locked.get(id)!.price), qty])).rows;
  items.sort((a, b) => a.id - b.id);
  return {
    id: order.id, user_id: order.user_id, status: order.status, cancel_reason: order.cancel_reason, total: order.total, shipping_address: order.shipping_address,
    items: items.map((i) => ({ id: i.id, product_id: i.product_id, product_name: i.product_name, unit_price: i.unit_price, quantity: i.quantity, subtotal: money(cents(i.unit_price) * BigInt(i.quantity)) })),
    created_at: iso(order.created_at), updated_at: iso(order.updated_at),
  };
}

function orderLines(body: Row) {
  const items = body?.items;
  const valid = Array.isArray(items) && items.length >= 1 && items.length <= 100 &&
    items.every((i: Row) => Number.isInteger(i?.product_id) && Number.isInteger(i?.quantity) && i.quantity >= 1) &&
    new Set(items.map((i: Row) => i.product_id)).size === items.length;
  if (!valid) throw new Fail(400, 'Invalid items.');
  return items as { product_id: number; quantity: number }[];
}

// mail.outbox.ts queueOrderMails: the "we received your order" mail, written
// with the order, on both ways of placing one (checkout.service.ts orderTransaction).
async function queuePlacedMail(c: PoolClient, orderId: number) {
  await c.query(
    `INSERT INTO mail_outbox (template, to_address, user_id, order_id, data)
     SELECT 'order_placed', u.email, u.id, o.id,
       jsonb_build_object('order_id', o.id, 'username', u.username, 'status', o.status, 'total', o.total::text,
         'cancel_reason', o.cancel_reason, 'shipping_address', o.shipping_address, 'placed_at', o.created_at,
         'refunded', EXISTS (SELECT 1 FROM payments p JOIN refunds r ON r.payment_id = p.id WHERE p.order_id = o.id AND r.status = 'succeeded'),
         'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('name', i.product_name, 'quantity', i.quantity, 'unit_price', i.unit_price::text) ORDER BY i.id), '[]'::jsonb)
                   FROM order_items i WHERE i.order_id = o.id)) || '{}'::jsonb
     FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = $1`, [orderId]);
}

// checkout.service.ts checkout: lock the user's cart (the user row), read it, order, empty it.
const checkout = (userId: number) => inTransaction(async (c) => {
  await lockUserAndCheckPending(c, userId);
  const lines = (await c.query('SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY product_id', [userId])).rows;
  if (lines.length === 0) throw new Fail(400, 'Your cart is empty.');
  const order = await placeOrder(c, userId, lines as { product_id: number; quantity: number }[]);
  await queuePlacedMail(c, order.id);
  await c.query('DELETE FROM cart_items WHERE user_id = $1', [userId]);
  return order;
});

let dummyHash: Promise<string> | undefined;
// users.credentials.ts authenticateCredentials + refresh-tokens.ts issueTokenPair.
async function login(body: Row) {
  const username = String(body?.username ?? '');
  const password = String(body?.password ?? '');
  const { rows: [user] } = await pool.query(
    `SELECT id, username, is_staff, is_active, password_hash, token_version FROM users
     WHERE id = (SELECT user_id FROM user_login_names WHERE name = lower($1))`, [username]);
  dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, ROUNDS);
  const usable = user && Buffer.byteLength(password) <= 72;
  if ((await bcrypt.compare(password, usable ? user.password_hash : await dummyHash)) && usable && user.is_active) {
    const claims = { user_id: user.id, sid: randomUUID(), ver: user.token_version };
    const jti = randomUUID();
    const refresh = jwt.sign({ ...claims, token_type: 'refresh' }, SECRET, { algorithm: 'HS256', expiresIn: REFRESH_SECONDS, jwtid: jti, ...JWT_OPTIONS });
    await pool.query(
      'INSERT INTO refresh_tokens (user_id, jti, token_hash, family_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [user.id, jti, createHash('sha256').update(refresh).digest('hex'), claims.sid, new Date(Date.now() + REFRESH_SECONDS * 1000)]);
    const access = jwt.sign({ ...claims, token_type: 'access' }, SECRET, { algorithm: 'HS256', expiresIn: ACCESS_SECONDS, jwtid: randomUUID(), ...JWT_OPTIONS });
    return { access, refresh };
  }
  throw new Fail(401, 'No active account found with the given credentials');
}

async function readJson(req: IncomingMessage): Promise<Row> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
  } catch {
    throw new Fail(400, 'JSON parse error.');
  }
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<[number, unknown]> {
  const url = new URL(req.url ?? '/', PUBLIC_URL);
  const path = url.pathname.replace(/\/?$/, '/');
  const detail = /^\/api\/products\/(\d+)\/$/.exec(path);
  if (req.method === 'GET' && path === '/api/products/') return [200, await listProducts(url)];
  if (req.method === 'GET' && detail) return [200, await getProduct(Number(detail[1]), res)];
  if (path.startsWith('/api/token/') || path.startsWith('/api/orders/')) res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'POST' && path === '/api/token/') return [200, await login(await readJson(req))];
  if (req.method === 'POST' && (path === '/api/orders/' || path === '/api/orders/create/')) {
    const userId = await authenticate(req);
    const lines = orderLines(await readJson(req));
    return [201, await inTransaction(async (c) => {
      await lockUserAndCheckPending(c, userId, lines);
      const order = await placeOrder(c, userId, lines);
      await queuePlacedMail(c, order.id);
      return order;
    })];
  }
  if (req.method === 'POST' && path === '/api/orders/checkout/') return [201, await checkout(await authenticate(req))];
  if (req.method === 'GET' && path === '/ready/') return [200, { status: 'ok' }];
  throw new Fail(404, 'Not found.');
}

createServer((req, res) => {
  route(req, res).then(
    ([status, body]) => send(res, status, body),
    (error: unknown) => {
      if (error instanceof Fail) return send(res, error.status, { detail: error.message });
      console.error(error);
      send(res, 500, { detail: 'A server error occurred.' });
    },
  );
}).listen(Number(env.PORT), '127.0.0.1', () => console.log(`bare server on ${env.PORT}`));

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' });
  res.end(JSON.stringify(body));
}
