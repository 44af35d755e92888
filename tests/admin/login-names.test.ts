// The admin site's share of "one login name, one account" and of the login
// rules: its user forms refuse look-alike names like the API does, a password
// past bcrypt's 72 bytes never logs in, and losing staff ends admin sessions
// for good.
import { db } from '../../src/lib/db';
import { api, buildUser, signedIn } from '../support/api';
import { adminAgent, submit, tryAdminLogin } from '../support/admin';

describe('admin user forms and login names', () => {
  it.each([
    ['a case-only variant of a username', { username: 'bOsS', email: 'new@example.com' }, 'A user with that username already exists.'],
    ['another account\'s email as username', { username: 'BOSS@example.com', email: 'new@example.com' }, 'A user with that username already exists.'],
    ['another account\'s username as email', { username: 'newbie', email: 'boss@example.org' }, 'A user with that email already exists.'],
  ])('"Add user" refuses %s beside the field and saves nothing', async (_case, fields, message) => {
    await buildUser({ username: 'boss', email: 'boss@example.com' });
    await buildUser({ username: 'boss@example.org', email: 'other@example.com' });
    const agent = await adminAgent(await buildUser({ isStaff: true }));

    const res = await submit(agent, '/admin/users/new', '/admin/users/new', { ...fields, password: 'a-long-enough-secret', is_active: 'on' });

    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    expect(await db().user.count()).toBe(3);
  });

  it('the change form refuses another account\'s username as a user\'s email and keeps the old one', async () => {
    await buildUser({ username: 'boss@example.com', email: 'real-boss@example.com' });
    const target = await buildUser();
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const page = `/admin/users/${target.id}/`;

    const res = await submit(agent, page, page, { email: 'Boss@Example.com', is_active: 'on' });

    expect(res.status).toBe(400);
    expect(res.text).toContain('A user with that email already exists.');
    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ email: target.email });
  });
});

describe('admin login', () => {
  it('never lets in a password longer than bcrypt\'s 72 bytes, though its first 72 are right', async () => {
    const password = 'q'.repeat(72);
    const staff = await buildUser({ isStaff: true, password });

    const { res } = await tryAdminLogin({ username: staff.username, password: `${password}-and-more` });

    expect(res.status).toBe(401);
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('shop_admin_session=');
    expect((await tryAdminLogin({ username: staff.username, password })).res.status).toBe(303);
  });
});

describe('losing staff', () => {
  it('ends the admin sessions for good: granted staff again, the old cookie still opens nothing', async () => {
    const boss = await signedIn({ isStaff: true, isSuperuser: true });
    const clerk = await buildUser({ isStaff: true });
    const clerkBrowser = await adminAgent(clerk);
    await clerkBrowser.get('/admin/orders/').expect(200);

    await api().patch(`/api/users/${clerk.id}/`).set(boss.auth).send({ is_staff: false }).expect(200);
    await api().patch(`/api/users/${clerk.id}/`).set(boss.auth).send({ is_staff: true }).expect(200);

    const res = await clerkBrowser.get('/admin/orders/');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/login/);
    expect(await db().adminSession.count({ where: { userId: clerk.id } })).toBe(0);
    // Logging in again works as for anyone granted staff.
    await (await adminAgent(clerk)).get('/admin/orders/').expect(200);
  });

  it('leaves the sessions of staff whose other fields change', async () => {
    const boss = await signedIn({ isStaff: true, isSuperuser: true });
    const clerk = await buildUser({ isStaff: true });
    const clerkBrowser = await adminAgent(clerk);

    await api().patch(`/api/users/${clerk.id}/`).set(boss.auth).send({ email: 'clerk-new@example.com' }).expect(200);

    await clerkBrowser.get('/admin/orders/').expect(200);
  });
});
