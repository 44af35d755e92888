// Storage of refresh tokens: only their SHA-256 digest is kept. Each login
// starts a family, which is the session: every rotation stays in it, a
// replayed token takes the whole family down, and logging out revokes it. A
// session is live while its family has a token that is not revoked.
import { randomUUID } from 'node:crypto';
import { db, type Db } from '../../lib/db';
import { issueToken, tokenDigest } from '../../lib/tokens';

export interface TokenPair {
  access: string;
  refresh: string;
}

export interface TokenOwner {
  id: number;
  tokenVersion: number;
}

export async function issueTokenPair(user: TokenOwner, familyId: string = randomUUID(), client: Db = db()): Promise<TokenPair> {
  const subject = { userId: user.id, sessionId: familyId, tokenVersion: user.tokenVersion };
  const refresh = issueToken('refresh', subject);
  await client.refreshToken.create({
    data: { userId: user.id, jti: refresh.jti, tokenHash: tokenDigest(refresh.token), familyId, expiresAt: refresh.expiresAt },
  });
  return { access: issueToken('access', subject).token, refresh: refresh.token };
}

export type SpendResult = { status: 'spent'; familyId: string } | { status: 'reused'; familyId: string } | { status: 'unknown' };

/**
 * Marks a live refresh token as used, atomically: of two concurrent spends of
 * the same token only one succeeds; the other is seen as reuse.
 */
export async function spendRefreshToken(token: string, client: Db = db()): Promise<SpendResult> {
  const tokenHash = tokenDigest(token);
  const now = new Date();
  const { count } = await client.refreshToken.updateMany({
    where: { tokenHash, usedAt: null, revokedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  const row = await client.refreshToken.findUnique({ where: { tokenHash }, select: { familyId: true } });
  if (!row) return { status: 'unknown' };
  return count === 1 ? { status: 'spent', familyId: row.familyId } : { status: 'reused', familyId: row.familyId };
}

export async function isRefreshTokenLive(token: string, client: Db = db()): Promise<boolean> {
  const row = await client.refreshToken.findFirst({
    where: { tokenHash: tokenDigest(token), usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true },
  });
  return row !== null;
}

/**
 * Logout: if `token` is live, its whole session (family) is revoked, which
 * ends the session's access tokens too. Returns false when it was not live.
 */
export async function endSession(token: string, client: Db = db()): Promise<boolean> {
  const revoked = await client.$executeRaw`
    UPDATE refresh_tokens SET revoked_at = now()
    WHERE revoked_at IS NULL AND family_id = (
      SELECT family_id FROM refresh_tokens
      WHERE token_hash = ${tokenDigest(token)} AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now())`;
  return revoked > 0;
}

export async function revokeFamily(familyId: string, client: Db = db()): Promise<void> {
  await client.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/**
 * Ends every session of a user, access tokens included: the token version
 * goes up (so no token issued before, even by a refresh racing this, is
 * accepted again) and the refresh tokens are revoked.
 */
export async function endAllSessions(userId: number, client: Db): Promise<void> {
  await client.user.updateMany({ where: { id: userId }, data: { tokenVersion: { increment: 1 } } });
  await client.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
}
