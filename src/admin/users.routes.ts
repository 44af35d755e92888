// Users in the admin site: list and search, create, change, set a password,
// delete, and change your own password. Every form is checked by the API's
// schemas and every change goes through the users service, which keeps the
// rules (only a superuser manages staff, never lock yourself out) and writes
// the change log in the same transaction. Pages offer only what the signed-in
// staff member may do; a stale or crafted form is refused by the service, and
// the refusal is shown on the page.
import { Router, type Request, type Response } from 'express';
import { unshippedOrdersOf } from '../modules/orders/fulfilment.service';
import { config } from '../config';
import { PermissionDeniedError, ThrottledError, type FieldErrors } from '../lib/errors';
import { authThrottles, type Throttle } from '../lib/throttle';
import { changesOf } from '../modules/audit/audit.service';
import { listCartItems } from '../modules/cart/cart.service';
import { listOrders } from '../modules/orders/orders.service';
import { adminUpdateUserBody, changeOwnPasswordBody, registerBody, setPasswordBody } from '../modules/users/users.schemas';
import * as users from '../modules/users/users.service';
import { closeSession, SESSION_COOKIE } from './admin-session';
import { staffViewer } from './admin.router';
import { adminActor, checkboxField, parseForm, pathId, refusal, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render, sortHeader } from './render';

const NOTICES = {
  created: 'The user was created.',
  saved: 'The changes were saved.',
  password: 'The password was changed, and every session of the user has ended.',
  deleted: 'The user was deleted; their orders are kept.',
};
const NO_USER = 'No user matches the given query.';
const ORDERS_SHOWN = 20;

interface DetailsForm {
  email: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
}

interface UserPageState {
  values?: DetailsForm;
  errors?: FieldErrors;
  passwordErrors?: FieldErrors;
  notice?: string;
}

type Account = Awaited<ReturnType<typeof users.getUser>>;

/**
 * What a user's page offers the signed-in staff member: a superuser manages
 * any account, ordinary staff customers' accounts and their own.
 */
function controlsFor(res: Response, user: Account) {
  const self = user.id === res.locals.staff.id;
  const superuser: boolean = res.locals.superuser;
  const manages = superuser || !user.isStaff;
  return { self, superuser, details: manages || self, roles: superuser, password: manages && !self, ownPassword: self, delete: manages && !self };
}

/**
 * A service's refusal as the page shows it: a rule only a superuser may break
 * is a 403 with its reason above the form, any other refusal a 400 (refusal()).
 */
function refusalOf(error: unknown): { errors: FieldErrors; status: number } {
  if (error instanceof PermissionDeniedError) return { errors: { non_field_errors: [error.message] }, status: 403 };
  return { errors: refusal(error), status: 400 };
}

/**
 * The staff and superuser checkboxes of the change form. The form marks that
 * it showed them (`roles`), so that an unticked box means "remove"; without
 * the mark (a form that did not offer them) a box counts only when ticked,
 * and the service decides whether the one sending it may.
 */
function rolesOf(req: Request): { is_staff?: boolean; is_superuser?: boolean } {
  const shown = req.body.roles === 'shown';
  const box = (name: 'is_staff' | 'is_superuser') => (shown || req.body[name] !== undefined ? checkboxField(req.body[name]) : undefined);
  return { is_staff: box('is_staff'), is_superuser: box('is_superuser') };
}

async function showUser(res: Response, id: number, state: UserPageState = {}, status = 200): Promise<void> {
  const user = await users.getUser(id);
  const [orders, cart, log] = await Promise.all([
    listOrders(staffViewer(res.locals.staff), { user: id }, { skip: 0, take: ORDERS_SHOWN }),
    listCartItems({ userId: id }, { skip: 0, take: 0 }),
    changesOf('user', id),
  ]);
  render(res, 'users/detail', {
    title: `User ${user.username}`,
    user: users.toAdminUser(user),
    values: state.values ?? { email: user.email, is_active: user.isActive, is_staff: user.isStaff, is_superuser: user.isSuperuser },
    errors: state.errors ?? {},
    passwordErrors: state.passwordErrors ?? {},
    can: controlsFor(res, user),
    isSelf: user.id === res.locals.staff.id,
    orders,
    cartLines: cart.count,
    log,
    notice: state.notice,
  }, status);
}

async function showDeletePage(res: Response, id: number, errors: FieldErrors = {}, status = 200): Promise<void> {
  const user = await users.getUser(id);
  const [orders, unshippedOrders] = await Promise.all([
    listOrders(staffViewer(res.locals.staff), { user: id }, { skip: 0, take: 0 }),
    unshippedOrdersOf(id),
  ]);
  render(res, 'users/delete', {
    title: `Delete user ${user.username}`, user: users.toAdminUser(user), orderCount: orders.count, unshippedOrders,
    isSelf: user.id === res.locals.staff.id, can: controlsFor(res, user), errors,
  }, status);
}

/**
 * Staff changing their own password: the current one first, as the API's
 * PATCH /api/users/me/ asks (the same service, budget and rules). It ends
 * every session of theirs, this one included, so the answer is a page that
 * says so, not the admin page they came from.
 */
