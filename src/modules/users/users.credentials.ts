// Checking who someone is: the login match, the account a login name means
// (for the failed-login budget), and the active user a token speaks for.
import { db, type Db, Prisma } from '../../lib/db';
import { AuthenticationError } from '../../lib/errors';
import { verifyPassword } from '../../lib/password';
import type { TokenUser } from './users.service';

/**
 * `login` is a username or an email, in any case (as PostgreSQL's lower()
 * folds it): one primary-key lookup in user_login_names, which gives each such
 * name to one account at most.
 */
const matchesLogin = (login: string) => Prisma.sql`id = (SELECT user_id FROM user_login_names WHERE name = lower(${login}))`;

export async function findActiveUser(id: number, client: Db = db()): Promise<TokenUser | null> {
  return client.user.findFirst({ where: { id, isActive: true }, select: { id: true, username: true, isStaff: true, tokenVersion: true } });
}

/**
 * The failed-login budget a login name spends. Every login name belongs to one
 * account at most (user_login_names, in the database), so this is that
 * account's budget by id, whichever of its names and spellings are used
 * ("alice", "alice@example.com", "ALICE@EXAMPLE.COM", or a spelling only
 * PostgreSQL's lower() folds); a success clears it, and only it. A name that
 * matches no account has a budget of its own (lowercased), which no success
 * can clear, so guessing at unknown names is no cheaper than at real ones.
 */
export async function loginBudgetKey(login: string, client: Db = db()): Promise<string> {
  const [account] = await client.$queryRaw<{ id: number }[]>`SELECT id FROM users WHERE ${matchesLogin(login)} LIMIT 1`;
  return account ? `user:${account.id}` : `name:${login.toLowerCase()}`;
}

/**
 * The user whose username or (case-insensitive) email is `login`, if the
 * password matches and the account is active. Unknown users cost a bcrypt
 * comparison too, so timing does not tell which accounts exist.
 */
export async function authenticateCredentials(login: string, password: string, client: Db = db()): Promise<TokenUser> {
  const [user] = await client.$queryRaw<
    { id: number; username: string; is_staff: boolean; is_active: boolean; password_hash: string; token_version: number }[]
  >`SELECT id, username, is_staff, is_active, password_hash, token_version FROM users WHERE ${matchesLogin(login)} LIMIT 1`;
  if ((await verifyPassword(password, user?.password_hash)) && user?.is_active) {
    return { id: user.id, username: user.username, isStaff: user.is_staff, tokenVersion: user.token_version };
  }
  throw new AuthenticationError('No active account found with the given credentials', 'authentication_failed');
}
