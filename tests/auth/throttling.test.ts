// Throttling of credential checks, against the real Redis at 127.0.0.1:6379
// (TEST_REDIS_URL overrides it). Every app here gets its own key prefix under
// one prefix for this run, so parallel runs never share a counter; the keys
// are deleted afterwards.
import bcrypt from 'bcrypt';
import request from 'supertest';
import { createClient } from 'redis';
import { createApp } from '../../src/app';
import { config, type Config } from '../../src/config';
import { findFreePort } from '../../src/lib/database/embedded';
import { logger } from '../../src/lib/logger';
import { buildUser, DEFAULT_PASSWORD, login, signedIn } from '../support/api';
import { contractChecked } from '../support/contract';
import { dropRedisKeys, TEST_REDIS_URL } from '../support/redis';

const REDIS_URL = TEST_REDIS_URL;
const RUN_PREFIX = `test:throttle:${process.pid}:${Date.now().toString(36)}`;
let apps = 0;

interface Options {
  auth?: Partial<Config['auth']>;
  redisUrl?: string;
  /** Share counters with another app built with the same prefix. */
  keyPrefix?: string;
}

/** An app with every throttle off except those `auth` sets. */
function appWith({ auth = {}, redisUrl = REDIS_URL, keyPrefix = `${RUN_PREFIX}:${(apps += 1)}` }: Options) {
  const throttling = { rateLimitPerMinute: 0, loginFailuresPerAccount: 0, currentPasswordAttempts: 0, throttleKeyPrefix: keyPrefix };
  return contractChecked(createApp({ config: { ...config, trustProxy: 1, redisUrl, auth: { ...config.auth, ...throttling, ...auth } } }));
}

type App = ReturnType<typeof appWith>;
const loginAs = (app: App, username: string, password: string, ip = '203.0.113.1') =>
  request(app).post('/api/token/').set('X-Forwarded-For', ip).send({ username, password });

function expectThrottled(res: request.Response) {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ code: 'throttled', detail: expect.stringMatching(/^Request was throttled/) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

async function redisKeys(pattern: string): Promise<string[]> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    return await client.keys(pattern);
  } finally {
    client.destroy();
  }
}

afterAll(() => dropRedisKeys(RUN_PREFIX));

afterEach(() => jest.restoreAllMocks());

describe('per-IP limit on the credential endpoints', () => {
  it('answers the 21st login from one IP within a minute with 429 and Retry-After', async () => {
    const app = appWith({ auth: { rateLimitPerMinute: 20 } });
    const user = await buildUser();
    for (let i = 0; i < 20; i += 1) expect((await loginAs(app, user.username, user.password)).status).toBe(200);
    const res = await loginAs(app, user.username, user.password);
    expectThrottled(res);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client IP has its own budget.
    expect((await loginAs(app, user.username, user.password, '203.0.113.2')).status).toBe(200);
  });

  it('is one budget in Redis for two app instances: 20 logins a minute per IP in all, not 40', async () => {
    const keyPrefix = `${RUN_PREFIX}:shared`;
    const first = appWith({ auth: { rateLimitPerMinute: 20 }, keyPrefix });
    const second = appWith({ auth: { rateLimitPerMinute: 20 }, keyPrefix });
    const user = await buildUser();
    for (let i = 0; i < 10; i += 1) {
      expect((await loginAs(first, user.username, user.password)).status).toBe(200);
      expect((await loginAs(second, user.username, user.password)).status).toBe(200);
    }
    expectThrottled(await loginAs(first, user.username, user.password));
    expectThrottled(await loginAs(second, user.username, user.password));
    expect(await redisKeys(`${keyPrefix}:ip:*`)).toHaveLength(1);
  });

  it.each([
    ['verify', '/api/token/verify/', { token: 'not-a-token' }],
    ['blacklist', '/api/token/blacklist/', { refresh: 'not-a-token' }],
  ])('limits %s like login', async (_name, path, body) => {
    const app = appWith({ auth: { rateLimitPerMinute: 2 } });
    for (let i = 0; i < 2; i += 1) expect((await request(app).post(path).send(body)).status).toBe(401);
    expectThrottled(await request(app).post(path).send(body));
  });
});

