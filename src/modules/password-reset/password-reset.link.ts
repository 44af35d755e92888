// The link in a password reset mail, made when the mail is sent (so the
// outbox never holds a token) and only while the account is as it was when
// the reset was asked for: still active, same email, no password change or
// session end since (token_version). Otherwise the mail is not sent.
import { config } from '../../config';
import type { Db } from '../../lib/db';
import { encodeUid, ResetTokens } from './password-reset.token';

export const resetTokens = new ResetTokens(config.auth.jwtSecret, config.passwordReset.ttlSeconds);

export interface ResetMailData {
  issued_at: number;
  token_version: number;
}

/** The link and how many seconds it has left, or undefined when the mail must not go. */
export async function resetLink(
  client: Db,
  userId: number | null,
  toAddress: string,
  data: ResetMailData,
  template = config.passwordReset.url,
): Promise<{ link: string; secondsLeft: number } | undefined> {
  const secondsLeft = data.issued_at + resetTokens.ttlSeconds - Math.floor(Date.now() / 1000);
  // Without a whole issued_at, secondsLeft is NaN, which `<= 0` lets through: a mail with a link that never works.
  if (userId === null || !Number.isSafeInteger(data.issued_at) || secondsLeft <= 0) return undefined;
  const user = await client.user.findUnique({ where: { id: userId }, select: { id: true, passwordHash: true, tokenVersion: true, email: true, isActive: true } });
  if (!user?.isActive || user.tokenVersion !== data.token_version || user.email.toLowerCase() !== toAddress.toLowerCase()) return undefined;
  const token = resetTokens.make(user, data.issued_at);
  const link = template.replaceAll('{uid}', encodeURIComponent(encodeUid(user.id))).replaceAll('{token}', encodeURIComponent(token));
  return { link, secondsLeft };
}

/** "1 hour", "30 minutes": how long a reset link lasts, for the mail. */
export function validFor(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? '1 hour' : `${seconds / 3600} hours`;
  const minutes = Math.max(1, Math.round(seconds / 60));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