async function changeOwnPassword(req: Request, res: Response, id: number, passwordChecks: Throttle): Promise<void> {
  const form = parseForm(changeOwnPasswordBody, {
    current_password: textField(req.body.current_password), password: textField(req.body.password), password2: textField(req.body.password2),
  });
  if (!form.ok) return showUser(res, id, { passwordErrors: form.errors }, 400);
  try {
    await users.updateMe(id, { password: form.value.password, current_password: form.value.current_password }, passwordChecks);
  } catch (error) {
    if (!(error instanceof ThrottledError)) return showUser(res, id, { passwordErrors: refusal(error) }, 400);
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    return showUser(res, id, { passwordErrors: { current_password: [`Too many attempts. Try again in ${error.retryAfterSeconds} seconds.`] } }, 429);
  }
  await closeSession(req.cookies?.[SESSION_COOKIE]);
  res.clearCookie(SESSION_COOKIE, { path: '/admin' });
  res.locals.staff = undefined;
  render(res, 'users/password-changed', { title: 'Password changed' });
}

/**
 * `passwordChecks` budgets wrong current passwords per user; pass the API's
 * (throttles.currentPassword) so both spend one budget. The default shares it
 * only through Redis (the same keys), not in memory.
 */
export function usersSection(passwordChecks: Throttle = authThrottles(config).currentPassword): Router {
  const router = Router();
  router.use(async (_req, res, next) => {
    res.locals.superuser = await users.managesStaff(res.locals.staff.id);
    next();
  });

  router.get('/', async (req, res) => {
    const q = textField(req.query.q).trim().slice(0, 254);
    const page = pageNumber(req.query.page);
    const rawSort = textField(req.query.sort);
    const sort = (users.USER_SORTS as readonly string[]).includes(rawSort) ? (rawSort as users.UserSort) : undefined;
    const { count, results } = await users.listUsers(pageRequestOf(page), { search: q || undefined, sort });
    const pager = pagerOf(page, count);
    render(res, 'users/list', { title: 'Users', q, sort, queryString, sortHeader, users: results, pager, notice: noticeOf(NOTICES, req.query.notice) }, listStatus(pager));
  });

  router.get('/new', (_req, res) => {
    render(res, 'users/new', { title: 'Add user', values: { username: '', email: '', is_staff: false, is_superuser: false, is_active: true }, errors: {} });
  });

  router.post('/new', async (req, res) => {
    const values = {
      username: textField(req.body.username), email: textField(req.body.email),
      is_staff: checkboxField(req.body.is_staff), is_superuser: checkboxField(req.body.is_superuser), is_active: checkboxField(req.body.is_active),
    };
    const form = parseForm(registerBody, { username: values.username, email: values.email, password: textField(req.body.password) });
    const fail = ({ errors, status }: { errors: FieldErrors; status: number }) => render(res, 'users/new', { title: 'Add user', values, errors }, status);
    if (!form.ok) return fail({ errors: form.errors, status: 400 });
    try {
      const user = await users.createUser(form.value, { isStaff: values.is_staff, isSuperuser: values.is_superuser, isActive: values.is_active }, adminActor(res));
      res.redirect(303, `/admin/users/${user.id}/?notice=created`);
    } catch (error) {
      fail(refusalOf(error));
    }
  });

  router.get('/:id', async (req, res) => {
    await showUser(res, pathId(req, NO_USER), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  router.post('/:id', async (req, res) => {
    const id = pathId(req, NO_USER);
    const roles = rolesOf(req);
    const input = { email: textField(req.body.email), is_active: checkboxField(req.body.is_active), ...roles };
    const values: DetailsForm = { ...input, is_staff: roles.is_staff ?? false, is_superuser: roles.is_superuser ?? false };
    const form = parseForm(adminUpdateUserBody, input);
    if (!form.ok) return showUser(res, id, { values, errors: form.errors }, 400);
    try {
      await users.adminUpdateUser(id, form.value, adminActor(res));
      res.redirect(303, `/admin/users/${id}/?notice=saved`);
    } catch (error) {
      const { errors, status } = refusalOf(error);
      await showUser(res, id, { values, errors }, status);
    }
  });

  router.post('/:id/password', async (req, res) => {
    const id = pathId(req, NO_USER);
    if (id === res.locals.staff.id) return changeOwnPassword(req, res, id, passwordChecks);
    const form = parseForm(setPasswordBody, { password: textField(req.body.password), password2: textField(req.body.password2) });
    if (!form.ok) return showUser(res, id, { passwordErrors: form.errors }, 400);
    try {
      await users.setUserPassword(id, form.value.password, adminActor(res));
      res.redirect(303, `/admin/users/${id}/?notice=password`);
    } catch (error) {
      const { errors, status } = refusalOf(error);
      await showUser(res, id, { passwordErrors: errors }, status);
    }
  });

  router.get('/:id/delete', async (req, res) => {
    await showDeletePage(res, pathId(req, NO_USER));
  });

  router.post('/:id/delete', async (req, res) => {
    const id = pathId(req, NO_USER);
    try {
      await users.deleteUser(id, adminActor(res));
      res.redirect(303, '/admin/users/?notice=deleted');
    } catch (error) {
      const { errors, status } = refusalOf(error);
      await showDeletePage(res, id, errors, status);
    }
  });

  return router;
}
