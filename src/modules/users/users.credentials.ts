// Checking who someone is: the login match, the accounts a login name could
// mean (for the failed-login budgets), and the active user a token speaks for.
import { db, type Db, Prisma } from '../../lib/db';
import { AuthenticationError } from '../../lib/errors';
import { verifyPassword } from '../../lib/password';
import type { TokenUser } from './users.service';

/** `login` is a username, or an email in any case (as PostgreSQL's lower() folds it). */
const matchesLogin = (login: string) => Prisma.sql`(username = ${login} OR lower(email) = lower(${login}))`;

export async function findActiveUser(id: number, client: Db = db()): Promise<TokenUser | null> {
  return client.user.findFirst({ where: { id, isActive: true }, select: { id: true, username: true, isStaff: true, tokenVersion: true } });
}

/**
 * Whose failed-login budgets a login name spends: every account it could log
 * into, by the same match authenticateCredentials makes (so "alice",
 * "alice@example.com", "ALICE@EXAMPLE.COM" and spellings only PostgreSQL's
 * lower() folds share one budget), and the name itself in lower case (so a
 * name that matches no account is budgeted too, and "ALICE" waits with "alice").
 */
export async function loginBudgetKeys(login: string, client: Db = db()): Promise<string[]> {
  const accounts = await client.$queryRaw<{ id: number }[]>`SELECT id FROM users WHERE ${matchesLogin(login)} ORDER BY id LIMIT 2`;
  return [...accounts.map((account) => `user:${account.id}`), `name:${login.toLowerCase()}`];
}

/**
 * The user whose username or (case-insensitive) email is `login`, if the
 * password matches and the account is active. A username may look like
 * someone else's email, so both candidates are tried (username first): a
 * look-alike account cannot lock the real owner out. Unknown users cost a
 * bcrypt comparison too, so timing does not tell which accounts exist.
 */
export async function authenticateCredentials(login: string, password: string, client: Db = db()): Promise<TokenUser> {
  const candidates = await client.$queryRaw<
    { id: number; username: string; is_staff: boolean; is_active: boolean; password_hash: string; token_version: number }[]
  >`
    SELECT id, username, is_staff, is_active, password_hash, token_version FROM users
    WHERE ${matchesLogin(login)}
    ORDER BY (username = ${login}) DESC
    LIMIT 2`;
  if (candidates.length === 0) await verifyPassword(password, undefined);
  for (const user of candidates) {
    if ((await verifyPassword(password, user.password_hash)) && user.is_active) {
      return { id: user.id, username: user.username, isStaff: user.is_staff, tokenVersion: user.token_version };
    }
  }
  throw new AuthenticationError('No active account found with the given credentials', 'authentication_failed');
}
