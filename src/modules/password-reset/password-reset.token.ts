// Password reset tokens as Django's PasswordResetTokenGenerator makes them:
// no table, an HMAC over what a successful reset changes. The token is
// `<issued-at, base 36 seconds>-<HMAC-SHA256, base64url>` over the user's id,
// current password hash, token version and email and the issue time, keyed
// with a secret derived from JWT_SECRET. So it is single-use (the reset
// changes the hash), dies with any password change, deactivation or email
// change, and expires with its timestamp; the database never holds it.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The account state a token is bound to. */
export interface ResetSubject {
  id: number;
  passwordHash: string;
  tokenVersion: number;
  email: string;
}

const KEY_LABEL = 'shop-api password reset v1';

export class ResetTokens {
  readonly #key: Buffer;

  constructor(jwtSecret: string, readonly ttlSeconds: number) {
    // Its own key: a reset MAC can never be mistaken for a JWT signature.
    this.#key = createHmac('sha256', jwtSecret).update(KEY_LABEL).digest();
  }

  make(subject: ResetSubject, issuedAtSeconds: number): string {
    const stamp = issuedAtSeconds.toString(36);
    return `${stamp}-${this.#mac(subject, stamp)}`;
  }

  /** True when `token` was made for this account as it is now and has not expired. */
  check(subject: ResetSubject, token: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
    const match = /^([0-9a-z]{1,10})-([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return false;
    const [, stamp = '', mac = ''] = match;
    const issuedAt = parseInt(stamp, 36);
    // A token from the future was not made here (or the clock jumped back).
    if (issuedAt > nowSeconds + 60 || nowSeconds - issuedAt > this.ttlSeconds) return false;
    const expected = Buffer.from(this.#mac(subject, stamp));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(subject: ResetSubject, stamp: string): string {
    const message = [subject.id, subject.passwordHash, subject.tokenVersion, subject.email.toLowerCase(), stamp].join('\u0000');
    return createHmac('sha256', this.#key).update(message).digest('base64url');
  }
}

/** Django's `urlsafe_base64_encode(force_bytes(pk))`: the id's decimal digits, base64url without padding. */
export function encodeUid(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

/** The id in a uid, or undefined for anything encodeUid could not have made. */
export function decodeUid(uid: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(uid)) return undefined;
  const digits = Buffer.from(uid, 'base64url').toString('latin1');
  if (!/^[1-9][0-9]{0,9}$/.test(digits)) return undefined;
  const id = Number(digits);
  return id <= 2_147_483_647 && encodeUid(id) === uid ? id : undefined;
}
