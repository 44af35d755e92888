// The admin site at /admin/: server-rendered pages for staff, on the same
// services as the API. Order matters: the session is read first, a query
// string holding a NUL is refused next, every page but the login needs a staff
// session, bodies are parsed only after that, and every POST must carry the
// form's CSRF token. Form fields are checked for NULs by parseForm.
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import multer from 'multer';
import { config, type Config } from '../config';
import { AuthenticationError, NotFoundError, ServerBusyError, ThrottledError, type FieldErrors } from '../lib/errors';
import type { AuthThrottles } from '../lib/throttle';
import { recentChanges } from '../modules/audit/audit.service';
import { checkCredentialsWithinBudget } from '../modules/auth/auth.service';
import { listOrders } from '../modules/orders/orders.service';
import { paymentCounts } from '../modules/payments/payments.admin';
import { customersOf, dashboardCounts, salesPerDay, salesSummary, topProducts } from '../modules/reports/reports.service';
import { closeSession, findSession, openSession, SESSION_COOKIE, SESSION_HOURS } from './admin-session';
import { csrfProtection, csrfToken } from './csrf';
import { readMultipart } from './form-upload';
import { databaseTrouble } from '../http/database-errors';
import { nullCharacterErrors } from '../http/null-characters';
import { refuseNullCharactersInQuery } from './null-characters';
import { render } from './render';
import { salesChartSvg } from './sales-chart';

const STAFF_ONLY = 'Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.';
const secure = config.nodeEnv === 'production';

