// Setting a new password with a reset link: it works once, expires, dies with
// the account state it was made over, follows registration's password rules,
// and ends every session of the account.
import bcrypt from 'bcrypt';
import request from 'supertest';
import { db } from '../../src/lib/db';
import { resetTokens } from '../../src/modules/password-reset/password-reset.link';
import { encodeUid } from '../../src/modules/password-reset/password-reset.token';
import { api, app, buildUser, login, signedIn } from '../support/api';
import { adminAgent } from '../support/admin';
import { holdInTransaction, waitForLockWaiters } from '../support/shop';
import { CONFIRM_PATH, confirmReset, loginStatus, NEW_PASSWORD, passwordHashOf, userWithResetLink } from './reset-links';

afterEach(() => jest.restoreAllMocks());

function expectDeadLink(res: request.Response) {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ code: 'reset_token_invalid', detail: expect.stringMatching(/reset link is invalid.*Ask for a new one/) });
}

/** A token for the user's account as it is now, issued `issuedAt` (unix seconds). */
async function tokenIssuedAt(userId: number, issuedAt: number): Promise<string> {
  const subject = await db().user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, passwordHash: true, tokenVersion: true, email: true } });
  return resetTokens.make(subject, issuedAt);
}

const now = () => Math.floor(Date.now() / 1000);

describe('confirming a password reset', () => {
  it('sets the new password: the old one no longer logs in, the new one does', async () => {
    const { user, link } = await userWithResetLink();

    const res = await confirmReset({ ...link, new_password: NEW_PASSWORD });

    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await loginStatus(user.username, user.password)).toBe(401);
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
  });

  it('ends every session: the old access and refresh tokens get 401', async () => {
    const { user, link } = await userWithResetLink();
    const tokens = await login(user);

    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);

    await api().get('/api/users/me/').set({ Authorization: `Bearer ${tokens.access}` }).expect(401);
    await api().post('/api/token/refresh/').send({ refresh: tokens.refresh }).expect(401);
  });

  it('logs a staff user out of the admin site', async () => {
    const { user, link } = await userWithResetLink({ isStaff: true });
    const admin = await adminAgent(user);
    await admin.get('/admin/orders/').expect(200);

    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);

    const res = await admin.get('/admin/orders/').expect(303);
    expect(res.headers.location).toMatch(/^\/admin\/login/);
  });

  it('leaves other users\' sessions alone', async () => {
    const bystander = await signedIn();
    const { link } = await userWithResetLink();
    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);
    await api().get('/api/users/me/').set(bystander.auth).expect(200);
  });

  it('refuses unknown fields (400)', async () => {
    const { link } = await userWithResetLink();
    await request(app).post(CONFIRM_PATH).send({ ...link, new_password: NEW_PASSWORD, is_staff: true }).expect(400);
  });

  it('queues a "password changed" mail to the account', async () => {
    const { user, link } = await userWithResetLink();

    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);

    const changed = await db().mail.findMany({ where: { template: 'password_changed' } });
    expect(changed).toEqual([expect.objectContaining({ userId: user.id, toAddress: user.email, status: 'queued' })]);
    expect(changed[0]!.data).toMatchObject({ how: 'with a reset link' });
  });
});

