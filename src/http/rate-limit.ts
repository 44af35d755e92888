import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpError } from './errors';

/**
 * Per-IP limit for the credential endpoints. `0` turns it off (load tests).
 * The counters live in process memory: behind several instances, give each
 * the share of the budget it should allow, or move to a shared store.
 */
export function authRateLimiter(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Retry-After is set by the library before this runs.
    handler: (_req, _res, next) => next(new HttpError(429, 'Request was throttled. Try again later.')),
  });
}
