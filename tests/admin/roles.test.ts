// Roles in the admin site: the pages offer ordinary staff only what they may
// do, a stale or crafted form is refused with the reason on the page (403),
// superusers manage staff, and changing your own password asks for the
// current one and says why you are logged out.
import { db } from '../../src/lib/db';
import { api, buildUser, signedIn } from '../support/api';
import { adminAgent, submit } from '../support/admin';

const account = (id: number) => db().user.findUnique({ where: { id }, select: { email: true, isStaff: true, isSuperuser: true, isActive: true, passwordHash: true } });
const pageOf = (id: number) => `/admin/users/${id}/`;
const escaped = (text: string) => text.replaceAll("'", '&#39;');

describe('what the user pages offer', () => {
  it("offers ordinary staff a customer's details, password and deletion, but no staff or superuser checkbox", async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const customer = await buildUser();
    const page = (await agent.get(pageOf(customer.id)).expect(200)).text;
    expect(page).toContain('name="email"');
    expect(page).toContain('name="is_active"');
    expect(page).toContain(`action="/admin/users/${customer.id}/password"`);
    expect(page).toContain(`href="/admin/users/${customer.id}/delete"`);
    expect(page).not.toContain('name="is_staff"');
    expect(page).not.toContain('name="is_superuser"');
    expect(page).toContain('Only a superuser can grant or remove staff or superuser status.');

    const form = (await agent.get('/admin/users/new').expect(200)).text;
    expect(form).not.toContain('name="is_staff"');
    expect(form).toContain('only a superuser can create a staff account');
  });

  it("offers ordinary staff nothing to change on a staff account's page, and says who can", async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const other = await buildUser({ isStaff: true });
    const page = (await agent.get(pageOf(other.id)).expect(200)).text;
    expect(page).not.toContain('name="email"');
    expect(page).not.toContain('name="is_active"');
    expect(page).not.toContain(`action="/admin/users/${other.id}/password"`);
    expect(page).not.toContain(`href="/admin/users/${other.id}/delete"`);
    expect(page).toContain('only a superuser can change its email');
    expect(page).toContain('Only a superuser can delete a staff account.');

    const confirm = (await agent.get(`/admin/users/${other.id}/delete`).expect(200)).text;
    expect(confirm).toContain('Only a superuser can delete a staff account.');
    expect(confirm).not.toContain(`action="/admin/users/${other.id}/delete"`);
  });

  it('offers a superuser the staff and superuser checkboxes, the password and the deletion of staff, and shows roles in the list', async () => {
    const boss = await buildUser({ isSuperuser: true });
    const agent = await adminAgent(boss);
    const other = await buildUser({ isStaff: true });
    const page = (await agent.get(pageOf(other.id)).expect(200)).text;
    for (const name of ['email', 'is_active', 'is_staff', 'is_superuser']) expect(page).toContain(`name="${name}"`);
    expect(page).toContain(`action="/admin/users/${other.id}/password"`);
    expect(page).toContain(`href="/admin/users/${other.id}/delete"`);
    expect((await agent.get('/admin/users/new').expect(200)).text).toContain('name="is_superuser"');

    const list = (await agent.get('/admin/users/').expect(200)).text;
    expect(list).toContain('<td>superuser</td>');
    expect(list).toContain('<td>staff</td>');
  });
});

describe('ordinary staff sending a form they were not offered', () => {
  it.each([
    ['grant staff to a customer', {}, { email: 'EMAIL', is_active: 'on', roles: 'shown', is_staff: 'on' }, 'Only a superuser can grant staff status.'],
    ['deactivate a staff account', { isStaff: true }, { email: 'EMAIL' }, 'Only a superuser can deactivate a staff account.'],
    ["change a staff member's email", { isStaff: true }, { email: 'taken-over@example.com', is_active: 'on' }, "Only a superuser can change another staff member's email."],
  ])('is refused with the reason on the page: %s', async (_what, target, fields, message) => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const other = await buildUser(target);
    const before = await account(other.id);

    const body = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v === 'EMAIL' ? other.email : v]));
    const res = await submit(agent, '/admin/users/', pageOf(other.id), body);

    expect(res.status).toBe(403);
    expect(res.text).toContain(escaped(message));
    expect(await account(other.id)).toEqual(before);
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it("is refused setting a staff member's password", async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const other = await buildUser({ isSuperuser: true });
    const before = await account(other.id);
    const res = await submit(agent, '/admin/users/', `${pageOf(other.id)}password`, { password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });
    expect(res.status).toBe(403);
    expect(res.text).toContain(escaped("Only a superuser can set a staff member's password."));
    expect(await account(other.id)).toEqual(before);
  });

  it('is refused deleting a staff account', async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const other = await buildUser({ isStaff: true });
    const res = await submit(agent, '/admin/users/', `/admin/users/${other.id}/delete`);
    expect(res.status).toBe(403);
    expect(res.text).toContain('Only a superuser can delete a staff account.');
    expect(await account(other.id)).not.toBeNull();
  });

  it('is refused creating a staff account', async () => {
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const res = await submit(agent, '/admin/users/new', '/admin/users/new', { username: 'sneaky', email: 'sneaky@example.com', password: 'a-long-enough-secret', is_active: 'on', is_staff: 'on' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Only a superuser can create a staff account.');
    expect(await db().user.count()).toBe(1);
  });

  it('is refused on a form loaded while a superuser, submitted after losing it', async () => {
    const boss = await buildUser({ isSuperuser: true });
    const agent = await adminAgent(boss);
    const customer = await buildUser();
    const page = pageOf(customer.id);
    const token = /name="_csrf" value="([^"]+)"/.exec((await agent.get(page).expect(200)).text)![1]!;
    await db().user.update({ where: { id: boss.id }, data: { isSuperuser: false } });

    const res = await agent.post(page).type('form').send({ _csrf: token, email: customer.email, is_active: 'on', roles: 'shown', is_staff: 'on' });

    expect(res.status).toBe(403);
    expect(res.text).toContain('Only a superuser can grant staff status.');
    expect(await account(customer.id)).toMatchObject({ isStaff: false });
  });
});

