// Hand-made tokens for the refusal tests: expired, tampered, unsigned, wrong key.
import jwt from 'jsonwebtoken';
import { config } from '../../src/config';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signWith(claims: object, options: { secret?: string; expiresIn?: number } = {}): string {
  return jwt.sign({ jti: 'a1b2c3', ...claims }, options.secret ?? config.auth.jwtSecret, {
    algorithm: 'HS256',
    expiresIn: options.expiresIn ?? 300,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
  });
}

export function unsignedToken(claims: object): string {
  const now = Math.floor(Date.now() / 1000);
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iat: now, exp: now + 300, jti: 'x', iss: config.auth.issuer, aud: config.auth.audience, ...claims })}.`;
}

export function tamper(token: string, changes: object): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  return `${header}.${base64url({ ...claims, ...changes })}.${signature}`;
}
