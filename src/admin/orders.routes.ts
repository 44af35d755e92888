// Orders in the admin site: a list filtered by status and customer, newest
// first, and an order page whose buttons are exactly the status changes the
// rules allow staff. Changes go through the orders service (cancelling
// restocks once, under the same locks as the API) and into the change log.
import { Router } from 'express';
import { ConflictError, NotFoundError, UnavailableError } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import { ORDER_STATUSES, updateOrderBody, type OrderStatus } from '../modules/orders/orders.schemas';
import { allowedTransitions, changeOrderStatus, getOrder, listOrders } from '../modules/orders/orders.service';
import { paymentOfOrder } from '../modules/payments/payments.admin';
import type { StripeGateway } from '../modules/payments/stripe-gateway';
import { getUser } from '../modules/users/users.service';
import { staffViewer } from './admin.router';
import { adminActor, idFilter, parseForm, pathId, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

const NOTICES = { changed: 'The order status was changed.' };
const isStatus = (value: string): value is OrderStatus => (ORDER_STATUSES as readonly string[]).includes(value);

async function customerOf(userId: number | null) {
  if (userId === null) return null;
  return getUser(userId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
}

export function ordersSection(gateway?: StripeGateway): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const status = textField(req.query.status);
    const user = textField(req.query.user).trim();
    const page = pageNumber(req.query.page);
    const filter = { status: isStatus(status) ? status : undefined, user: idFilter(user) };
    const { count, results } = await listOrders(staffViewer(res.locals.staff), filter, pageRequestOf(page));
    const pager = pagerOf(page, count);
    render(res, 'orders/list', { title: 'Orders', statuses: ORDER_STATUSES, status: filter.status ?? '', user, orders: results, pager, queryString }, listStatus(pager));
  });

  router.get('/:id', async (req, res) => {
    await showOrder(res, pathId(req, 'No order matches the given query.'), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  router.post('/:id/status', async (req, res) => {
    const id = pathId(req, 'No order matches the given query.');
    // The buttons send one of the statuses; anything else (a NUL, a made-up status) is refused as the API refuses it.
    const form = parseForm(updateOrderBody, { status: textField(req.body.status) });
    if (!form.ok) return showOrder(res, id, { error: Object.values(form.errors).flat().join(' ') }, 400);
    try {
      await changeOrderStatus(staffViewer(res.locals.staff), id, form.value.status, { actor: adminActor(res), gateway });
    } catch (error) {
      // Stripe down or refusing a refund: the order stays as it was, and the page says why.
      if (error instanceof UnavailableError) return showOrder(res, id, { error: error.message }, 503);
      if (!(error instanceof ConflictError)) throw error;
      return showOrder(res, id, { error: error.message }, 409);
    }
    res.redirect(303, `/admin/orders/${id}/?notice=changed`);
  });

  return router;
}

async function showOrder(res: Parameters<typeof render>[0], id: number, extra: Record<string, unknown>, status = 200) {
  const staff = staffViewer(res.locals.staff);
  const order = await getOrder(staff, id);
  const [customer, history, payment] = await Promise.all([customerOf(order.user_id), changesOf('order', id), paymentOfOrder(id)]);
  const actions = allowedTransitions(order.status, staff, order.user_id === staff.id);
  render(res, 'orders/detail', { title: `Order #${order.id}`, order, customer, actions, history, payment, ...extra }, status);
}
