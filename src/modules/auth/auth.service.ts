import { db } from '../../lib/db';
import { AuthenticationError } from '../../lib/errors';
import type { Throttle } from '../../lib/throttle';
import { INVALID_TOKEN_MESSAGE, verifyToken } from '../../lib/tokens';
import { authenticateCredentials, findActiveUser, loginBudgetKey } from '../users/users.credentials';
import type { TokenUser } from '../users/users.service';
import { endSession, isRefreshTokenLive, issueTokenPair, revokeFamily, spendRefreshToken, type TokenPair } from './refresh-tokens';
import { findSessionUser } from './session-user';

const invalidToken = () => new AuthenticationError(INVALID_TOKEN_MESSAGE, 'token_not_valid');

/**
 * `failures` budgets failed logins per account, whichever IPs they come from
 * and whichever of its names (username or email, in any spelling the database
 * matches) they use; once spent, the answer is "throttled" before bcrypt runs.
 */
export async function login(username: string, password: string, failures: Throttle): Promise<TokenPair> {
  return issueTokenPair(await checkCredentialsWithinBudget(username, password, failures));
}

/** authenticateCredentials within the per-account budgets of failed logins (the API's and the admin site's login). */
export async function checkCredentialsWithinBudget(login: string, password: string, failures: Throttle): Promise<TokenUser> {
  const check = () => authenticateCredentials(login, password);
  return failures.enabled ? failures.attempt(await loginBudgetKey(login), check) : check();
}

/** Rotation: the presented token dies and a new pair from the same login is issued. */
export async function refresh(token: string): Promise<TokenPair> {
  const claims = verifyToken(token, 'refresh');
  const outcome = await db().$transaction(async (tx) => {
    const spent = await spendRefreshToken(token, tx);
    if (spent.status !== 'spent') return spent;
    // A token from before a password change (or deactivation) carries an older
    // version: refused, even when it was minted by a refresh racing that change.
    const user = await findActiveUser(claims.user_id, tx);
    if (user?.tokenVersion !== claims.ver) return { status: 'inactive_user' as const };
    return { status: 'issued' as const, pair: await issueTokenPair(user, spent.familyId, tx) };
  });
  if (outcome.status === 'issued') return outcome.pair;
  // A spent or revoked token presented again means it was copied: end every
  // session descended from that login (committed outside the failed rotation).
  if (outcome.status === 'reused') await revokeFamily(outcome.familyId);
  throw invalidToken();
}

/** Valid means usable: signed, unexpired, and its session and token version still live. */
export async function verify(token: string): Promise<void> {
  const claims = verifyToken(token);
  if (!(await findSessionUser(claims))) throw invalidToken();
  if (claims.token_type === 'refresh' && !(await isRefreshTokenLive(token))) throw invalidToken();
}

/** Logout: the session of this refresh token ends, its access tokens included. */
export async function blacklist(token: string): Promise<void> {
  verifyToken(token, 'refresh');
  if (!(await endSession(token))) throw invalidToken();
}
