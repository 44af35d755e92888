// GET /metrics while PostgreSQL cannot be reached: a real server process whose
// database is a closed port still answers the scrape, with the pool as it is
// and the outbox unknown (NaN) rather than a stale or reassuring number.
import { findFreePort } from '../../src/lib/database/embedded';
import { METRICS_TOKEN, samples, valueOf } from '../support/metrics';
import { startServerProcess, type ServerProcess } from '../support/server-process';

let server: ServerProcess;

beforeAll(async () => {
  const deadPort = await findFreePort(); // nothing listens there
  server = await startServerProcess({
    env: { DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/shop`, DATABASE_CONNECT_TIMEOUT_MS: '500', METRICS_TOKEN },
    readyPath: '/health',
  });
}, 40_000);

afterAll(() => server?.stop());

it('answers the scrape with the pool and NaN for the outbox', async () => {
  expect((await fetch(`${server.url}/ready`)).status).toBe(503);
  const res = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  const all = samples(await res.text());
  expect(valueOf(all, 'shop_mail_outbox_depth')).toBeNaN();
  expect(valueOf(all, 'shop_mail_outbox_oldest_seconds')).toBeNaN();
  expect(valueOf(all, 'shop_db_pool_connections', { state: 'in_use' })).toBe(0);
  expect(valueOf(all, 'shop_db_pool_waiting')).toBe(0);
  expect(valueOf(all, 'http_request_duration_seconds_count', { route: '/ready', status: '503' })).toBe(1);
});
