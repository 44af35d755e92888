// Storage of refresh tokens: only their SHA-256 digest is kept. Each login
// starts a family; every rotation stays in it, so a replayed token can take
// the whole family down.
import { randomUUID } from 'node:crypto';
import { db, type Db } from '../../lib/db';
import { issueToken, tokenDigest } from '../../lib/tokens';

export interface TokenPair {
  access: string;
  refresh: string;
}

export async function issueTokenPair(userId: number, familyId: string = randomUUID(), client: Db = db()): Promise<TokenPair> {
  const refresh = issueToken('refresh', userId);
  await client.refreshToken.create({
    data: { userId, jti: refresh.jti, tokenHash: tokenDigest(refresh.token), familyId, expiresAt: refresh.expiresAt },
  });
  return { access: issueToken('access', userId).token, refresh: refresh.token };
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

/** Returns false when the token was not live (already used, revoked or unknown). */
export async function revokeRefreshToken(token: string, client: Db = db()): Promise<boolean> {
  const { count } = await client.refreshToken.updateMany({
    where: { tokenHash: tokenDigest(token), usedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}

export async function revokeFamily(familyId: string, client: Db = db()): Promise<void> {
  await client.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function revokeAllRefreshTokens(userId: number, client: Db = db()): Promise<void> {
  await client.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
}
