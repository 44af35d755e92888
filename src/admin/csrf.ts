// CSRF protection for every state-changing request of the admin site
// (csrf-csrf's double-submit cookie, bound to the session). The token rides in
// a hidden `_csrf` field of each form; a GET never changes anything.
import { createHmac, randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { config } from '../config';
import { SESSION_COOKIE } from './admin-session';

// Before login there is no session: a random browser id stands in for it, so
// the login form is protected too (login CSRF).
export const BROWSER_COOKIE = 'shop_admin_browser';
const secure = config.nodeEnv === 'production';
const secret = createHmac('sha256', config.auth.jwtSecret).update('admin-csrf').digest('base64url');

const sessionIdentifier = (req: Request): string => req.cookies?.[SESSION_COOKIE] ?? req.cookies?.[BROWSER_COOKIE] ?? '';

const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
  getSecret: () => secret,
  getSessionIdentifier: sessionIdentifier,
  cookieName: 'shop_admin_csrf',
  cookieOptions: { sameSite: 'strict', secure, httpOnly: true, path: '/admin' },
  getCsrfTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  errorConfig: { statusCode: 403, message: 'The form has expired or did not come from this site. Reload the page and try again.', code: 'csrf_invalid' },
});

export const csrfProtection: RequestHandler = doubleCsrfProtection;

/** Makes sure the browser has an id, and puts a token for this request's forms into the page data. */
export const csrfToken: RequestHandler = (req, res, next) => {
  if (!sessionIdentifier(req)) {
    const id = randomBytes(24).toString('base64url');
    res.cookie(BROWSER_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure, path: '/admin' });
    req.cookies = { ...req.cookies, [BROWSER_COOKIE]: id };
  }
  res.locals.csrfToken = generateCsrfToken(req, res);
  next();
};
