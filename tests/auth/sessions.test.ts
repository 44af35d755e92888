// Sessions end for real: a password change ends every session of the user,
// logout ends its own session, access tokens included, from the next request on.
import { db } from '../../src/lib/db';
import { api, login, signedIn } from '../support/api';
import { holdInTransaction, waitForLockWaiters } from '../support/shop';

const NEW_PASSWORD = 'a-brand-new-passphrase';
const bearer = (access: string) => ({ Authorization: `Bearer ${access}` });

describe('a password change', () => {
  it('ends the access tokens issued before it, for reading and for writing', async () => {
    const { user, tokens, auth } = await signedIn();
    const otherDevice = await login(user);

    await api().patch('/api/users/me/').set(auth).send({ password: NEW_PASSWORD, current_password: user.password }).expect(200);

    for (const access of [tokens.access, otherDevice.access]) {
      const read = await api().get('/api/users/me/').set(bearer(access)).expect(401);
      expect(read.body.code).toBe('token_not_valid');
      await api().patch('/api/users/me/').set(bearer(access)).send({ email: 'thief@example.com' }).expect(401);
    }
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    await api().post('/api/token/verify/').send({ token: tokens.access }).expect(401);

    const fresh = await login({ ...user, password: NEW_PASSWORD });
    await api().get('/api/users/me/').set(bearer(fresh.access)).expect(200);
  });

  it('also ends the tokens of a refresh that was in flight while it happened', async () => {
    const { user, tokens, auth } = await signedIn();
    // Hold the user's row so the refresh stops right before it stores its new
    // token (the foreign-key check waits) and the password change before its UPDATE.
    const held = await holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM users WHERE id = ${user.id} FOR UPDATE`);
    const refreshing = api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).then((res) => res);
    await waitForLockWaiters(1);
    const changing = api().patch('/api/users/me/').set(auth).send({ password: NEW_PASSWORD, current_password: user.password }).then((res) => res);
    await waitForLockWaiters(2);
    await held.release();

    const [refreshed, changed] = await Promise.all([refreshing, changing]);
    expect(changed.status).toBe(200);
    expect(refreshed.status).toBe(200); // minted from the version it read before the change committed...
    // ...and dead all the same.
    await api().get('/api/users/me/').set(bearer(refreshed.body.access)).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: refreshed.body.refresh }).expect(401);
  });
});

describe('logout (POST /api/token/blacklist/)', () => {
  it("ends that session's access tokens, and only that session's", async () => {
    const { user, tokens } = await signedIn();
    const otherDevice = await login(user);
    const rotated = (await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(200)).body;

    await api().post('/api/token/blacklist/').send({ refresh: rotated.refresh }).expect(200);

    // Both access tokens of the session (before and after the rotation) are dead.
    for (const access of [tokens.access, rotated.access]) await api().get('/api/users/me/').set(bearer(access)).expect(401);
    await api().post('/api/token/verify/').send({ token: rotated.access }).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: rotated.refresh }).expect(401);
    // Another device of the same user stays logged in.
    await api().get('/api/users/me/').set(bearer(otherDevice.access)).expect(200);
    await api().post('/api/token/refresh/').send({ refresh: otherDevice.refresh }).expect(200);
  });
});

describe('deactivation by an admin', () => {
  it('ends every session at once, and reactivation does not bring the old tokens back', async () => {
    const admin = await signedIn({ isStaff: true });
    const { user, tokens } = await signedIn();

    await api().patch(`/api/users/${user.id}/`).set(admin.auth).send({ is_active: false }).expect(200);
    await api().get('/api/users/me/').set(bearer(tokens.access)).expect(401);
    await api().patch(`/api/users/${user.id}/`).set(admin.auth).send({ is_active: true }).expect(200);

    await api().get('/api/users/me/').set(bearer(tokens.access)).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
    await login(user);
  });
});
