// Users in the admin site: list and search, create, change, set a password,
// delete. Every form is checked by the API's schemas and every change goes
// through the users service, which keeps the rules (never lock yourself out)
// and writes the change log in the same transaction.
import { Router, type Response } from 'express';
import type { FieldErrors } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import { listCartItems } from '../modules/cart/cart.service';
import { listOrders } from '../modules/orders/orders.service';
import { adminUpdateUserBody, registerBody, setPasswordBody } from '../modules/users/users.schemas';
import * as users from '../modules/users/users.service';
import { staffViewer } from './admin.router';
import { adminActor, checkboxField, parseForm, pathId, refusal, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

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
}

interface UserPageState {
  values?: DetailsForm;
  errors?: FieldErrors;
  passwordErrors?: FieldErrors;
  notice?: string;
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
    values: state.values ?? { email: user.email, is_active: user.isActive, is_staff: user.isStaff },
    errors: state.errors ?? {},
    passwordErrors: state.passwordErrors ?? {},
    isSelf: user.id === res.locals.staff.id,
    orders,
    cartLines: cart.count,
    log,
    notice: state.notice,
  }, status);
}

async function showDeletePage(res: Response, id: number, errors: FieldErrors = {}, status = 200): Promise<void> {
  const user = await users.getUser(id);
  const orders = await listOrders(staffViewer(res.locals.staff), { user: id }, { skip: 0, take: 0 });
  render(res, 'users/delete', { title: `Delete user ${user.username}`, user: users.toAdminUser(user), orderCount: orders.count, isSelf: user.id === res.locals.staff.id, errors }, status);
}

export function usersSection(): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const q = textField(req.query.q).trim().slice(0, 254);
    const page = pageNumber(req.query.page);
    const { count, results } = await users.listUsers(pageRequestOf(page), { search: q || undefined });
    const pager = pagerOf(page, count);
    render(res, 'users/list', { title: 'Users', q, queryString, users: results, pager, notice: noticeOf(NOTICES, req.query.notice) }, listStatus(pager));
  });

  router.get('/new', (_req, res) => {
    render(res, 'users/new', { title: 'Add user', values: { username: '', email: '', is_staff: false, is_active: true }, errors: {} });
  });

  router.post('/new', async (req, res) => {
    const values = { username: textField(req.body.username), email: textField(req.body.email), is_staff: checkboxField(req.body.is_staff), is_active: checkboxField(req.body.is_active) };
    const form = parseForm(registerBody, { username: values.username, email: values.email, password: textField(req.body.password) });
    const fail = (errors: FieldErrors) => render(res, 'users/new', { title: 'Add user', values, errors }, 400);
    if (!form.ok) return fail(form.errors);
    try {
      const user = await users.createUser(form.value, { isStaff: values.is_staff, isActive: values.is_active }, adminActor(res));
      res.redirect(303, `/admin/users/${user.id}/?notice=created`);
    } catch (error) {
      fail(refusal(error));
    }
  });

  router.get('/:id', async (req, res) => {
    await showUser(res, pathId(req, NO_USER), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  router.post('/:id', async (req, res) => {
    const id = pathId(req, NO_USER);
    const values: DetailsForm = { email: textField(req.body.email), is_active: checkboxField(req.body.is_active), is_staff: checkboxField(req.body.is_staff) };
    const form = parseForm(adminUpdateUserBody, values);
    if (!form.ok) return showUser(res, id, { values, errors: form.errors }, 400);
    try {
      await users.adminUpdateUser(id, form.value, adminActor(res));
      res.redirect(303, `/admin/users/${id}/?notice=saved`);
    } catch (error) {
      await showUser(res, id, { values, errors: refusal(error) }, 400);
    }
  });

  router.post('/:id/password', async (req, res) => {
    const id = pathId(req, NO_USER);
    const form = parseForm(setPasswordBody, { password: textField(req.body.password), password2: textField(req.body.password2) });
    if (!form.ok) return showUser(res, id, { passwordErrors: form.errors }, 400);
    try {
      await users.setUserPassword(id, form.value.password, adminActor(res));
      res.redirect(303, `/admin/users/${id}/?notice=password`);
    } catch (error) {
      await showUser(res, id, { passwordErrors: refusal(error) }, 400);
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
      await showDeletePage(res, id, refusal(error), 400);
    }
  });

  return router;
}