describe('a reset link', () => {
  it('works once: a second confirm with it is 400 reset_token_invalid', async () => {
    const { user, link } = await userWithResetLink();
    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);

    expectDeadLink(await confirmReset({ ...link, new_password: 'another-new-secret' }));
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
  });

  it('expires PASSWORD_RESET_TTL_SECONDS after it was asked for', async () => {
    const user = await buildUser();
    const uid = encodeUid(user.id);
    const expired = await tokenIssuedAt(user.id, now() - resetTokens.ttlSeconds - 1);
    const nearlyExpired = await tokenIssuedAt(user.id, now() - resetTokens.ttlSeconds + 60);

    expectDeadLink(await confirmReset({ uid, token: expired, new_password: NEW_PASSWORD }));
    await confirmReset({ uid, token: nearlyExpired, new_password: NEW_PASSWORD }).expect(204);
  });

  it('dies when the password is changed from the account settings', async () => {
    const { user, link } = await userWithResetLink();
    const { access } = await login(user);
    await api().patch('/api/users/me/').set({ Authorization: `Bearer ${access}` }).send({ password: 'changed-in-settings', current_password: user.password }).expect(200);

    expectDeadLink(await confirmReset({ ...link, new_password: NEW_PASSWORD }));
    expect(await loginStatus(user.username, 'changed-in-settings')).toBe(200);
  });

  it('dies when the account\'s email changes', async () => {
    const { user, link } = await userWithResetLink();
    const { access } = await login(user);
    await api().patch('/api/users/me/').set({ Authorization: `Bearer ${access}` }).send({ email: `moved-${user.email}` }).expect(200);

    expectDeadLink(await confirmReset({ ...link, new_password: NEW_PASSWORD }));
    expect(await loginStatus(user.username, user.password)).toBe(200);
  });

  it('dies when the account is deactivated', async () => {
    const { user, link } = await userWithResetLink();
    await db().user.update({ where: { id: user.id }, data: { isActive: false } });

    expectDeadLink(await confirmReset({ ...link, new_password: NEW_PASSWORD }));
  });

  describe('is refused (400 reset_token_invalid, password unchanged) when', () => {
    const cases: [string, (link: { uid: string; token: string }, other: { uid: string; token: string }) => { uid: string; token: string }][] = [
      ['the uid is another user\'s', (link, other) => ({ uid: other.uid, token: link.token })],
      ['the token is another user\'s', (link, other) => ({ uid: link.uid, token: other.token })],
      ['the uid names no user', (link) => ({ uid: encodeUid(999_999), token: link.token })],
      ['the uid is not base64', (link) => ({ uid: 'not a uid!', token: link.token })],
      ['the uid is padded base64 of the right id', (link) => ({ uid: `${link.uid}=`, token: link.token })],
      ['the uid is empty', (link) => ({ uid: '', token: link.token })],
      ['the token is garbage', (link) => ({ uid: link.uid, token: 'garbage' })],
      ['one letter of its MAC is changed', (link) => ({ uid: link.uid, token: link.token.replace(/-(.)/, (_m, c: string) => `-${c === 'A' ? 'B' : 'A'}`) })],
      ['the token is given a later timestamp', (link) => ({ uid: link.uid, token: link.token.replace(/^[0-9a-z]+/, (stamp) => (parseInt(stamp, 36) + 1).toString(36)) })],
    ];

    it.each(cases)('%s', async (_case, tamper) => {
      const { user, link } = await userWithResetLink();
      const { link: otherLink } = await userWithResetLink();
      const hashBefore = await passwordHashOf(user.id);

      expectDeadLink(await confirmReset({ ...tamper(link, otherLink), new_password: NEW_PASSWORD }));
      expect(await passwordHashOf(user.id)).toBe(hashBefore);
    });
  });

  it('is checked before any bcrypt work, and before the new password is', async () => {
    const { link } = await userWithResetLink();
    const hash = jest.spyOn(bcrypt, 'hash');

    expectDeadLink(await confirmReset({ uid: link.uid, token: 'garbage', new_password: '123' }));
    expect(hash).not.toHaveBeenCalled();
  });

  it('of two confirms racing with it, sets exactly one password; the other is 400 reset_token_invalid', async () => {
    const { user, link } = await userWithResetLink();
    // Both confirms check the token and hash before either writes: they queue
    // on the user's row, held here, and each has already passed the token check.
    const hold = await holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM users WHERE id = ${user.id} FOR UPDATE`);
    const passwords = ['first-new-secret', 'second-new-secret'];
    const racing = passwords.map((new_password) => confirmReset({ ...link, new_password }).then((res) => res));
    await waitForLockWaiters(2);
    await hold.release();
    const answers = await Promise.all(racing);

    expect(answers.map((res) => res.status).sort()).toEqual([204, 400]);
    const loser = answers.find((res) => res.status === 400)!;
    expectDeadLink(loser);
    const winner = passwords[answers.findIndex((res) => res.status === 204)]!;
    expect(await loginStatus(user.username, winner)).toBe(200);
    expect(await loginStatus(user.username, passwords.find((p) => p !== winner)!)).toBe(401);
    expect(await db().mail.count({ where: { template: 'password_changed' } })).toBe(1);
  });
});

describe('the new password', () => {
  it.each([
    ['too short', () => 'short1', 'This password is too short. It must contain at least 8 characters.'],
    ['entirely numeric', () => '12345678901', 'This password is entirely numeric.'],
    ['too similar to the username', (username: string) => `${username}9`, 'The password is too similar to the username or email.'],
  ])('is refused when %s (400, errors.new_password), the password unchanged and the link still usable', async (_case, password, message) => {
    const { user, link } = await userWithResetLink();
    const hashBefore = await passwordHashOf(user.id);

    const res = await confirmReset({ ...link, new_password: password(user.username) });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ new_password: [message] });
    expect(await passwordHashOf(user.id)).toBe(hashBefore);
    await confirmReset({ ...link, new_password: NEW_PASSWORD }).expect(204);
  });

  it('is refused when too similar to the local part of the account\'s email', async () => {
    const { user, link } = await userWithResetLink({ username: 'marguerite', email: 'daisy.flower@example.com' });
    const hashBefore = await passwordHashOf(user.id);

    const res = await confirmReset({ ...link, new_password: 'daisy.flower1' });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ new_password: ['The password is too similar to the username or email.'] });
    expect(await passwordHashOf(user.id)).toBe(hashBefore);
  });
});
