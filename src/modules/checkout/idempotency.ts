// Idempotency-Key for order creation, kept in the database and written in the
// same transaction as the order, so a remembered answer exists exactly when
// the order does. A transaction-scoped advisory lock on (user, key) tells a
// retry that arrives while the first attempt still runs to come back later.
import { createHash } from 'node:crypto';
import type { Db } from '../../lib/db';
import { ConflictError, IdempotencyMismatchError } from '../../lib/errors';

const LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyClaim {
  userId: number;
  key: string;
  fingerprint: string;
}

export function fingerprint(operation: string, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([operation, body ?? null])).digest('hex');
}

/** The stored answer for a retry, or null when this is the first attempt (then `remember` must follow). */
export async function recall(tx: Db, claim: IdempotencyClaim): Promise<{ status: number; body: unknown } | null> {
  const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
    SELECT pg_try_advisory_xact_lock(${claim.userId}::int, hashtext(${claim.key})) AS locked`;
  if (!lock?.locked) {
    throw new ConflictError('A request with this Idempotency-Key is still being processed; retry shortly.', { code: 'idempotency_key_in_use' });
  }
  const stored = await tx.idempotencyKey.findUnique({ where: { userId_key: { userId: claim.userId, key: claim.key } } });
  if (!stored) return null;
  if (stored.expiresAt <= new Date()) {
    await tx.idempotencyKey.delete({ where: { id: stored.id } });
    return null;
  }
  if (stored.fingerprint !== claim.fingerprint) throw new IdempotencyMismatchError();
  return { status: stored.responseStatus, body: stored.responseBody };
}

export async function remember(tx: Db, claim: IdempotencyClaim, status: number, body: object): Promise<void> {
  const now = Date.now();
  // Expired keys of this user go on the way; nothing else has to sweep them.
  await tx.idempotencyKey.deleteMany({ where: { userId: claim.userId, expiresAt: { lte: new Date(now) } } });
  await tx.idempotencyKey.create({
    data: { ...claim, responseStatus: status, responseBody: body, expiresAt: new Date(now + LIFETIME_MS) },
  });
}
