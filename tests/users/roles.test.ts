// Roles through the staff API (/api/users/<id>/): ordinary staff run the shop,
// customers' accounts included; only a superuser manages staff. The rule is
// checked on the accounts' rows as they are when the change is made, not as a
// token or an earlier read saw them.
import { db } from '../../src/lib/db';
import { setUserPassword } from '../../src/modules/users/users.service';
import { api, buildUser, signedIn } from '../support/api';
import { holdInTransaction, waitForLockWaiters } from '../support/shop';

const account = (id: number) => db().user.findUnique({ where: { id }, select: { email: true, isStaff: true, isSuperuser: true, isActive: true } });
const patch = (auth: Record<string, string>, id: number, body: object) => api().patch(`/api/users/${id}/`).set(auth).send(body);

function expectRefusal(res: { status: number; body: { code: string; detail: string } }, detail: string): void {
  expect(res.status).toBe(403);
  expect(res.body).toMatchObject({ code: 'permission_denied', detail });
}

describe('ordinary staff, through the API', () => {
  it.each([
    ['grant staff', { isStaff: false }, { is_staff: true }, 'Only a superuser can grant staff status.'],
    ['remove staff', { isStaff: true }, { is_staff: false }, 'Only a superuser can remove staff status.'],
    ['grant superuser', { isStaff: true }, { is_superuser: true }, 'Only a superuser can grant superuser status.'],
    ['remove superuser', { isSuperuser: true }, { is_superuser: false }, 'Only a superuser can remove superuser status.'],
    ['deactivate staff', { isStaff: true }, { is_active: false }, 'Only a superuser can deactivate a staff account.'],
    ['reactivate staff', { isStaff: true, isActive: false }, { is_active: true }, 'Only a superuser can reactivate a staff account.'],
    ["change another staff member's email", { isStaff: true }, { email: 'mine-now@example.com' }, "Only a superuser can change another staff member's email."],
  ])('may not %s: 403 permission_denied, nothing changes and nothing is logged', async (_what, target, body, detail) => {
    const clerk = await signedIn({ isStaff: true });
    const other = await buildUser(target);
    const before = await account(other.id);

    expectRefusal(await patch(clerk.auth, other.id, body), detail);

    expect(await account(other.id)).toEqual(before);
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it('names every refused change at once', async () => {
    const clerk = await signedIn({ isStaff: true });
    const other = await buildUser({ isStaff: true });
    const res = await patch(clerk.auth, other.id, { is_staff: false, is_active: false });
    expectRefusal(res, 'Only a superuser can remove staff status or deactivate a staff account.');
  });

  it('may not delete a staff account (403), which stays', async () => {
    const clerk = await signedIn({ isStaff: true });
    const other = await buildUser({ isSuperuser: true });
    expectRefusal(await api().delete(`/api/users/${other.id}/`).set(clerk.auth), 'Only a superuser can delete a staff account.');
    expect(await account(other.id)).not.toBeNull();
  });

  it("runs customers' accounts: email, username, deactivation, reactivation and deletion", async () => {
    const clerk = await signedIn({ isStaff: true });
    const customer = await buildUser();
    await patch(clerk.auth, customer.id, { email: 'moved@example.com', username: 'renamed-customer' }).expect(200);
    await patch(clerk.auth, customer.id, { is_active: false }).expect(200);
    await patch(clerk.auth, customer.id, { is_active: true }).expect(200);
    expect(await account(customer.id)).toMatchObject({ email: 'moved@example.com', isActive: true, isStaff: false });
    await api().delete(`/api/users/${customer.id}/`).set(clerk.auth).expect(204);
  });

  it('may send a role as it already is, and change their own email', async () => {
    const clerk = await signedIn({ isStaff: true });
    const other = await buildUser({ isStaff: true });
    await patch(clerk.auth, other.id, { is_staff: true, is_superuser: false, is_active: true }).expect(200);
    await patch(clerk.auth, clerk.user.id, { email: 'clerk-new@example.com' }).expect(200);
    expect((await account(clerk.user.id))!.email).toBe('clerk-new@example.com');
  });
});

describe('a superuser, through the API', () => {
  it('grants staff and superuser, and the user JSON says so', async () => {
    const boss = await signedIn({ isSuperuser: true });
    const customer = await buildUser();
    const res = await patch(boss.auth, customer.id, { is_staff: true, is_superuser: true }).expect(200);
    expect(res.body).toMatchObject({ is_staff: true, is_superuser: true });
    expect(await account(customer.id)).toMatchObject({ isStaff: true, isSuperuser: true });
  });

  it("removes superuser, deactivates, changes the email of, and deletes other staff", async () => {
    const boss = await signedIn({ isSuperuser: true });
    const other = await buildUser({ isSuperuser: true });
    await patch(boss.auth, other.id, { is_superuser: false }).expect(200);
    await patch(boss.auth, other.id, { is_active: false, email: 'other-new@example.com' }).expect(200);
    expect(await account(other.id)).toMatchObject({ isStaff: true, isSuperuser: false, isActive: false, email: 'other-new@example.com' });
    await api().delete(`/api/users/${other.id}/`).set(boss.auth).expect(204);
    expect(await account(other.id)).toBeNull();
  });

  it('removing staff removes superuser too, since a superuser is always staff; superuser without staff is a 400', async () => {
    const boss = await signedIn({ isSuperuser: true });
    const other = await buildUser({ isSuperuser: true });
    const res = await patch(boss.auth, other.id, { is_staff: false }).expect(200);
    expect(res.body).toMatchObject({ is_staff: false, is_superuser: false });

    const customer = await buildUser();
    const refused = await patch(boss.auth, customer.id, { is_superuser: true }).expect(400);
    expect(refused.body.errors.is_superuser).toEqual(['A superuser must also be staff.']);
    await patch(boss.auth, other.id, { is_staff: false, is_superuser: true }).expect(400);
    expect(await account(customer.id)).toMatchObject({ isStaff: false, isSuperuser: false });
  });

  it('cannot remove their own superuser status (nor staff, nor deactivate themselves)', async () => {
    const boss = await signedIn({ isSuperuser: true });
    const res = await patch(boss.auth, boss.user.id, { is_superuser: false }).expect(400);
    expect(res.body.errors.is_superuser).toEqual(['You cannot remove your own superuser status.']);
    await patch(boss.auth, boss.user.id, { is_staff: false }).expect(400);
    await patch(boss.auth, boss.user.id, { is_active: false }).expect(400);
    expect(await account(boss.user.id)).toMatchObject({ isStaff: true, isSuperuser: true, isActive: true });
  });
});

describe("another user's password", () => {
  it('is never how staff set their own, which needs the current one (PATCH /api/users/me/)', async () => {
    const boss = await buildUser({ isSuperuser: true });
    const before = (await db().user.findUniqueOrThrow({ where: { id: boss.id } })).passwordHash;
    await expect(setUserPassword(boss.id, 'brand-new-secret-9', { id: boss.id, username: boss.username, via: 'admin' }))
      .rejects.toThrow('Changing your own password needs your current one.');
    expect((await db().user.findUniqueOrThrow({ where: { id: boss.id } })).passwordHash).toBe(before);
  });
});

describe('the rule reads the accounts as they are when the change is made', () => {
  it('a superuser demoted after logging in is refused with the same token', async () => {
    const boss = await signedIn({ isSuperuser: true });
    const customer = await buildUser();
    await db().user.update({ where: { id: boss.user.id }, data: { isSuperuser: false } });

    expectRefusal(await patch(boss.auth, customer.id, { is_staff: true }), 'Only a superuser can grant staff status.');
  });

  it('a change waits for a demotion of the caller that is in flight, then is refused', async () => {
    const boss = await signedIn({ isSuperuser: true });
    const customer = await buildUser();
    const demotion = await holdInTransaction((tx) => tx.user.update({ where: { id: boss.user.id }, data: { isSuperuser: false } }));

    const granting = patch(boss.auth, customer.id, { is_staff: true }).then((res) => res);
    await waitForLockWaiters(1);
    await demotion.release();

    expectRefusal(await granting, 'Only a superuser can grant staff status.');
    expect(await account(customer.id)).toMatchObject({ isStaff: false });
  });

  it("a customer's deactivation waits for their promotion to staff that is in flight, then is refused", async () => {
    const clerk = await signedIn({ isStaff: true });
    const customer = await buildUser();
    const promotion = await holdInTransaction((tx) => tx.user.update({ where: { id: customer.id }, data: { isStaff: true } }));

    const deactivating = patch(clerk.auth, customer.id, { is_active: false }).then((res) => res);
    await waitForLockWaiters(1);
    await promotion.release();

    expectRefusal(await deactivating, 'Only a superuser can deactivate a staff account.');
    expect(await account(customer.id)).toMatchObject({ isStaff: true, isActive: true });
  });

  it("a staff member's deletion waits for a demotion of the caller that is in flight, then is refused", async () => {
    const boss = await signedIn({ isSuperuser: true });
    const other = await buildUser({ isStaff: true });
    const demotion = await holdInTransaction((tx) => tx.user.update({ where: { id: boss.user.id }, data: { isSuperuser: false } }));

    const deleting = api().delete(`/api/users/${other.id}/`).set(boss.auth).then((res) => res);
    await waitForLockWaiters(1);
    await demotion.release();

    expectRefusal(await deleting, 'Only a superuser can delete a staff account.');
    expect(await account(other.id)).not.toBeNull();
  });
});

describe('is_superuser in user JSON', () => {
  it("is left out of a customer's own /api/users/me/", async () => {
    const customer = await signedIn();
    const me = await api().get('/api/users/me/').set(customer.auth).expect(200);
    expect(me.body).not.toHaveProperty('is_superuser');
    const changed = await api().patch('/api/users/me/').set(customer.auth).send({ email: 'c-new@example.com' }).expect(200);
    expect(changed.body).not.toHaveProperty('is_superuser');
  });

  it("is in staff's own /api/users/me/", async () => {
    const clerk = await signedIn({ isStaff: true });
    const boss = await signedIn({ isSuperuser: true });
    expect((await api().get('/api/users/me/').set(clerk.auth).expect(200)).body).toMatchObject({ is_staff: true, is_superuser: false });
    expect((await api().get('/api/users/me/').set(boss.auth).expect(200)).body).toMatchObject({ is_staff: true, is_superuser: true });
  });

  it('is in every user staff read, customers included', async () => {
    const clerk = await signedIn({ isStaff: true });
    const customer = await buildUser();
    expect((await api().get(`/api/users/${customer.id}/`).set(clerk.auth).expect(200)).body).toMatchObject({ is_superuser: false });
    const list = await api().get('/api/users/').set(clerk.auth).expect(200);
    expect(list.body.results.map((user: { is_superuser: boolean }) => user.is_superuser)).toEqual([false, false]);
  });
});
