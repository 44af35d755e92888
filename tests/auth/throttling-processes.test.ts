// Throttling across real server processes (src/server.ts), sharing this
// worker's database and the Redis at 127.0.0.1:6379 (TEST_REDIS_URL overrides it).
import { createClient } from 'redis';
import { findFreePort } from '../../src/lib/database/embedded';
import { buildUser, type TestUser } from '../support/api';
import { startServerProcess, type ServerProcess } from '../support/server-process';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY_PREFIX = `test:throttle-processes:${process.pid}:${Date.now().toString(36)}`;

const loginAt = (server: ServerProcess, user: TestUser) =>
  fetch(`${server.url}/api/token/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });

afterAll(async () => {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const keys = await client.keys(`${KEY_PREFIX}:*`);
  if (keys.length) await client.del(keys);
  client.destroy();
});

describe('throttling with several server processes', () => {
  it('two processes on one Redis spend one per-IP budget, and both shut down cleanly', async () => {
    const env = { REDIS_URL, THROTTLE_KEY_PREFIX: KEY_PREFIX, AUTH_RATE_LIMIT_PER_MIN: '4' };
    const [first, second] = await Promise.all([startServerProcess({ env }), startServerProcess({ env })]);
    try {
      const user = await buildUser();
      for (let i = 0; i < 2; i += 1) {
        expect((await loginAt(first, user)).status).toBe(200);
        expect((await loginAt(second, user)).status).toBe(200);
      }
      for (const server of [first, second]) {
        const res = await loginAt(server, user);
        expect(res.status).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);
  });

  it('starts and logs in with Redis down, limiting from memory', async () => {
    const closedPort = await findFreePort();
    const server = await startServerProcess({ env: { REDIS_URL: `redis://127.0.0.1:${closedPort}`, AUTH_RATE_LIMIT_PER_MIN: '2' } });
    try {
      const user = await buildUser();
      expect((await loginAt(server, user)).status).toBe(200);
      expect((await loginAt(server, user)).status).toBe(200);
      expect((await loginAt(server, user)).status).toBe(429);
    } finally {
      await server.stop();
    }
    expect(await server.exited).toBe(0);
  });
});
