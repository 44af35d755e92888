// SimpleJWT-shaped tokens: claims token_type, exp, iat, jti, user_id, plus iss
// and aud. HS256 is pinned on both sides, so `alg: none` and tokens signed
// with another algorithm or key are refused.
import { createHash, randomUUID } from 'node:crypto';
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
}

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

const ALGORITHM = 'HS256';
export const INVALID_TOKEN_MESSAGE = 'Given token not valid for any token type';

export function issueToken(type: TokenType, userId: number): IssuedToken {
  const lifetime = type === 'access' ? config.auth.accessTokenSeconds : config.auth.refreshTokenSeconds;
  const jti = randomUUID();
  const token = jwt.sign({ token_type: type, user_id: userId }, config.auth.jwtSecret, {
    algorithm: ALGORITHM,
    expiresIn: lifetime,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    jwtid: jti,
  });
  const { exp } = jwt.decode(token) as { exp: number };
  return { token, jti, expiresAt: new Date(exp * 1000) };
}

/** Verifies signature, algorithm, expiry, issuer, audience and (if given) the type. */
export function verifyToken(token: string, expectedType?: TokenType): TokenClaims {
  let claims: jwt.JwtPayload;
  try {
    const decoded = jwt.verify(token, config.auth.jwtSecret, {
      algorithms: [ALGORITHM],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
    });
    if (typeof decoded === 'string') throw new Error('unexpected string payload');
    claims = decoded;
  } catch {
    throw new AuthenticationError(INVALID_TOKEN_MESSAGE, 'token_not_valid');
  }
  const typeOk = expectedType ? claims.token_type === expectedType : ['access', 'refresh'].includes(claims.token_type);
  if (!typeOk || !Number.isSafeInteger(claims.user_id) || typeof claims.jti !== 'string') {
    throw new AuthenticationError(INVALID_TOKEN_MESSAGE, 'token_not_valid');
  }
  return claims as TokenClaims;
}

/** Refresh tokens are stored as this digest only, never in plain text. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