/**
 * Where to go after login: only a path inside the admin site, never another
 * origin (it starts with `/admin/`, so it is never `//host` or a scheme, and
 * holds no backslash, space or control character). The URL's other characters
 * (`+` in a search, `:` `@` `,` ...) are kept, so a bookmarked list still opens.
 */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/admin\/[\w\-/?=&.%+,;:@!*()~'$]*$/.test(next) ? next : '/admin/');

const loadStaff: RequestHandler = async (req, res, next) => {
  const session = await findSession(req.cookies?.[SESSION_COOKIE]);
  res.locals.staff = session?.user;
  res.locals.sessionId = session?.id;
  next();
};

/**
 * cookie-parser turns a value starting with `j:` into parsed JSON (an object,
 * a number...). The admin's cookies are only ever plain strings, so anything
 * else is dropped here, as if it had not been sent.
 */
const plainCookies: RequestHandler = (req, _res, next) => {
  for (const [name, value] of Object.entries(req.cookies ?? {})) if (typeof value !== 'string') delete req.cookies[name];
  next();
};

const requireStaff: RequestHandler = (req, res, next) => {
  if (res.locals.staff) return next();
  if (req.method === 'GET') return res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
  res.redirect(303, '/admin/login');
};

/** The signed-in staff member as the services' viewer: staff see every order. */
export const staffViewer = (staff: { id: number; username: string }) => ({ id: staff.id, username: staff.username, isStaff: true });

export interface AdminSections {
  /** Routers for each section (products, orders, users, cart, log), mounted after the guard. */
  [path: string]: Router;
}

/** What the dashboard reads from the app's configuration. */
export type DashboardSettings = Pick<Config, 'admin' | 'payments'>;

export function adminRouter(throttles: AuthThrottles, sections: AdminSections = {}, settings: DashboardSettings = config): Router {
  const router = Router();
  router.use('/static', express.static(path.join(__dirname, 'static'), { index: false, maxAge: '1h', fallthrough: false }));
  router.use(cookieParser(), plainCookies, loadStaff, (_req, res, next) => {
    // Admin pages are personal and change with every action: never cached.
    res.setHeader('Cache-Control', 'no-store');
    next();
  }, refuseNullCharactersInQuery);

  router.get('/login', csrfToken, (req, res) => {
    if (res.locals.staff) return res.redirect(303, safeNext(req.query.next));
    render(res, 'login', { title: 'Log in', next: safeNext(req.query.next), errors: {} });
  });
  router.post('/login', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), csrfProtection, csrfToken, async (req, res) => {
    const username = typeof req.body.username === 'string' ? req.body.username.trim() : '';
    const password = typeof req.body.password === 'string' ? req.body.password : '';
    const next = safeNext(req.body.next);
    const fail = (message: string | undefined, status: number, errors: FieldErrors = {}) => render(res, 'login', { title: 'Log in', next, username, error: message, errors }, status);
    const withNull = nullCharacterErrors({ username, password });
    if (withNull) return fail(undefined, 400, withNull);
    if (!username || !password) return fail('Enter a username and a password.', 400);
    try {
      await throttles.perIp.spend(ipKeyGenerator(req.ip ?? 'unknown'));
      const user = await checkCredentialsWithinBudget(username, password, throttles.loginFailures);
      if (!user.isStaff) return fail(STAFF_ONLY, 401);
      // A login replaces the session it was made in (a form left open from another account): the old one ends.
      await closeSession(req.cookies?.[SESSION_COOKIE]);
      const session = await openSession(user);
      res.cookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'strict', secure, path: '/admin', maxAge: SESSION_HOURS * 3_600_000 });
      res.redirect(303, next);
    } catch (error) {
      if (error instanceof AuthenticationError) return fail(STAFF_ONLY, 401);
      if (error instanceof ThrottledError) {
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
        return fail(`Too many attempts. Try again in ${error.retryAfterSeconds} seconds.`, 429);
      }
      if (error instanceof ServerBusyError) return fail('The server is busy; try again in a moment.', 503);
      throw error;
    }
  });

  router.use(requireStaff);
  // Forms may carry one image; parsed only for staff, before the CSRF check reads the token.
  router.use(
    readMultipart,
    express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }),
    csrfProtection,
    csrfToken,
  );

  router.post('/logout', async (req, res) => {
    await closeSession(req.cookies?.[SESSION_COOKIE]);
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  router.get('/', async (_req, res) => {
    const lowStockLimit = settings.admin.lowStockThreshold;
    const [counts, latest, sales, summary, top, log, payments] = await Promise.all([
      dashboardCounts(lowStockLimit),
      listOrders(staffViewer(res.locals.staff), {}, { skip: 0, take: 10 }),
      salesPerDay(30),
      salesSummary(),
      topProducts(5),
      recentChanges(10),
      paymentCounts(),
    ]);
    const customers = await customersOf(latest.results.map((o) => o.user_id));
    render(res, 'dashboard', {
      title: 'Dashboard', counts, lowStockLimit, latest: latest.results, customers, sales, summary, top,
      currency: settings.payments.currency.toUpperCase(), chart: salesChartSvg(sales), log, payments,
    });
  });

  for (const [mount, section] of Object.entries(sections)) router.use(mount, section);

  router.use((_req, res) => render(res, 'error', { title: 'Not found', message: 'There is no such page in the admin site.' }, 404));
  router.use(adminErrors);
  return router;
}

export const adminErrors: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  if (error?.code === 'csrf_invalid') return render(res, 'error', { title: 'Forbidden', message: error.message }, 403);
  if (error instanceof NotFoundError) return render(res, 'error', { title: 'Not found', message: error.message }, 404);
  // Too many parts or files, a file in a field other than the image's: an image too large is the form's own error.
  if (error instanceof multer.MulterError) return render(res, 'error', { title: 'Bad request', message: 'The form could not be read.' }, 400);
  const status = Number(error?.status ?? error?.statusCode);
  if (status === 404) return render(res, 'error', { title: 'Not found', message: 'There is no such page in the admin site.' }, 404);
  if (status >= 400 && status < 500) return render(res, 'error', { title: 'Bad request', message: 'The request could not be read.' }, status);
  // The same outages the API answers 503 for: a page that says so, not a 500.
  const trouble = error instanceof ServerBusyError ? 'busy' : databaseTrouble(error);
  if (trouble) {
    req.log?.warn({ err: error }, 'admin page unavailable');
    res.setHeader('Retry-After', trouble === 'busy' ? '1' : '5');
    const message = trouble === 'busy' ? 'The server is busy; try again in a moment.' : 'The shop cannot reach its database right now. Try again in a few seconds.';
    return render(res, 'error', { title: 'Temporarily unavailable', message }, 503);
  }
  req.log?.error({ err: error }, 'admin error');
  render(res, 'error', { title: 'Server error', message: 'Something went wrong; it has been logged.' }, 500);
};
