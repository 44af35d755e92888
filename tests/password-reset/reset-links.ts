// Password reset as a customer goes through it: ask, read the link in the
// mail, confirm. The link is rendered from the queued outbox row exactly as
// the mail worker renders it, so the tests use what the mail would carry.
import type { RequestListener } from 'node:http';
import request from 'supertest';
import { db } from '../../src/lib/db';
import { resetLink, type ResetMailData } from '../../src/modules/password-reset/password-reset.link';
import { app, buildUser } from '../support/api';

export const RESET_PATH = '/api/users/password-reset/';
export const CONFIRM_PATH = '/api/users/password-reset/confirm/';
export const NEW_PASSWORD = 'a-brand-new-secret';

export const askForReset = (email: string, target: RequestListener = app) => request(target).post(RESET_PATH).send({ email });

export const confirmReset = (body: { uid: string; token: string; new_password: string }, target: RequestListener = app) =>
  request(target).post(CONFIRM_PATH).send(body);

export interface MailedLink {
  uid: string;
  token: string;
}

/** The uid and token in the newest reset mail queued for this user, as the worker would send it now. */
export async function mailedLink(userId: number): Promise<MailedLink> {
  const row = await db().mail.findFirstOrThrow({ where: { template: 'password_reset', userId }, orderBy: { id: 'desc' } });
  const rendered = await resetLink(db(), row.userId, row.toAddress, row.data as unknown as ResetMailData);
  if (!rendered) throw new Error(`the reset mail ${row.id} would not be sent`);
  const url = new URL(rendered.link, 'http://shop.test');
  return { uid: url.searchParams.get('uid') ?? '', token: url.searchParams.get('token') ?? '' };
}

/** A user who asked for a reset, and the link they were mailed. */
export async function userWithResetLink(overrides: Parameters<typeof buildUser>[0] = {}) {
  const user = await buildUser(overrides);
  await askForReset(user.email).expect(202);
  return { user, link: await mailedLink(user.id) };
}

export const passwordHashOf = async (userId: number) =>
  (await db().user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } })).passwordHash;

/** The status of a login with these credentials. */
export const loginStatus = async (username: string, password: string) =>
  (await request(app).post('/api/token/').send({ username, password })).status;
