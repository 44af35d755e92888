// In production every admin cookie carries Secure (and HttpOnly, SameSite):
// checked on a real server process started with NODE_ENV=production.
import { buildUser } from '../support/api';
import { csrfFrom } from '../support/admin';
import { startServerProcess } from '../support/server-process';

const cookieHeader = (setCookies: string[]) => setCookies.map((c) => c.split(';')[0]).join('; ');

describe('admin cookies in production', () => {
  it('are Secure, HttpOnly and SameSite=Strict, the session cookie included', async () => {
    const server = await startServerProcess({
      env: { NODE_ENV: 'production', PUBLIC_URL: 'https://shop.example.com', JWT_SECRET: 'x'.repeat(40), SHUTDOWN_DRAIN_SECONDS: '0' },
    });
    try {
      const staff = await buildUser({ isStaff: true });
      const form = await fetch(`${server.url}/admin/login`);
      const formCookies = form.headers.getSetCookie();
      const login = await fetch(`${server.url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookieHeader(formCookies) },
        body: new URLSearchParams({ username: staff.username, password: staff.password, _csrf: csrfFrom(await form.text()) }),
      });
      expect(login.status).toBe(303);
      const all = [...formCookies, ...login.headers.getSetCookie()];
      expect(all.some((c) => c.startsWith('shop_admin_session='))).toBe(true);
      for (const cookie of all) {
        expect(cookie).toMatch(/;\s*Secure/i);
        expect(cookie).toMatch(/;\s*HttpOnly/i);
        expect(cookie).toMatch(/;\s*SameSite=Strict/i);
      }
    } finally {
      await server.stop();
    }
  });
});
