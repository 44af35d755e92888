// Orders in the admin site: a list filtered by status and customer, newest
// first, and an order page whose buttons are exactly the status changes the
// rules allow staff. Changes go through the orders service (cancelling
// restocks once, under the same locks as the API) and into the change log.
import { Router } from 'express';
import { ConflictError, NotFoundError, UnavailableError } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import { ORDER_STATUSES, updateOrderBody, type OrderStatus } from '../modules/orders/orders.schemas';
import { allowedTransitions, changeOrderStatus, getOrder, listOrders } from '../modules/orders/orders.service';
import { cancelPreview, FulfilmentChangedError, fulfilmentBody, fulfilmentOf, saveFulfilment } from '../modules/orders/fulfilment.service';
import { paymentOfOrder } from '../modules/payments/payments.admin';
import type { StripeGateway } from '../modules/payments/stripe-gateway';
import { getUser } from '../modules/users/users.service';
import { staffViewer } from './admin.router';
import { adminActor, idFilter, parseForm, pathId, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf } from './list-page';
import { queryString, render } from './render';

const NOTICES = { changed: 'The order status was changed.', fulfilment: 'The tracking and the note were saved.' };
const NO_ORDER = 'No order matches the given query.';
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
    await showOrder(res, pathId(req, NO_ORDER), { notice: noticeOf(NOTICES, req.query.notice) });
  });

  // Cancelling asks first: the order page's cancel button GETs this page,
  // which says what goes back into stock and what is refunded, and whose
  // button POSTs the same change below.
  router.get('/:id/status', async (req, res) => {
    const id = pathId(req, NO_ORDER);
    if (textField(req.query.status) !== 'cancelled') return res.redirect(303, `/admin/orders/${id}/`);
    const staff = staffViewer(res.locals.staff);
    const [order, payment] = await Promise.all([getOrder(staff, id), paymentOfOrder(id)]);
    const cancellable = allowedTransitions(order.status, staff, order.user_id === staff.id).includes('cancelled');
    render(res, 'orders/confirm-cancel', { title: `Cancel order #${id}?`, order, cancellable, preview: cancelPreview(order, payment) }, cancellable ? 200 : 409);
  });

  router.post('/:id/status', async (req, res) => {
    const id = pathId(req, NO_ORDER);
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

  router.post('/:id/fulfilment', async (req, res) => {
    const id = pathId(req, NO_ORDER);
    const values = { tracking_number: textField(req.body.tracking_number), carrier: textField(req.body.carrier), staff_note: textField(req.body.staff_note) };
    // A refused form keeps the version it was loaded at, so fixing it cannot save over someone else's change.
    const version = textField(req.body.version);
    const form = parseForm(fulfilmentBody, values);
    if (!form.ok) return showOrder(res, id, { fulfilmentForm: { values, errors: form.errors, version } }, 400);
    try {
      await saveFulfilment(id, form.value, version, adminActor(res));
    } catch (error) {
      if (!(error instanceof FulfilmentChangedError)) throw error;
      return showOrder(res, id, { fulfilmentForm: { refused: values, errors: { non_field_errors: [error.message] } } }, 409);
    }
    res.redirect(303, `/admin/orders/${id}/?notice=fulfilment`);
  });

  router.get('/:id/packing-slip', async (req, res) => {
    const id = pathId(req, NO_ORDER);
    const [order, fulfilment] = await Promise.all([getOrder(staffViewer(res.locals.staff), id), fulfilmentOf(id)]);
    const units = order.items.reduce((sum, item) => sum + item.quantity, 0);
    render(res, 'orders/packing-slip', { title: `Packing slip, order #${id}`, order, fulfilment, units });
  });

  return router;
}

type FulfilmentValues = { tracking_number: string; carrier: string; staff_note: string };

interface OrderPageState {
  notice?: string;
  error?: string;
  fulfilmentForm?: {
    values?: FulfilmentValues;
    errors?: Record<string, string[]>;
    /** The version the form was loaded at; by default the current one. */
    version?: string;
    /** What staff entered in a form refused as stale: shown, not saved. */
    refused?: FulfilmentValues;
  };
}

async function showOrder(res: Parameters<typeof render>[0], id: number, state: OrderPageState, status = 200) {
  const staff = staffViewer(res.locals.staff);
  const order = await getOrder(staff, id);
  const [customer, history, payment, fulfilment] = await Promise.all([customerOf(order.user_id), changesOf('order', id), paymentOfOrder(id), fulfilmentOf(id)]);
  const actions = allowedTransitions(order.status, staff, order.user_id === staff.id);
  const { fulfilmentForm: form = {}, ...rest } = state;
  const fulfilmentForm = {
    values: form.values ?? { tracking_number: fulfilment.tracking_number ?? '', carrier: fulfilment.carrier ?? '', staff_note: fulfilment.staff_note },
    errors: form.errors ?? {},
    version: form.version ?? fulfilment.version,
    refused: form.refused,
  };
  render(res, 'orders/detail', { title: `Order #${order.id}`, order, customer, actions, history, payment, fulfilment, fulfilmentForm, ...rest }, status);
}
