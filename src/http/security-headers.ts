// Helmet's security headers, computed once. With no per-request values (no
// CSP nonces), helmet's answer depends on its options alone, so its dozen
// middlewares run once at start against a recorder, and each request gets the
// finished list in one pass.
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

export function securityHeaders(options: HelmetOptions): RequestHandler {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  };
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error;
  });
  const finished = [...headers];
  return (_req, res, next) => {
    for (const [name, value] of finished) res.setHeader(name, value);
    next();
  };
}
