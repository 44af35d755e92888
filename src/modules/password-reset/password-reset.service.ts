// Password reset: asking for a link, and setting a new password with one.
// The token is an HMAC over the account's state (password-reset.token.ts),
// so there is no table: the outbox row says when the reset was asked for,
// the mail worker makes the link, and a successful reset changes the state
// the token was made over, which is what makes it single-use.
import { db, type Prisma } from '../../lib/db';
import { DomainError, ValidationError } from '../../lib/errors';
import { hashPassword } from '../../lib/password';
import type { Throttle } from '../../lib/throttle';
import { endAllSessions } from '../auth/refresh-tokens';
import { queueAccountMail } from '../mail/mail.outbox';
import { PASSWORD_TOO_SIMILAR, passwordField, passwordTooSimilar } from '../users/users.schemas';
import { resetTokens } from './password-reset.link';
import type { ResetConfirmInput } from './password-reset.schemas';
import { decodeUid } from './password-reset.token';

/** A wrong, malformed, used or expired link, or one the account has outgrown (400). */
export class ResetTokenInvalidError extends DomainError {
  readonly code = 'reset_token_invalid';
  constructor() {
    super('The password reset link is invalid: it may have been used already, have expired, or the account changed since. Ask for a new one.');
  }
}

/**
 * Queues a reset mail if an active account uses `email`. The work is the
 * same whatever the address (one budget spent, one INSERT ... SELECT that
 * may insert nothing), so neither the answer nor its time tells whether the
 * account exists. The token is made when the mail is sent, never stored.
 */
export async function requestPasswordReset(email: string, perEmail: Throttle): Promise<void> {
  await perEmail.spend(email.toLowerCase());
  const issuedAt = Math.floor(Date.now() / 1000);
  await queueAccountMail(db(), 'password_reset', { email }, { issued_at: issuedAt }, { activeOnly: true });
}

/** What a token is made over, and what the new password is compared with. */
const resetSubject = { id: true, passwordHash: true, tokenVersion: true, email: true, username: true } satisfies Prisma.UserSelect;

/**
 * Sets the password of the account the link was made for, ends every session
 * of it and mails that the password changed. The token is checked (a cheap
 * HMAC) before any bcrypt work, and the new password after it, so a dead
 * link is reported first and the username similarity is only ever checked
 * for someone holding a valid link.
 */
export async function confirmPasswordReset(input: ResetConfirmInput): Promise<void> {
  const id = decodeUid(input.uid);
  const user = id === undefined ? null : await db().user.findFirst({ where: { id, isActive: true }, select: resetSubject });
  if (!user || !resetTokens.check(user, input.token)) throw new ResetTokenInvalidError();
  refuseWeakPassword(input.new_password, user.username, user.email);
  const passwordHash = await hashPassword(input.new_password);
  await db().$transaction(async (tx) => {
    // Only if the account is still as the token was checked against: of two
    // confirms racing with one token (or a reset racing a password or email
    // change), one wins and the other finds a dead link.
    const { count } = await tx.user.updateMany({
      where: { id: user.id, isActive: true, passwordHash: user.passwordHash, tokenVersion: user.tokenVersion, email: user.email },
      data: { passwordHash },
    });
    if (count === 0) throw new ResetTokenInvalidError();
    await endAllSessions(user.id, tx);
    await queueAccountMail(tx, 'password_changed', { userId: user.id }, { how: 'with a reset link' });
  });
}

/** Registration's rules (passwordField, then similarity), reported under `new_password`. */
function refuseWeakPassword(password: string, username: string, email: string): void {
  const rules = passwordField.safeParse(password);
  const problems = rules.success ? [] : rules.error.issues.map((issue) => issue.message);
  if (problems.length === 0 && passwordTooSimilar(password, username, email)) problems.push(PASSWORD_TOO_SIMILAR);
  if (problems.length > 0) throw new ValidationError('Invalid input: new_password.', { new_password: problems });
}