describe('a superuser in the admin', () => {
  it('grants staff and superuser, then removes superuser, each logged', async () => {
    const boss = await buildUser({ isSuperuser: true });
    const agent = await adminAgent(boss);
    const customer = await buildUser();
    const page = pageOf(customer.id);

    expect((await submit(agent, page, page, { email: customer.email, is_active: 'on', roles: 'shown', is_staff: 'on', is_superuser: 'on' })).status).toBe(303);
    expect(await account(customer.id)).toMatchObject({ isStaff: true, isSuperuser: true });
    expect((await submit(agent, page, page, { email: customer.email, is_active: 'on', roles: 'shown', is_staff: 'on' })).status).toBe(303);
    expect(await account(customer.id)).toMatchObject({ isStaff: true, isSuperuser: false });

    const log = await db().adminLogEntry.findMany({ where: { objectId: customer.id }, orderBy: { id: 'asc' } });
    expect(log.map((entry) => entry.changes)).toEqual([{ is_staff: [false, true], is_superuser: [false, true] }, { is_superuser: [true, false] }]);
  });

  it("sets a staff member's password, deactivates and deletes a staff account", async () => {
    const agent = await adminAgent(await buildUser({ isSuperuser: true }));
    const other = await buildUser({ isStaff: true });
    const page = pageOf(other.id);
    expect((await submit(agent, page, `${page}password`, { password: 'brand-new-secret-9', password2: 'brand-new-secret-9' })).status).toBe(303);
    await api().post('/api/token/').send({ username: other.username, password: 'brand-new-secret-9' }).expect(200);
    expect((await submit(agent, page, page, { email: other.email, roles: 'shown', is_staff: 'on' })).status).toBe(303);
    expect(await account(other.id)).toMatchObject({ isActive: false });
    expect((await submit(agent, `${page}delete`, `${page}delete`)).status).toBe(303);
    expect(await account(other.id)).toBeNull();
  });

  it('cannot remove their own superuser status, and is told why', async () => {
    const boss = await buildUser({ isSuperuser: true });
    const agent = await adminAgent(boss);
    const page = pageOf(boss.id);
    expect((await agent.get(page).expect(200)).text).toContain('you cannot remove your own staff or superuser status');

    const res = await submit(agent, page, page, { email: boss.email, is_active: 'on', roles: 'shown', is_staff: 'on' });

    expect(res.status).toBe(400);
    expect(res.text).toContain('You cannot remove your own superuser status.');
    expect(await account(boss.id)).toMatchObject({ isSuperuser: true });
  });

  it('is told beside the field that a superuser must be staff', async () => {
    const agent = await adminAgent(await buildUser({ isSuperuser: true }));
    const customer = await buildUser();
    const page = pageOf(customer.id);
    const res = await submit(agent, page, page, { email: customer.email, is_active: 'on', roles: 'shown', is_superuser: 'on' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<span class="field-error" id="is_superuser-error">A superuser must also be staff.</span>');
    expect(await account(customer.id)).toMatchObject({ isStaff: false, isSuperuser: false });
  });
});

describe('changing your own password in the admin', () => {
  it('asks for the current password and says that you will be logged out, and why', async () => {
    const clerk = await buildUser({ isStaff: true });
    const page = (await (await adminAgent(clerk)).get(pageOf(clerk.id)).expect(200)).text;
    expect(page).toContain('name="current_password"');
    expect(page).toContain('Changing your password logs you out');
    expect(page).toContain('so anyone who knew the old one is shut out');
  });

  it('refuses a missing or wrong current password beside its field, and keeps the old password', async () => {
    const clerk = await buildUser({ isStaff: true });
    const agent = await adminAgent(clerk);
    const page = pageOf(clerk.id);
    const before = await account(clerk.id);

    const missing = await submit(agent, page, `${page}password`, { password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<span class="field-error" id="current_password-error">Required to change the password.</span>');
    const wrong = await submit(agent, page, `${page}password`, { current_password: 'not-it-at-all', password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('The current password is not correct.');

    expect(await account(clerk.id)).toEqual(before);
    await agent.get('/admin/').expect(200);
  });

  it('limits wrong current passwords per user (429 with Retry-After)', async () => {
    const clerk = await buildUser({ isStaff: true });
    const agent = await adminAgent(clerk);
    const page = pageOf(clerk.id);
    const guess = () => submit(agent, page, `${page}password`, { current_password: 'not-it-at-all', password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });
    for (let i = 0; i < 5; i += 1) expect((await guess()).status).toBe(400);
    const throttled = await guess();
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.text).toContain('Too many attempts.');
  });

  it('with the current one: changes it, logs you out everywhere and says so', async () => {
    const clerk = await signedIn({ isStaff: true });
    const agent = await adminAgent(clerk.user);
    const page = pageOf(clerk.user.id);

    const res = await submit(agent, page, `${page}password`, { current_password: clerk.user.password, password: 'brand-new-secret-9', password2: 'brand-new-secret-9' });

    expect(res.status).toBe(200);
    expect(res.text).toContain('Your password was changed');
    expect(res.text).toContain('You are logged out, here and on every other device');
    expect(String(res.headers['set-cookie'])).toMatch(/shop_admin_session=;/);
    await agent.get('/admin/').expect(303);
    await api().get('/api/users/me/').set(clerk.auth).expect(401);
    await adminAgent({ ...clerk.user, password: 'brand-new-secret-9' });
  });
});
