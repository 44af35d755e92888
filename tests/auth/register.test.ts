import { db } from '../../src/lib/db';
import { api, buildUser } from '../support/api';

const register = (body: object) => api().post('/api/users/register/').send(body);

describe('POST /api/users/register/', () => {
  it('creates the user and answers 201 {id, username, email, date_joined} without the password', async () => {
    const res = await register({ username: 'alice', email: 'alice@example.com', password: 'correct-horse-battery' }).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['date_joined', 'email', 'id', 'username']);
    expect(res.body).toMatchObject({ username: 'alice', email: 'alice@example.com' });
    const stored = await db().user.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.passwordHash).toMatch(/^\$2[aby]\$/);
    expect(stored.isStaff).toBe(false);
  });

  it('answers on the path without the trailing slash too', async () => {
    await api().post('/api/users/register').send({ username: 'bob', email: 'bob@example.com', password: 'correct-horse-battery' }).expect(201);
  });

  it('refuses an email that exists in another case', async () => {
    await buildUser({ email: 'Taken@Example.com' });
    const res = await register({ username: 'someone', email: 'taken@example.COM', password: 'correct-horse-battery' }).expect(400);
    expect(res.body.errors.email).toEqual(['A user with that email already exists.']);
    expect(await db().user.count()).toBe(1);
  });

  it('refuses a taken username', async () => {
    await buildUser({ username: 'carol' });
    const res = await register({ username: 'carol', email: 'carol2@example.com', password: 'correct-horse-battery' }).expect(400);
    expect(res.body.errors.username).toBeDefined();
  });

  it.each([
    ['short', 'too short'],
    ['12345678901', 'entirely numeric'],
    ['password123', 'too common'],
    ['dave-the-user', 'too similar'],
    ['x'.repeat(73), 'too long'],
  ])('refuses the weak password %j (%s)', async (password, reason) => {
    const res = await register({ username: 'dave-the-user', email: 'dave@example.com', password }).expect(400);
    expect(res.body.errors.password.join(' ')).toContain(reason);
    expect(await db().user.count()).toBe(0);
  });

  it("says DRF's 'This field is required.' for each missing field", async () => {
    const res = await register({}).expect(400);
    expect(res.body.errors).toEqual({
      username: ['This field is required.'],
      email: ['This field is required.'],
      password: ['This field is required.'],
    });
  });

  it('accepts a password that merely contains the username', async () => {
    await register({ username: 'boss', email: 'boss@example.com', password: 'big-boss-pass-2026' }).expect(201);
  });

  it('refuses invalid usernames and emails with field errors', async () => {
    const res = await register({ username: 'has space', email: 'not-an-email', password: 'correct-horse-battery' }).expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['email', 'username']);
  });

  it('refuses mass assignment of is_staff and other unknown fields', async () => {
    const res = await register({ username: 'eve', email: 'eve@example.com', password: 'correct-horse-battery', is_staff: true, id: 1 }).expect(400);
    expect(res.body.errors).toMatchObject({ is_staff: ['Unknown field.'], id: ['Unknown field.'] });
    expect(await db().user.count()).toBe(0);
  });

  it('keeps two racing registrations of one email to a single account', async () => {
    const attempts = await Promise.all(
      ['racer1', 'racer2', 'racer3'].map((username) => register({ username, email: 'race@example.com', password: 'correct-horse-battery' })),
    );
    expect(attempts.map((r) => r.status).sort()).toEqual([201, 400, 400]);
    expect(await db().user.count()).toBe(1);
  });
});
