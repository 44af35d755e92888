// Who gets into the admin site, and how sessions end.
import request from 'supertest';
import { createApp } from '../../src/app';
import { db } from '../../src/lib/db';
import { api, app, buildUser, signedIn } from '../support/api';
import { adminAgent, csrfFrom, submit, tryAdminLogin } from '../support/admin';

describe('admin login', () => {
  it('sends anonymous visitors to the login page, keeping where they were going', async () => {
    const res = await request(app).get('/admin/orders/').expect(303);
    expect(res.headers.location).toBe('/admin/login?next=%2Fadmin%2Forders%2F');
  });

  it('lets staff in by username or email, with a session cookie that is HttpOnly and SameSite', async () => {
    const staff = await buildUser({ isStaff: true });
    const { agent, res: login } = await tryAdminLogin({ username: staff.email.toUpperCase(), password: staff.password });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/admin/');
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('shop_admin_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const dashboard = await agent.get('/admin/').expect(200);
    expect(dashboard.text).toContain('Dashboard');
    expect(dashboard.text).toContain(staff.username);
  });

  it('refuses non-staff accounts and wrong passwords with the same message, and opens no session', async () => {
    const shopper = await buildUser();
    const staff = await buildUser({ isStaff: true });
    for (const fields of [{ username: shopper.username, password: shopper.password }, { username: staff.username, password: 'not-the-password' }]) {
      const { agent, res } = await tryAdminLogin(fields);
      expect(res.status).toBe(401);
      expect(res.text).toContain('correct username and password for a staff account');
      await agent.get('/admin/').expect(303);
    }
    expect(await db().adminSession.count()).toBe(0);
  });

  it('refuses a login form without its CSRF token', async () => {
    const staff = await buildUser({ isStaff: true });
    await request(app).post('/admin/login').type('form').send({ username: staff.username, password: staff.password }).expect(403);
    expect(await db().adminSession.count()).toBe(0);
  });

  it('after login, goes back to the admin page asked for, search and all', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = request.agent(app);
    const wanted = '/admin/products/?search=tea+pot&ordering=-price';
    const bounce = await agent.get(wanted).expect(303);
    const loginPage = await agent.get(bounce.headers.location!).expect(200);
    const next = /name="next" value="([^"]*)"/.exec(loginPage.text)![1]!.replace(/&amp;/g, '&');
    expect(next).toBe(wanted);
    const res = await agent.post('/admin/login').type('form').send({ username: staff.username, password: staff.password, next, _csrf: csrfFrom(loginPage.text) }).expect(303);
    expect(res.headers.location).toBe(wanted);
  });

  it.each(['//evil.example/', '/\\evil.example/', '/admin/\\evil.example', 'https://evil.example/admin/', '/admin/ x', '/admin/\r\nSet-Cookie: a=b', 'javascript:alert(1)//admin/'])(
    'never redirects outside the admin site after login (next=%j)',
    async (next) => {
      const staff = await buildUser({ isStaff: true });
      const agent = request.agent(app);
      const token = csrfFrom((await agent.get('/admin/login').expect(200)).text);
      const res = await agent.post('/admin/login').type('form').send({ username: staff.username, password: staff.password, next, _csrf: token }).expect(303);
      expect(res.headers.location).toBe('/admin/');
    },
  );

  it('never redirects to another site after login', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = request.agent(app);
    const token = csrfFrom((await agent.get('/admin/login?next=//evil.example/').expect(200)).text);
    const res = await agent.post('/admin/login').type('form').send({ username: staff.username, password: staff.password, next: 'https://evil.example/', _csrf: token }).expect(303);
    expect(res.headers.location).toBe('/admin/');
  });
});

describe('admin login throttling', () => {
  it("spends the API's per-account budget of failed logins, whichever name the account is given by", async () => {
    // An app of its own: its throttles' memory must not outlive this test (ids restart in every test).
    const throttled = createApp();
    const staff = await buildUser({ isStaff: true });
    for (let i = 0; i < 10; i += 1) {
      await request(throttled).post('/api/token/').send({ username: i % 2 ? staff.username : staff.email.toUpperCase(), password: 'not-the-password' }).expect(401);
    }
    const agent = request.agent(throttled);
    const res = await submit(agent, '/admin/login', '/admin/login', { username: staff.email, password: staff.password });
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many attempts');
    expect(await db().adminSession.count()).toBe(0);
  });
});

describe('admin sessions end', () => {
  it('at logout, and the old cookie no longer works', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    expect((await submit(agent, '/admin/', '/admin/logout')).status).toBe(303);
    await agent.get('/admin/').expect(303);
    expect(await db().adminSession.count()).toBe(0);
  });

  it('when the account is deactivated or loses staff, from the next request on', async () => {
    const admin = await signedIn({ isStaff: true, isSuperuser: true });
    const deactivated = await buildUser({ isStaff: true });
    const demoted = await buildUser({ isStaff: true });
    const agents = [await adminAgent(deactivated), await adminAgent(demoted)];
    await api().patch(`/api/users/${deactivated.id}/`).set(admin.auth).send({ is_active: false }).expect(200);
    await api().patch(`/api/users/${demoted.id}/`).set(admin.auth).send({ is_staff: false }).expect(200);
    for (const agent of agents) await agent.get('/admin/').expect(303);
  });

  it('when someone logs in again from the same browser: the session it was made in ends', async () => {
    const first = await buildUser({ isStaff: true });
    const second = await buildUser({ isStaff: true });
    const agent = await adminAgent(first);
    const oldSession = (await db().adminSession.findFirstOrThrow({ where: { userId: first.id } })).id;
    // A login form left open in another tab, posted while the first session is still live.
    const token = csrfFrom((await agent.get('/admin/').expect(200)).text);
    await agent.post('/admin/login').type('form').send({ username: second.username, password: second.password, _csrf: token }).expect(303);
    expect(await db().adminSession.findUnique({ where: { id: oldSession } })).toBeNull();
    expect(await db().adminSession.count({ where: { userId: second.id } })).toBe(1);
    expect((await agent.get('/admin/').expect(200)).text).toContain(second.username);
  });

  it('refuses a POST without the CSRF token even with a valid session', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    await agent.post('/admin/logout').type('form').send({}).expect(403);
    await agent.get('/admin/').expect(200);
  });
});
