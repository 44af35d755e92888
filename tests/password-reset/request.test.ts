// Asking for a reset link: the same answer for every address, a mail queued
// only for an active account, no token stored, and budgets per IP and per
// address.
import bcrypt from 'bcrypt';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { db } from '../../src/lib/db';
import { api, buildUser } from '../support/api';
import { contractChecked } from '../support/contract';
import { dropRedisKeys, TEST_REDIS_URL } from '../support/redis';
import { askForReset, CONFIRM_PATH, mailedLink, RESET_PATH } from './reset-links';

const REQUESTED = { detail: 'If an account uses this email, a reset link is on its way.' };
const RUN_PREFIX = `test:password-reset:${process.pid}:${Date.now().toString(36)}`;
let apps = 0;

/** An app of the test's own, with these settings over the test environment's. */
function appWith(env: Record<string, string>) {
  return contractChecked(createApp({ config: loadConfig({ ...process.env, TRUST_PROXY: '1', THROTTLE_KEY_PREFIX: `${RUN_PREFIX}:${(apps += 1)}`, ...env }) }));
}

const askFrom = (target: ReturnType<typeof appWith>, email: string, ip = '203.0.113.1') =>
  request(target).post(RESET_PATH).set('X-Forwarded-For', ip).send({ email });

afterAll(() => dropRedisKeys(RUN_PREFIX));
afterEach(() => jest.restoreAllMocks());

describe('asking for a password reset', () => {
  it('answers an unknown, an inactive and an active account\'s email alike, and queues a mail for the active one only', async () => {
    const active = await buildUser();
    const inactive = await buildUser({ isActive: false });
    const hash = jest.spyOn(bcrypt, 'hash');

    const answers = await Promise.all(
      ['nobody-here@example.com', inactive.email, active.email].map(async (email) => {
        const res = await askForReset(email);
        return { status: res.status, type: res.headers['content-type'], body: res.body };
      }),
    );

    for (const answer of answers) expect(answer).toEqual({ status: 202, type: 'application/json; charset=utf-8', body: REQUESTED });
    expect(hash).not.toHaveBeenCalled();
    const mails = await db().mail.findMany();
    expect(mails).toEqual([
      expect.objectContaining({ template: 'password_reset', toAddress: active.email, userId: active.id, status: 'queued' }),
    ]);
  });

  it('finds the account whatever the letter case of the email', async () => {
    const user = await buildUser();
    await askForReset(user.email.toUpperCase()).expect(202);
    const mails = await db().mail.findMany();
    expect(mails.map((m) => [m.userId, m.toAddress])).toEqual([[user.id, user.email]]);
  });

  it('stores no token: the outbox row says when the reset was asked for, and the link is made when the mail goes', async () => {
    const user = await buildUser();
    const before = Math.floor(Date.now() / 1000);
    await askForReset(user.email).expect(202);
    const { token } = await mailedLink(user.id);
    const mac = token.slice(token.indexOf('-') + 1);

    const [row] = await db().$queryRaw<{ row: unknown }[]>`SELECT to_jsonb(m) AS row FROM mail_outbox m`;
    const stored = JSON.stringify(await db().mail.findFirstOrThrow()) + JSON.stringify(row);
    expect(mac).toHaveLength(43);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(mac);
    const data = (await db().mail.findFirstOrThrow()).data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(['issued_at', 'token_version', 'username']);
    expect(data.issued_at).toBeGreaterThanOrEqual(before);
  });

  it('refuses what is not an email (400), and queues nothing', async () => {
    const res = await askForReset('not-an-email').expect(400);
    expect(res.body.errors.email).toEqual(['Enter a valid email address.']);
    await api().post(RESET_PATH).send({ email: 'a@example.com', is_staff: true }).expect(400);
    expect(await db().mail.count()).toBe(0);
  });
});

describe('the budgets of reset requests', () => {
  it('answers 429 past PASSWORD_RESET_PER_EMAIL requests for one address, whatever its case and IP, while another address still gets 202', async () => {
    const target = appWith({ PASSWORD_RESET_PER_EMAIL: '2', AUTH_RATE_LIMIT_PER_MIN: '0', REDIS_URL: '' });
    const victim = await buildUser();
    const bystander = await buildUser();

    expect((await askFrom(target, victim.email, '203.0.113.1')).status).toBe(202);
    expect((await askFrom(target, victim.email.toUpperCase(), '203.0.113.2')).status).toBe(202);
    const throttled = await askFrom(target, ` ${victim.email.toUpperCase()}`, '203.0.113.3');

    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ code: 'throttled', detail: expect.stringMatching(/^Request was throttled/) });
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect((await askFrom(target, bystander.email, '203.0.113.3')).status).toBe(202);
    expect(await db().mail.count({ where: { userId: victim.id } })).toBe(2);
  });

  it('throttles an address with no account exactly as one with an account', async () => {
    const target = appWith({ PASSWORD_RESET_PER_EMAIL: '1', AUTH_RATE_LIMIT_PER_MIN: '0', REDIS_URL: '' });
    const user = await buildUser();
    const answers = [];
    for (const email of [user.email, user.email, 'nobody-here@example.com', 'nobody-here@example.com']) {
      const res = await askFrom(target, email);
      answers.push({ status: res.status, code: res.body.code, detail: res.body.detail });
    }
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[3]).toEqual(answers[1]);
    expect(answers[1]).toMatchObject({ status: 429, code: 'throttled' });
  });

  it('is one budget per address in Redis for two app instances', async () => {
    const env = { PASSWORD_RESET_PER_EMAIL: '2', AUTH_RATE_LIMIT_PER_MIN: '0', REDIS_URL: TEST_REDIS_URL, THROTTLE_KEY_PREFIX: `${RUN_PREFIX}:shared` };
    const [first, second] = [appWith(env), appWith(env)];
    const user = await buildUser();
    expect((await askFrom(first, user.email)).status).toBe(202);
    expect((await askFrom(second, user.email)).status).toBe(202);
    expect((await askFrom(first, user.email)).status).toBe(429);
    expect((await askFrom(second, user.email)).status).toBe(429);
  });

  it('spends the per-IP budget of the credential endpoints, on both reset routes', async () => {
    const target = appWith({ AUTH_RATE_LIMIT_PER_MIN: '2', REDIS_URL: '' });
    expect((await askFrom(target, 'one@example.com')).status).toBe(202);
    expect((await request(target).post(CONFIRM_PATH).set('X-Forwarded-For', '203.0.113.1').send({ uid: 'MQ', token: 'x', new_password: 'a-brand-new-secret' })).status).toBe(400);
    expect((await askFrom(target, 'two@example.com')).status).toBe(429);
    expect((await request(target).post(CONFIRM_PATH).set('X-Forwarded-For', '203.0.113.1').send({ uid: 'MQ', token: 'x', new_password: 'a-brand-new-secret' })).status).toBe(429);
    expect((await askFrom(target, 'two@example.com', '203.0.113.9')).status).toBe(202);
  });
});