describe('failed logins per account', () => {
  it('throttles one account guessed at from many IPs, before bcrypt runs, while another account still logs in', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 3 } });
    const victim = await buildUser();
    const bystander = await buildUser();
    for (let i = 1; i <= 3; i += 1) expect((await loginAs(app, victim.username, `wrong-guess-${i}`, `203.0.113.${i}`)).status).toBe(401);

    const compare = jest.spyOn(bcrypt, 'compare');
    // Even the right password, from yet another IP and in other letter case, waits.
    expectThrottled(await loginAs(app, victim.username.toUpperCase(), victim.password, '198.51.100.7'));
    expectThrottled(await loginAs(app, victim.username, victim.password, '198.51.100.8'));
    expect(compare).not.toHaveBeenCalled();

    expect((await loginAs(app, bystander.username, bystander.password, '203.0.113.1')).status).toBe(200);
  });

  it('is one budget per account, whether it is named by username, by email, or by an email spelt in letters only the database folds', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 3 } });
    const victim = await buildUser({ email: `${(await buildUser()).username}-victim@example.com` });
    for (let i = 1; i <= 3; i += 1) expect((await loginAs(app, victim.username, `wrong-guess-${i}`)).status).toBe(401);

    const compare = jest.spyOn(bcrypt, 'compare');
    expectThrottled(await loginAs(app, victim.email, victim.password));
    expectThrottled(await loginAs(app, victim.email.toUpperCase(), victim.password));
    // PostgreSQL lowers U+0130 to a plain "i", so this still names the victim's
    // email, though JavaScript lowers it to something else.
    expectThrottled(await loginAs(app, victim.email.replace('i', '\u0130'), victim.password));
    expect(compare).not.toHaveBeenCalled();
  });

  it('gives the account its whole budget back after a successful login', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 3 } });
    const user = await buildUser();
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 2; i += 1) expect((await loginAs(app, user.username, 'wrong-guess')).status).toBe(401);
      expect((await loginAs(app, user.username, user.password)).status).toBe(200);
    }
  });

  it('is not given back by another account\'s login, even one that tries to go by the victim\'s email', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 3 } });
    const victim = await buildUser();
    const other = await buildUser();
    // The look-alike that once shared (and cleared) the victim's budget cannot exist.
    await request(app).post('/api/users/register/').send({ username: victim.email, email: 'lookalike@example.com', password: DEFAULT_PASSWORD }).expect(400);

    expect((await loginAs(app, victim.email, 'wrong-guess-1')).status).toBe(401);
    expect((await loginAs(app, victim.email, 'wrong-guess-2')).status).toBe(401);
    expect((await loginAs(app, victim.email, DEFAULT_PASSWORD.toUpperCase())).status).toBe(401);
    expect((await loginAs(app, other.username, other.password)).status).toBe(200);

    expectThrottled(await loginAs(app, victim.email, victim.password));
  });

  it('never throttles an account that keeps logging in, by whichever of its names, with a typo now and then', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 3 } });
    const staff = await buildUser({ isStaff: true });
    for (let i = 0; i < 12; i += 1) {
      expect((await loginAs(app, staff.email, `${staff.password}-typo`)).status).toBe(401);
      expect((await loginAs(app, i % 2 ? staff.username : staff.email.toUpperCase(), staff.password)).status).toBe(200);
    }
  });

  it('expires by itself at the end of its window (no permanent lockout)', async () => {
    const app = appWith({ auth: { loginFailuresPerAccount: 2, failureWindowSeconds: 1 } });
    const user = await buildUser();
    for (let i = 0; i < 2; i += 1) expect((await loginAs(app, user.username, 'wrong-guess')).status).toBe(401);
    const throttled = await loginAs(app, user.username, user.password);
    expectThrottled(throttled);
    expect(Number(throttled.headers['retry-after'])).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await loginAs(app, user.username, user.password)).status).toBe(200);
  });
});

describe('current_password checks per user (PATCH /api/users/me/)', () => {
  it('answers 429 after N wrong guesses, even to the right password, and leaves other users alone', async () => {
    const app = appWith({ auth: { currentPasswordAttempts: 3 } });
    const target = await signedIn();
    const other = await signedIn();
    const change = (who: typeof target, current: string) =>
      request(app).patch('/api/users/me/').set(who.auth).send({ password: 'a-brand-new-secret', current_password: current });

    for (let i = 1; i <= 3; i += 1) {
      const res = await change(target, `wrong-guess-${i}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveProperty('current_password');
    }
    expectThrottled(await change(target, DEFAULT_PASSWORD));
    await login(target.user); // the password did not change

    expect((await change(other, DEFAULT_PASSWORD)).status).toBe(200);
  });

  it('does not count an email change, which checks no password', async () => {
    const app = appWith({ auth: { currentPasswordAttempts: 1 } });
    const { auth, user } = await signedIn();
    for (let i = 0; i < 3; i += 1) {
      await request(app).patch('/api/users/me/').set(auth).send({ email: `new${i}-${user.email}` }).expect(200);
    }
  });
});

describe('when Redis is down', () => {
  it('logs a warning, keeps login working, and still limits from memory', async () => {
    const warn = jest.spyOn(logger, 'warn');
    const closedPort = await findFreePort();
    const app = appWith({ auth: { rateLimitPerMinute: 3, loginFailuresPerAccount: 2 }, redisUrl: `redis://127.0.0.1:${closedPort}` });
    const user = await buildUser();

    expect((await loginAs(app, user.username, user.password)).status).toBe(200);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ redis: `127.0.0.1:${closedPort}` }), expect.stringMatching(/Redis is unavailable/));

    expect((await loginAs(app, user.username, 'wrong-guess')).status).toBe(401);
    expect((await loginAs(app, user.username, 'wrong-guess')).status).toBe(401);
    expectThrottled(await loginAs(app, user.username, user.password));
    expect((await loginAs(app, user.username, user.password, '203.0.113.9')).status).toBe(429);
  });
});
