// A flood of logins queues briefly at the password-hashing gate and is then
// refused with 503 server_busy (Retry-After), instead of taking every core;
// the server keeps answering everything else and logs in once it has passed.
import { buildUser } from '../support/api';
import { startServerProcess } from '../support/server-process';

describe('a flood of logins', () => {
  it('is refused with 503 server_busy beyond the hashing gate, and the server still serves', async () => {
    const server = await startServerProcess({
      env: { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_MAX_WAIT_MS: '0', BCRYPT_ROUNDS: '12', LOGIN_FAILURES_PER_ACCOUNT: '0' },
    });
    try {
      const user = await buildUser();
      const login = (username: string, password: string) =>
        fetch(`${server.url}/api/token/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password }) });

      const flood = await Promise.all([...Array(8)].map((_, i) => login(`nobody-${i}`, 'wrong-password-123')));
      const statuses = flood.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
      const refused = flood.filter((res) => res.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const res of refused) {
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toMatchObject({ code: 'server_busy' });
      }
      expect((await fetch(`${server.url}/api/products/`)).status).toBe(200);
      expect((await login(user.username, user.password)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
