// SimpleJWT-shaped tokens: claims token_type, exp, iat, jti, user_id, plus iss
// and aud, and two of ours: `sid`, the session (the login's refresh family),
// so logging out ends that session's access tokens too, and `ver`, the user's
// token version, which a password change or deactivation raises so every
// older token dies. HS256 is pinned on both sides, so `alg: none` and tokens
// signed with another algorithm or key are refused.
import { createHash, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { config } from '../config';
import { AuthenticationError } from './errors';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  token_type: TokenType;
  user_id: number;
  jti: string;
  iat: number;
  exp: number;
  sid: string;
  ver: number;
}

/** Whom a token speaks for: a user, in one session, at one token version. */
export interface TokenSubject {
  userId: number;
  sessionId: string;
  tokenVersion: number;
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

const ALGORITHM = 'HS256';
/** Clocks of several servers differ a little; an `iat` further ahead is forged or broken. */
const IAT_LEEWAY_SECONDS = 30;
const MAX_USER_ID = 2_147_483_647; // users.id is int4
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const INVALID_TOKEN_MESSAGE = 'Given token not valid for any token type';

// The secret as a KeyObject, made once. Given a string, jsonwebtoken first
// tries to parse it as a PEM public key on every verify (createPublicKey,
// which throws) and only then makes the secret key: a tenth of an order's
// CPU in a profile of the orders bench.
let signingKey: { secret: string; key: KeyObject } | undefined;
function keyFor(secret: string): KeyObject {
  if (signingKey?.secret !== secret) signingKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return signingKey.key;
}

export function issueToken(type: TokenType, subject: TokenSubject): IssuedToken {
  const lifetime = type === 'access' ? config.auth.accessTokenSeconds : config.auth.refreshTokenSeconds;
  const jti = randomUUID();
  const claims = { token_type: type, user_id: subject.userId, sid: subject.sessionId, ver: subject.tokenVersion };
  const token = jwt.sign(claims, keyFor(config.auth.jwtSecret), {
    algorithm: ALGORITHM,
    expiresIn: lifetime,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    jwtid: jti,
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

const invalid = () => new AuthenticationError(INVALID_TOKEN_MESSAGE, 'token_not_valid');

/** Verifies signature, algorithm, expiry, issuer, audience, the claims' shapes and (if given) the type. */
export function verifyToken(token: string, expectedType?: TokenType): TokenClaims {
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, keyFor(config.auth.jwtSecret), {
      algorithms: [ALGORITHM],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      complete: true,
    });
  } catch {
    throw invalid();
  }
  // RFC 7515: a `crit` extension we do not understand makes the token invalid.
  if ('crit' in decoded.header) throw invalid();
  const claims = decoded.payload;
  if (typeof claims === 'string' || !hasValidClaims(claims, expectedType)) throw invalid();
  return claims as unknown as TokenClaims;
}

function hasValidClaims(claims: jwt.JwtPayload, expectedType?: TokenType): boolean {
  const now = Math.floor(Date.now() / 1000);
  const typeOk = expectedType ? claims.token_type === expectedType : claims.token_type === 'access' || claims.token_type === 'refresh';
  return (
    typeOk &&
    Number.isSafeInteger(claims.exp) &&
    Number.isSafeInteger(claims.iat) &&
    claims.iat! <= now + IAT_LEEWAY_SECONDS &&
    Number.isSafeInteger(claims.user_id) &&
    claims.user_id >= 1 &&
    claims.user_id <= MAX_USER_ID &&
    typeof claims.jti === 'string' &&
    typeof claims.sid === 'string' &&
    UUID.test(claims.sid) &&
    Number.isSafeInteger(claims.ver) &&
    claims.ver >= 0 &&
    claims.ver <= MAX_USER_ID
  );
}

/** Refresh tokens are stored as this digest only, never in plain text. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
