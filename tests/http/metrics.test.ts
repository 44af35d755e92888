// GET /metrics as Prometheus and an operator see it: guarded by METRICS_TOKEN,
// requests counted under their route's template, the pool and the outbox read
// when scraped, and the shop's own counters moving with what customers do.
import request from 'supertest';
import { createApp } from '../../src/app';
import { config, loadConfig } from '../../src/config';
import { db, poolUnder } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { api, buildProduct, buildUser, signedIn } from '../support/api';
import { appWithMetricsToken, growth, METRICS_TOKEN, scrape, valueOf } from '../support/metrics';
import { placeOrder } from '../support/shop';

describe('GET /metrics access', () => {
  it('answers 401, with a JSON problem and WWW-Authenticate, without the token or with another one', async () => {
    const app = appWithMetricsToken();
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`, 'Bearer ']) {
      const req = request(app).get('/metrics');
      if (authorization !== undefined) req.set('Authorization', authorization);
      const res = await req.expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.text).not.toContain('http_request_duration_seconds');
    }
  });

  it('serves the text format, uncached, with the token', async () => {
    const res = await request(appWithMetricsToken()).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('is absent (404) in production without METRICS_TOKEN, and open in development', async () => {
    const env = { ...process.env, METRICS_TOKEN: '' };
    const production = loadConfig({ ...env, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATABASE_URL: config.database.url, PUBLIC_URL: 'https://shop.example.com' });
    const res = await request(createApp({ config: production })).get('/metrics').expect(404);
    expect(res.text).not.toContain('http_request_duration_seconds');
    await request(createApp({ config: loadConfig({ ...env, NODE_ENV: 'development' }) })).get('/metrics').expect(200);
  });

  it('refuses a short METRICS_TOKEN in production', () => {
    expect(() => loadConfig({ ...process.env, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATABASE_URL: config.database.url, METRICS_TOKEN: 'short' }))
      .toThrow(/METRICS_TOKEN/);
  });
});

describe('request metrics', () => {
  it('counts a request under its route template and status, never its URL; unknown paths under one label', async () => {
    const product = await buildProduct();
    const before = await scrape();
    const detail = { method: 'GET', route: '/api/products/{id}/' };
    await api().get(`/api/products/${product.id}/`).expect(200);
    await api().get(`/api/products/${product.id}/`).expect(200);
    await api().get('/api/products/999999/').expect(404);
    await api().delete(`/api/products/${product.id}/`).expect(401);
    await api().get('/wp-login.php').expect(404);
    await api().get(`/scan/${product.id}/x`).expect(404);
    const after = await scrape();

    const delta = (labels: Record<string, string>) =>
      valueOf(after, 'http_request_duration_seconds_count', labels) - valueOf(before, 'http_request_duration_seconds_count', labels);
    expect(delta({ ...detail, status: '200' })).toBe(2);
    expect(delta({ ...detail, status: '404' })).toBe(1);
    expect(delta({ method: 'DELETE', route: '/api/products/{id}/', status: '401' })).toBe(1);
    expect(delta({ method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    const routes = new Set(after.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route));
    expect([...routes].filter((r) => /\d/.test(r!) || r!.includes('wp-login'))).toEqual([]);
    // The buckets are cumulative up to +Inf, which holds them all.
    expect(valueOf(after, 'http_request_duration_seconds_bucket', { ...detail, status: '200', le: '+Inf' }))
      .toBe(valueOf(after, 'http_request_duration_seconds_count', { ...detail, status: '200' }));
  });

  it('reads the pool from the pool itself: in use, idle, waiting and its size', async () => {
    const all = await scrape();
    const inUse = valueOf(all, 'shop_db_pool_connections', { state: 'in_use' });
    const idle = valueOf(all, 'shop_db_pool_connections', { state: 'idle' });
    expect(all.some((s) => s.name === 'shop_db_pool_connections' && s.labels.state === 'idle')).toBe(true);
    expect(inUse + idle).toBeGreaterThanOrEqual(1);
    expect(inUse + idle).toBeLessThanOrEqual(valueOf(all, 'shop_db_pool_max'));
    expect(valueOf(all, 'shop_db_pool_max')).toBe(poolUnder(db())!.options.max);
    expect(all.some((s) => s.name === 'shop_db_pool_waiting')).toBe(true);
  });

  it('shows a pool worn out: every connection in use and a query waiting, and still answers at once', async () => {
    const pool = poolUnder(db())!;
    const held = await Promise.all(Array.from({ length: pool.options.max! }, () => pool.connect()));
    const queued = pool.query('SELECT 1');
    try {
      const started = performance.now();
      const all = await scrape();
      expect(valueOf(all, 'shop_db_pool_connections', { state: 'in_use' })).toBe(pool.options.max);
      expect(valueOf(all, 'shop_db_pool_connections', { state: 'idle' })).toBe(0);
      expect(valueOf(all, 'shop_db_pool_waiting')).toBe(1);
      // The outbox is not read behind the waiting query: unknown for this scrape.
      expect(valueOf(all, 'shop_mail_outbox_depth')).toBeNaN();
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      for (const client of held) client.release();
      await queued;
    }
    const after = await scrape();
    expect(valueOf(after, 'shop_db_pool_waiting')).toBe(0);
  });
});

describe('shop metrics', () => {
  it('counts an order placed and shows its mail waiting in the outbox', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct({ stock: 5 });
    const before = await scrape();
    expect(valueOf(before, 'shop_mail_outbox_depth')).toBe(0);
    await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);
    // The outbox is read at most once a second; wait that out.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const after = await scrape();
    expect(valueOf(after, 'shop_orders_placed_total', { source: 'lines' }) - valueOf(before, 'shop_orders_placed_total', { source: 'lines' })).toBe(1);
    expect(valueOf(after, 'shop_mail_outbox_depth')).toBe(await db().mail.count({ where: { status: 'queued' } }));
    expect(valueOf(after, 'shop_mail_outbox_depth')).toBe(1);
  });

  it('counts throttled attempts by the budget that refused them', async () => {
    const user = await buildUser();
    const app = createApp({ config: loadConfig({ ...process.env, LOGIN_FAILURES_PER_ACCOUNT: '2', AUTH_RATE_LIMIT_PER_MIN: '0' }) });
    const before = valueOf(await scrape(), 'shop_throttled_requests_total', { limit: 'login' });
    for (let i = 0; i < 2; i += 1) await request(app).post('/api/token/').send({ username: user.username, password: 'wrong-password' }).expect(401);
    await request(app).post('/api/token/').send({ username: user.username, password: 'wrong-password' }).expect(429);
    expect(valueOf(await scrape(), 'shop_throttled_requests_total', { limit: 'login' }) - before).toBe(1);
  });

  it('counts the orders the expiry sweep cancels', async () => {
    const { auth } = await signedIn();
    const product = await buildProduct();
    const order = await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);
    await db().$executeRaw`UPDATE orders SET created_at = created_at - interval '1 hour' WHERE id = ${order.id}`;
    const [expired] = await growth([['shop_orders_expired_total']], () => expireUnpaidOrders({ ttlSeconds: 60 }));
    expect(expired).toBe(1);
  });
});
