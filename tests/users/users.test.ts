import { db } from '../../src/lib/db';
import { api, buildUser, signedIn } from '../support/api';

describe('GET /api/users/me/', () => {
  it('answers the current user in the contract shape, without secrets', async () => {
    const { user, auth } = await signedIn();
    const res = await api().get('/api/users/me/').set(auth).expect(200);
    expect(res.body).toEqual({ id: user.id, username: user.username, email: user.email, is_staff: false, date_joined: expect.any(String) });
  });
});

describe('PATCH /api/users/me/', () => {
  it('changes the email', async () => {
    const { auth } = await signedIn();
    const res = await api().patch('/api/users/me/').set(auth).send({ email: 'new-address@example.com' }).expect(200);
    expect(res.body.email).toBe('new-address@example.com');
  });

  it('refuses an email another user has, in any case', async () => {
    await buildUser({ email: 'taken@example.com' });
    const { auth } = await signedIn();
    const res = await api().patch('/api/users/me/').set(auth).send({ email: 'TAKEN@example.com' }).expect(400);
    expect(res.body.errors.email).toBeDefined();
  });

  it('changes the password only with the right current_password, and logs out other sessions', async () => {
    const { user, auth, tokens } = await signedIn();
    await api().patch('/api/users/me/').set(auth).send({ password: 'a-brand-new-secret' }).expect(400);
    const wrong = await api().patch('/api/users/me/').set(auth).send({ password: 'a-brand-new-secret', current_password: 'nope-nope' }).expect(400);
    expect(wrong.body.errors.current_password).toBeDefined();

    await api().patch('/api/users/me/').set(auth).send({ password: 'a-brand-new-secret', current_password: user.password }).expect(200);
    await api().post('/api/token/').send({ username: user.username, password: user.password }).expect(401);
    await api().post('/api/token/').send({ username: user.username, password: 'a-brand-new-secret' }).expect(200);
    await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
  });

  it('of two racing password changes with the same current password, exactly one wins', async () => {
    const { user, auth } = await signedIn();
    const attempts = await Promise.all(
      ['first-new-secret', 'second-new-secret', 'third-new-secret'].map((password) =>
        api().patch('/api/users/me/').set(auth).send({ password, current_password: user.password }),
      ),
    );
    // A loser either lost inside the guarded UPDATE (400) or arrived after the
    // winner had ended this session (401); either way it changed nothing.
    const statuses = attempts.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 400 || s === 401)).toBe(true);
    const passwords = ['first-new-secret', 'second-new-secret', 'third-new-secret'];
    const winner = passwords[statuses.indexOf(200)]!;
    await api().post('/api/token/').send({ username: user.username, password: winner }).expect(200);
    for (const loser of passwords.filter((p) => p !== winner)) {
      await api().post('/api/token/').send({ username: user.username, password: loser }).expect(401);
    }
  });

  it('refuses a weak new password', async () => {
    const { user, auth } = await signedIn();
    const res = await api().patch('/api/users/me/').set(auth).send({ password: '123456789', current_password: user.password }).expect(400);
    expect(res.body.errors.password).toBeDefined();
  });

  it('never lets a user make themselves staff or change their id', async () => {
    const { user, auth } = await signedIn();
    for (const body of [{ is_staff: true }, { id: 999 }, { is_active: false }, { username: 'renamed' }]) {
      await api().patch('/api/users/me/').set(auth).send(body).expect(400);
    }
    const stored = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored).toMatchObject({ isStaff: false, isActive: true, username: user.username });
  });
});

describe('admin user management', () => {
  it('refuses non-staff users on every admin route with 403, and anonymous with 401', async () => {
    const { auth } = await signedIn();
    const other = await buildUser();
    await api().get('/api/users/').set(auth).expect(403);
    await api().get(`/api/users/${other.id}/`).set(auth).expect(403);
    await api().patch(`/api/users/${other.id}/`).set(auth).send({ is_staff: true }).expect(403);
    await api().delete(`/api/users/${other.id}/`).set(auth).expect(403);
    await api().get('/api/users/').expect(401);
    expect(await db().user.count()).toBe(2);
  });

  it('lists users as a DRF page', async () => {
    const admin = await signedIn({ isStaff: true });
    await buildUser();
    await buildUser();
    const res = await api().get('/api/users/?page_size=2').set(admin.auth).expect(200);
    expect(res.body.count).toBe(3);
    expect(res.body.results).toHaveLength(2);
    expect(res.body.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/users\/\?page_size=2&page=2$/);
    expect(res.body.previous).toBeNull();
    expect(res.body.results[0]).toHaveProperty('is_active', true);
  });

  it('gets one user, and 404 for a missing or malformed id', async () => {
    const admin = await signedIn({ isStaff: true });
    const other = await buildUser();
    expect((await api().get(`/api/users/${other.id}/`).set(admin.auth).expect(200)).body.username).toBe(other.username);
    await api().get('/api/users/987654/').set(admin.auth).expect(404);
    await api().get('/api/users/abc/').set(admin.auth).expect(404);
    await api().get('/api/users/99999999999999/').set(admin.auth).expect(404);
  });

  it('lets a superuser grant staff, and deactivation locks the user out at once', async () => {
    const admin = await signedIn({ isSuperuser: true });
    const target = await signedIn();
    const res = await api().patch(`/api/users/${target.user.id}/`).set(admin.auth).send({ is_staff: true }).expect(200);
    expect(res.body.is_staff).toBe(true);

    await api().patch(`/api/users/${target.user.id}/`).set(admin.auth).send({ is_active: false }).expect(200);
    await api().get('/api/users/me/').set(target.auth).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: target.tokens.refresh }).expect(401);
  });

  it('refuses unknown fields and a taken username on admin PATCH', async () => {
    const admin = await signedIn({ isStaff: true });
    const target = await buildUser();
    await api().patch(`/api/users/${target.id}/`).set(admin.auth).send({ password_hash: 'x' }).expect(400);
    const res = await api().patch(`/api/users/${target.id}/`).set(admin.auth).send({ username: admin.user.username }).expect(400);
    expect(res.body.errors.username).toBeDefined();
    await api().patch('/api/users/424242/').set(admin.auth).send({ is_staff: true }).expect(404);
  });

  it('deletes a user, whose tokens stop working; deleting again is 404', async () => {
    const admin = await signedIn({ isStaff: true });
    const target = await signedIn();
    await api().delete(`/api/users/${target.user.id}/`).set(admin.auth).expect(204);
    await api().get('/api/users/me/').set(target.auth).expect(401);
    await api().delete(`/api/users/${target.user.id}/`).set(admin.auth).expect(404);
  });
});
