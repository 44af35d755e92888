// Users in the admin site: who may see them, the forms and their messages,
// the rules the API shares (never lock yourself out), and the change log.
// What only a superuser may do is in tests/admin/roles.test.ts.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { accessTokenFor, api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent, submit, tryAdminLogin } from '../support/admin';
import { placeOrder } from '../support/shop';

const bearer = async (userId: number) => ({ Authorization: `Bearer ${await accessTokenFor(userId)}` });
const logOf = (objectId: number) => db().adminLogEntry.findMany({ where: { objectType: 'user', objectId }, orderBy: { id: 'asc' } });
const stored = (id: number) => db().user.findUnique({ where: { id }, select: { email: true, isStaff: true, isActive: true, passwordHash: true, tokenVersion: true } });

describe('admin users: who may use them', () => {
  it('sends anonymous visitors to the login page, and an anonymous POST changes nothing', async () => {
    const target = await buildUser();
    const list = await request(app).get('/admin/users/').expect(303);
    expect(list.headers.location).toBe('/admin/login?next=%2Fadmin%2Fusers%2F');
    await request(app).get(`/admin/users/${target.id}/`).expect(303);
    await request(app).post(`/admin/users/${target.id}/delete`).type('form').send({}).expect(303);
    expect(await stored(target.id)).not.toBeNull();
  });

  it('lets no non-staff account log in, so its browser is sent to the login page too', async () => {
    const { agent, res } = await tryAdminLogin(await buildUser());
    expect(res.status).toBe(401);
    await agent.get('/admin/users/').expect(303);
  });

  it('refuses a POST without the CSRF token, and nothing is saved or deleted', async () => {
    const staff = await buildUser({ isStaff: true });
    const target = await buildUser();
    const agent = await adminAgent(staff);
    await agent.post(`/admin/users/${target.id}/`).type('form').send({ email: 'changed@example.com', is_active: 'on' }).expect(403);
    await agent.post(`/admin/users/${target.id}/delete`).type('form').send({}).expect(403);
    await agent.post('/admin/users/new').type('form').send({ username: 'sneaky', email: 'sneaky@example.com', password: 'a-long-enough-secret' }).expect(403);
    expect((await stored(target.id))?.email).toBe(target.email);
    expect(await db().user.count()).toBe(2);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

describe('admin users: list and user page', () => {
  it('lists users 25 to a page, with links, and searches by part of the username or email', async () => {
    const staff = await buildUser({ isStaff: true });
    for (let i = 0; i < 25; i += 1) await db().user.create({ data: { username: `bulk${i}`, email: `bulk${i}@example.com`, passwordHash: 'x' } });
    const findMe = await buildUser({ username: 'needle-user', email: 'Someone.Special@example.org' });
    const agent = await adminAgent(staff);

    const first = await agent.get('/admin/users/').expect(200);
    expect(first.text).toContain('27 users');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('href="/admin/users/?page=2"');
    const second = await agent.get('/admin/users/?page=2').expect(200);
    expect(second.text).toContain(`href="/admin/users/${findMe.id}/"`);

    for (const q of ['NEEDLE', 'special@EXAMPLE']) {
      const found = await agent.get(`/admin/users/?q=${encodeURIComponent(q)}`).expect(200);
      expect(found.text).toContain('1 user matching');
      expect(found.text).toContain(`href="/admin/users/${findMe.id}/"`);
      expect(found.text).not.toContain('bulk0');
    }
  });

  it('sorts by each column, both ways, keeping the search in the links', async () => {
    const staff = await buildUser({ username: 'mia-staff', email: 'z-mia@example.com', isStaff: true });
    await buildUser({ username: 'bea', email: 'y-bea@example.com' });
    await buildUser({ username: 'cal', email: 'a-cal@example.com', isActive: false });
    const agent = await adminAgent(staff);
    const names = async (query: string) => [...(await agent.get(`/admin/users/${query}`).expect(200)).text.matchAll(/<td><a href="\/admin\/users\/\d+\/">([^<]+)<\/a><\/td>/g)].map((m) => m[1]);

    expect(await names('?sort=username')).toEqual(['bea', 'cal', 'mia-staff']);
    expect(await names('?sort=-username')).toEqual(['mia-staff', 'cal', 'bea']);
    expect(await names('?sort=email')).toEqual(['cal', 'bea', 'mia-staff']);
    expect(await names('?sort=-role')).toEqual(['mia-staff', 'cal', 'bea']);
    expect(await names('?sort=active')).toEqual(['cal', 'mia-staff', 'bea']);
    expect(await names('?sort=bogus')).toEqual(['mia-staff', 'bea', 'cal']);
    const page = (await agent.get('/admin/users/?q=a&sort=username').expect(200)).text;
    expect(page).toContain('aria-sort="ascending"');
    expect(page).toContain('href="/admin/users/?q=a&sort=-username"');
  });

  it('matches %, _ and \\ in a search as themselves, never as wildcards', async () => {
    const staff = await buildUser({ isStaff: true });
    const odd = ['per%cent', 'under_score', 'back\\slash', 'plain-name'];
    const ids = new Map<string, number>();
    for (const [i, username] of odd.entries()) ids.set(username, (await db().user.create({ data: { username, email: `odd${i}@example.com`, passwordHash: 'x' } })).id);
    const agent = await adminAgent(staff);
    const found = async (q: string) => [...(await agent.get(`/admin/users/?q=${encodeURIComponent(q)}`).expect(200)).text.matchAll(/<td><a href="\/admin\/users\/(\d+)\/">/g)].map((m) => Number(m[1]));

    expect(await found('%')).toEqual([ids.get('per%cent')]);
    expect(await found('_')).toEqual([ids.get('under_score')]);
    expect(await found('\\')).toEqual([ids.get('back\\slash')]);
    expect(await found('r%c')).toEqual([ids.get('per%cent')]);
    expect(await found('r_s')).toEqual([ids.get('under_score')]);
    expect(await found('ODD1@')).toEqual([ids.get('under_score')]);
  });

  it('shows a user with their orders (linked), a link to their cart lines, and the changes made to them', async () => {
    const staff = await signedIn({ isStaff: true });
    const customer = await buildUser();
    const product = await buildProduct();
    const order = await placeOrder(await bearer(customer.id), [{ product_id: product.id, quantity: 2 }]);
    await api().patch(`/api/users/${customer.id}/`).set(staff.auth).send({ email: 'renamed@example.com' }).expect(200);
    const agent = await adminAgent(staff.user);

    const page = await agent.get(`/admin/users/${customer.id}/`).expect(200);
    expect(page.text).toContain(`href="/admin/orders/${order.id}/"`);
    expect(page.text).toContain(`href="/admin/cart-items/?user=${customer.id}"`);
    expect(page.text).toContain('renamed@example.com');
    expect(page.text).toMatch(/email: &quot;.+&quot; → &quot;renamed@example.com&quot;/);
    expect(page.text).toContain(`<label for="email">Email</label>`);
  });

  it('answers 404 for a user that does not exist or an id that is not one', async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    await agent.get('/admin/users/987654/').expect(404);
    await agent.get('/admin/users/abc/').expect(404);
  });

  it('changes nothing on any GET', async () => {
    const staff = await buildUser({ isStaff: true });
    const target = await buildUser();
    const agent = await adminAgent(staff);
    const before = await stored(target.id);
    for (const path of ['/admin/users/', '/admin/users/new', `/admin/users/${target.id}/`, `/admin/users/${target.id}/delete`, `/admin/users/${staff.id}/delete`]) {
      await agent.get(path).expect(200);
    }
    expect(await stored(target.id)).toEqual(before);
    expect(await db().user.count()).toBe(2);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

describe('admin users: creating', () => {
  it('creates a user with a hashed password, who can log in, and logs who created it', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    const res = await submit(agent, '/admin/users/new', '/admin/users/new', { username: 'newbie', email: 'newbie@example.com', password: 'a-long-enough-secret', is_active: 'on' });
    expect(res.status).toBe(303);
    const created = await db().user.findUniqueOrThrow({ where: { username: 'newbie' } });
    expect(res.headers.location).toBe(`/admin/users/${created.id}/?notice=created`);
    expect(created).toMatchObject({ email: 'newbie@example.com', isStaff: false, isActive: true });
    expect(created.passwordHash).not.toContain('a-long-enough-secret');
    await api().post('/api/token/').send({ username: 'newbie', password: 'a-long-enough-secret' }).expect(200);
    expect((await agent.get(res.headers.location!).expect(200)).text).toContain('The user was created.');

    const [entry] = await logOf(created.id);
    expect(entry).toMatchObject({ action: 'create', actorId: staff.id, actorUsername: staff.username, via: 'admin', objectRepr: 'newbie' });
    expect(entry!.changes).toEqual({
      username: [null, 'newbie'], email: [null, 'newbie@example.com'], is_staff: [null, false], is_superuser: [null, false], is_active: [null, true],
    });
  });

  it('shows the API\'s messages beside the fields for a taken or malformed email, a bad username or a weak password, and saves nothing', async () => {
    const staff = await buildUser({ isStaff: true });
    await buildUser({ email: 'taken@example.com' });
    const agent = await adminAgent(staff);
    const attempts: [Record<string, string>, string][] = [
      [{ username: 'ok-name', email: 'TAKEN@example.com', password: 'a-long-enough-secret' }, 'A user with that email already exists.'],
      [{ username: 'ok-name', email: 'not-an-email', password: 'a-long-enough-secret' }, 'Enter a valid email address.'],
      [{ username: 'bad name!', email: 'ok@example.com', password: 'a-long-enough-secret' }, 'Enter a valid username.'],
      [{ username: 'ok-name', email: 'ok@example.com', password: '123456789' }, 'This password is entirely numeric.'],
    ];
    for (const [fields, message] of attempts) {
      const res = await submit(agent, '/admin/users/new', '/admin/users/new', fields);
      expect(res.status).toBe(400);
      expect(res.text).toContain('class="field-error"');
      expect(res.text).toContain(message);
      expect(res.text).toContain(`value="${fields.email}"`);
    }
    expect(await db().user.count()).toBe(2);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

describe('admin users: changing', () => {
  it('changes email, active and staff, and logs each field before and after', async () => {
    const staff = await buildUser({ isSuperuser: true });
    const target = await buildUser();
    const agent = await adminAgent(staff);
    const page = `/admin/users/${target.id}/`;

    const res = await submit(agent, page, page, { email: 'fresh@example.com', is_staff: 'on' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${page}?notice=saved`);
    expect(await stored(target.id)).toMatchObject({ email: 'fresh@example.com', isStaff: true, isActive: false });

    const [entry] = await logOf(target.id);
    expect(entry).toMatchObject({ action: 'update', actorUsername: staff.username, via: 'admin' });
    expect(entry!.changes).toEqual({ email: [target.email, 'fresh@example.com'], is_staff: [false, true], is_active: [true, false] });

    await submit(agent, page, page, { email: 'fresh@example.com', is_staff: 'on', is_active: 'on' });
    expect((await stored(target.id))!.isActive).toBe(true);
    expect((await logOf(target.id))[1]!.changes).toEqual({ is_active: [false, true] });
  });

  it('shows a taken or malformed email beside the field and saves nothing', async () => {
    const staff = await buildUser({ isStaff: true });
    await buildUser({ email: 'taken@example.com' });
    const target = await buildUser();
    const agent = await adminAgent(staff);
    const page = `/admin/users/${target.id}/`;
    for (const [email, message] of [['Taken@Example.com', 'A user with that email already exists.'], ['nope', 'Enter a valid email address.']]) {
      const res = await submit(agent, page, page, { email: email!, is_active: 'on' });
      expect(res.status).toBe(400);
      expect(res.text).toContain(`<span class="field-error" id="email-error">${message}</span>`);
      expect(res.text).toContain('nothing was saved');
    }
    expect(await stored(target.id)).toMatchObject({ email: target.email, isStaff: false, isActive: true });
    expect(await logOf(target.id)).toHaveLength(0);
  });

  it('refuses removing your own staff status or deactivating yourself, in the admin and through the API', async () => {
    const staff = await buildUser({ isSuperuser: true });
    const agent = await adminAgent(staff);
    const page = `/admin/users/${staff.id}/`;

    const demote = await submit(agent, page, page, { email: staff.email, is_active: 'on', roles: 'shown', is_superuser: 'on' });
    expect(demote.status).toBe(400);
    expect(demote.text).toContain('You cannot remove your own staff status.');
    const deactivate = await submit(agent, page, page, { email: staff.email, roles: 'shown', is_staff: 'on', is_superuser: 'on' });
    expect(deactivate.status).toBe(400);
    expect(deactivate.text).toContain('You cannot deactivate your own account.');

    const auth = await bearer(staff.id);
    const viaApi = await api().patch(`/api/users/${staff.id}/`).set(auth).send({ is_staff: false }).expect(400);
    expect(viaApi.body.errors.is_staff).toEqual(['You cannot remove your own staff status.']);
    await api().patch(`/api/users/${staff.id}/`).set(auth).send({ is_active: false }).expect(400);
    const deleted = await api().delete(`/api/users/${staff.id}/`).set(auth).expect(400);
    expect(deleted.body.detail).toBe('You cannot delete your own account.');

    expect(await stored(staff.id)).toMatchObject({ isStaff: true, isActive: true });
    expect((await db().user.findUniqueOrThrow({ where: { id: staff.id } })).isSuperuser).toBe(true);
    expect(await db().adminLogEntry.count()).toBe(0);
    await agent.get('/admin/').expect(200);
  });

  it('logs the staff API\'s PATCH and DELETE as made through the API, by the caller', async () => {
    const staff = await signedIn({ isSuperuser: true });
    const target = await buildUser();
    await api().patch(`/api/users/${target.id}/`).set(staff.auth).send({ is_staff: true, username: 'promoted' }).expect(200);
    await api().delete(`/api/users/${target.id}/`).set(staff.auth).expect(204);

    const [update, removal] = await logOf(target.id);
    expect(update).toMatchObject({ action: 'update', actorId: staff.user.id, actorUsername: staff.user.username, via: 'api', objectRepr: 'promoted' });
    expect(update!.changes).toEqual({ username: [target.username, 'promoted'], is_staff: [false, true] });
    expect(removal).toMatchObject({ action: 'delete', actorUsername: staff.user.username, via: 'api', objectRepr: 'promoted' });
  });
});

describe('admin users: setting a password', () => {
  it('ends the user\'s API sessions, lets them log in with the new password, and logs that it changed but not to what', async () => {
    const staff = await buildUser({ isStaff: true });
    const target = await signedIn();
    const agent = await adminAgent(staff);
    const page = `/admin/users/${target.user.id}/`;

    const res = await submit(agent, page, `${page}password`, { password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${page}?notice=password`);

    await api().get('/api/users/me/').set(target.auth).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: target.tokens.refresh }).expect(401);
    await api().post('/api/token/').send({ username: target.user.username, password: target.user.password }).expect(401);
    await api().post('/api/token/').send({ username: target.user.username, password: 'brand-new-secret-9' }).expect(200);

    const [entry] = await logOf(target.user.id);
    expect(entry).toMatchObject({ action: 'update', actorUsername: staff.username, via: 'admin' });
    expect(Object.keys(entry!.changes as object)).toEqual(['password']);
    expect(JSON.stringify(entry)).not.toContain('brand-new-secret-9');
    expect(JSON.stringify(entry)).not.toContain('$2');
  });

  it('refuses a weak, too similar or mistyped password beside its field, and keeps the old one', async () => {
    const staff = await buildUser({ isStaff: true });
    const target = await buildUser({ username: 'marguerite' });
    const agent = await adminAgent(staff);
    const page = `/admin/users/${target.id}/`;
    const before = await stored(target.id);
    const attempts: [string, string, string][] = [
      ['short', 'short', 'This password is too short.'],
      ['marguerite1', 'marguerite1', 'The password is too similar to the username or email.'],
      ['brand-new-secret-9', 'brand-new-secret-8', 'The two password fields didn'],
    ];
    for (const [password, password2, message] of attempts) {
      const res = await submit(agent, page, `${page}password`, { password, password2 });
      expect(res.status).toBe(400);
      expect(res.text).toContain(message);
      expect(res.text).toContain('class="field-error"');
    }
    expect(await stored(target.id)).toEqual(before);
    expect(await logOf(target.id)).toHaveLength(0);
  });
});

describe('admin users: deleting', () => {
  it('asks for confirmation, then deletes the user and keeps their orders without an owner, logged', async () => {
    const staff = await buildUser({ isStaff: true });
    const customer = await buildUser();
    const product = await buildProduct();
    const order = await placeOrder(await bearer(customer.id), [{ product_id: product.id, quantity: 1 }]);
    const agent = await adminAgent(staff);

    expect((await agent.get(`/admin/users/${customer.id}/`).expect(200)).text).toContain(`href="/admin/users/${customer.id}/delete"`);
    const confirm = await agent.get(`/admin/users/${customer.id}/delete`).expect(200);
    expect(confirm.text).toContain('1 order will be kept');
    const res = await submit(agent, `/admin/users/${customer.id}/delete`, `/admin/users/${customer.id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users/?notice=deleted');

    expect(await stored(customer.id)).toBeNull();
    expect(await db().order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ userId: null });
    expect(await logOf(customer.id)).toEqual([expect.objectContaining({ action: 'delete', actorUsername: staff.username, via: 'admin', objectRepr: customer.username })]);
    await agent.get(`/admin/users/${customer.id}/`).expect(404);
  });

  it('never deletes your own account', async () => {
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    const page = await agent.get(`/admin/users/${staff.id}/delete`).expect(200);
    expect(page.text).toContain('You cannot delete your own account.');
    const res = await submit(agent, `/admin/users/${staff.id}/`, `/admin/users/${staff.id}/delete`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('You cannot delete your own account.');
    expect(await stored(staff.id)).not.toBeNull();
  });
});
