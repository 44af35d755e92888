import type { RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Throttle } from '../lib/throttle';

/**
 * Per-IP limit for the credential endpoints, spent by every request (one
 * budget across them all). IPv6 clients are counted per /56 network, as
 * express-rate-limit does, since one host usually holds a whole block.
 * Over budget, the error handler answers 429 with Retry-After.
 */
export function authRateLimiter(perIp: Throttle): RequestHandler {
  if (!perIp.enabled) return (_req, _res, next) => next();
  return async (req, _res, next) => {
    await perIp.spend(ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown'));
    next();
  };
}
