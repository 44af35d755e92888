// Test helpers: the real app behind supertest, and small factories that make
// exactly the rows a test needs.
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { createApp } from '../../src/app';
import { db } from '../../src/lib/db';
import { hashPassword } from '../../src/lib/password';
import { issueTokenPair } from '../../src/modules/auth/refresh-tokens';
import { contractChecked } from './contract';

// Each test gets an app of its own: the throttles count in the app's memory,
// keyed by user id and login name, and ids restart in every test (TRUNCATE ...
// RESTART IDENTITY), so one shared app would let a test spend the budgets of
// the "user 1" of the tests before it.
let current = contractChecked(createApp());
beforeEach(() => {
  current = contractChecked(createApp());
});
export const app: RequestListener = (req, res) => current(req, res);
export const api = () => request(app);

let sequence = 0;
const unique = () => `${process.env.JEST_WORKER_ID ?? 0}${Date.now().toString(36)}${(sequence += 1)}`;

export const DEFAULT_PASSWORD = 'correct-horse-battery';

export interface TestUser {
  id: number;
  username: string;
  email: string;
  password: string;
}

/** `isSuperuser` makes a staff member who may manage staff (a superuser is always staff). */
export async function buildUser(
  overrides: { username?: string; email?: string; password?: string; isStaff?: boolean; isSuperuser?: boolean; isActive?: boolean } = {},
): Promise<TestUser> {
  const username = overrides.username ?? `user${unique()}`;
  const email = overrides.email ?? `${username}@example.com`;
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const isSuperuser = overrides.isSuperuser ?? false;
  const user = await db().user.create({
    data: {
      username, email, passwordHash: await hashPassword(password),
      isStaff: overrides.isStaff ?? isSuperuser, isSuperuser, isActive: overrides.isActive ?? true,
    },
  });
  return { id: user.id, username, email, password };
}

export async function login(user: TestUser): Promise<{ access: string; refresh: string }> {
  const res = await api().post('/api/token/').send({ username: user.username, password: user.password }).expect(200);
  return res.body;
}

/** An access token of a new session of this user, without a login request (no bcrypt). */
export async function accessTokenFor(userId: number): Promise<string> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId }, select: { id: true, tokenVersion: true } });
  return (await issueTokenPair(user)).access;
}

/** A user and the Authorization header that acts as them. */
export async function signedIn(overrides: Parameters<typeof buildUser>[0] = {}) {
  const user = await buildUser(overrides);
  const tokens = await login(user);
  return { user, tokens, auth: { Authorization: `Bearer ${tokens.access}` } };
}

export async function buildProduct(overrides: { name?: string; description?: string; price?: string; stock?: number; image?: string | null } = {}) {
  return db().product.create({
    data: {
      name: overrides.name ?? `Product ${unique()}`,
      description: overrides.description ?? 'A fine product',
      price: overrides.price ?? '10.00',
      stock: overrides.stock ?? 10,
      image: overrides.image ?? null,
    },
  });
}
