// Orders in the admin site: the list as a work queue (search, filters, sorts,
// bulk status changes, a CSV export), and an order page whose buttons are
// exactly the status changes the rules allow staff. Changes go through the
// orders service (cancelling restocks once, under the same locks as the API)
// and into the change log.
import { Router, type Request, type Response } from 'express';
import { config } from '../config';
import { ConflictError, NotFoundError, UnavailableError, type FieldErrors } from '../lib/errors';
import { changesOf } from '../modules/audit/audit.service';
import * as queue from '../modules/orders/orders.admin';
import { ORDER_STATUSES, updateOrderBody, type OrderStatus } from '../modules/orders/orders.schemas';
import { allowedTransitions, changeOrderStatus, getOrder } from '../modules/orders/orders.service';
import { cancelPreview, FulfilmentChangedError, fulfilmentBody, fulfilmentOf, saveFulfilment } from '../modules/orders/fulfilment.service';
import { paymentOfOrder } from '../modules/payments/payments.admin';
import type { StripeGateway } from '../modules/payments/stripe-gateway';
import { getUser } from '../modules/users/users.service';
import { staffViewer } from './admin.router';
import { adminActor, idFilter, parseForm, pathId, textField } from './form-input';
import { listStatus, noticeOf, pageNumber, pageRequestOf, pagerOf, type Pager } from './list-page';
import { writeOrdersCsv } from './orders-export';
import { queryString, render } from './render';

const NOTICES = { changed: 'The order status was changed.', fulfilment: 'The tracking and the note were saved.' };
const NO_ORDER = 'No order matches the given query.';

async function customerOf(userId: number | null) {
  if (userId === null) return null;
  return getUser(userId).catch((error: unknown) => {
    if (error instanceof NotFoundError) return null;
    throw error;
  });
}

const CURRENCY = config.payments.currency.toUpperCase();

/** The list's parameters, in the order every link of the list keeps them. */
const LIST_FIELDS = ['q', 'status', 'payment', 'from', 'to', 'user', 'sort'] as const;
type ListFields = Record<(typeof LIST_FIELDS)[number], string>;

const SORTABLE: Record<queue.OrderSort, string> = {
  id: 'Order', customer: 'Customer', email: 'Email', city: 'City', country: 'Country',
  status: 'Status', payment: 'Payment', total: 'Total', created_at: 'Placed',
};
const PAYMENT_LABELS: Record<queue.PaymentState, string> = {
  none: 'none', pending: 'card payment pending', paid: 'paid by card', refund_pending: 'refund pending',
  refund_failed: 'refund failed', refunded: 'refunded', cancelled: 'card payment cancelled',
};
const BULK_TARGETS: Record<string, OrderStatus> = { paid: 'paid', shipped: 'shipped' };

/** A column's header link: ascending first, then the reverse; the default (newest first) reverses `created_at`. */
const nextSort = (column: string, current: string) => (current === column ? `-${column}` : column);

/** The list's fields as given; `?view=to-ship` is paid orders, oldest first, unless the query says otherwise. */
function listFieldsOf(query: Record<string, unknown>): ListFields {
  const fields = Object.fromEntries(LIST_FIELDS.map((name) => [name, textField(query[name]).trim().slice(0, 200)])) as ListFields;
  if (query.view === 'to-ship') {
    fields.status ||= 'paid';
    fields.sort ||= 'created_at';
  }
  return fields;
}

type ListQuery = { ok: true; filter: queue.AdminOrderFilter; sort?: string } | { ok: false; errors: FieldErrors };

function listQueryOf(fields: ListFields): ListQuery {
  const given = Object.fromEntries(Object.entries(fields).filter(([name, value]) => value !== '' && name !== 'user'));
  const parsed = parseForm(queue.adminOrderQuery, given);
  if (!parsed.ok) return parsed;
  const { sort, ...filter } = parsed.value;
  return { ok: true, filter: { ...filter, user: idFilter(fields.user) }, sort };
}

/** "3 h", "2 d": how long the order has waited. */
function ageOf(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

interface ListState {
  errors: FieldErrors;
  orders: queue.AdminOrderRow[];
  pager: Pager;
}

function renderList(res: Response, fields: ListFields, state: ListState, status: number) {
  const filtered = LIST_FIELDS.some((name) => name !== 'sort' && fields[name] !== '');
  const toShip = fields.status === 'paid' && fields.sort === 'created_at';
  render(res, 'orders/list', {
    title: toShip ? 'Orders to ship' : 'Orders', fields, filtered, toShip, ...state, statuses: ORDER_STATUSES, paymentStates: queue.PAYMENT_STATES, paymentLabels: PAYMENT_LABELS,
    sortable: SORTABLE, sort: fields.sort || '-created_at', nextSort, currency: CURRENCY, ageOf, now: Date.now(), queryString,
  }, status);
}

/** The ticked orders' ids: anything that is not one is dropped, each id once. */
function idsOf(raw: unknown): number[] {
  const values = Array.isArray(raw) ? raw : [raw];
  return [...new Set(values.map((value) => idFilter(textField(value))).filter((id): id is number => Boolean(id)))];
}

/** Back to the list as it was (its filters and page), rebuilt from the known fields only. */
function listHrefOf(raw: unknown): string {
  const params = Object.fromEntries(new URLSearchParams(textField(raw)));
  const page = pageNumber(params.page);
  return `/admin/orders/${queryString({ ...listFieldsOf(params), page: page > 1 ? page : undefined })}`;
}

function renderBulkResult(req: Request, res: Response, data: Record<string, unknown>, status = 200) {
  render(res, 'orders/bulk-result', { title: 'Orders changed', outcome: { changed: [], skipped: [] }, back: listHrefOf(req.body.list), ...data }, status);
}

export function ordersSection(gateway?: StripeGateway): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const fields = listFieldsOf(req.query);
    const query = listQueryOf(fields);
    if (!query.ok) return renderList(res, fields, { errors: query.errors, orders: [], pager: pagerOf(1, 0) }, 400);
    const page = pageNumber(req.query.page);
    const { count, results } = await queue.listAdminOrders(query.filter, query.sort, pageRequestOf(page));
    const pager = pagerOf(page, count);
    renderList(res, fields, { errors: {}, orders: results, pager }, listStatus(pager));
  });

  // The filtered list, every page of it, in the order placed (oldest first when the list is sorted so).
  router.get('/export.csv', async (req, res) => {
    const query = listQueryOf(listFieldsOf(req.query));
    if (!query.ok) return render(res, 'error', { title: 'Bad request', message: Object.values(query.errors).flat().join(' ') }, 400);
    const filename = `orders-${new Date().toISOString().slice(0, 10)}.csv`;
    await writeOrdersCsv(res, queue.adminOrderBatches(query.filter, query.sort === 'created_at'), CURRENCY, filename);
  });

  // The list's ticked orders: paid or shipped at once, each only where the rules allow; a cancel asks first.
  router.post('/bulk', async (req, res) => {
    const ids = idsOf(req.body.ids);
    const action = textField(req.body.action);
    if (!ids.length) return renderBulkResult(req, res, { title: 'No orders selected', error: 'No orders were selected: tick the orders to change first.' }, 400);
    const staff = staffViewer(res.locals.staff);
    if (action === 'cancel') {
      const orders = await queue.cancelPreview(staff, ids);
      const cancelling = orders.filter((o) => !o.refusal);
      return render(res, 'orders/bulk-cancel', { title: 'Cancel these orders?', orders, cancelling, currency: CURRENCY, list: textField(req.body.list), back: listHrefOf(req.body.list) });
    }
    const target = Object.hasOwn(BULK_TARGETS, action) ? BULK_TARGETS[action] : undefined;
    if (!target) return renderBulkResult(req, res, { title: 'No action chosen', error: 'Choose what to do with the selected orders.' }, 400);
    const outcome = await queue.changeStatusInBulk(staff, ids, target, { actor: adminActor(res), gateway });
    renderBulkResult(req, res, { title: `Orders marked ${target}`, target, outcome });
  });

  router.post('/bulk/cancel', async (req, res) => {
    const ids = idsOf(req.body.ids);
    if (!ids.length) return renderBulkResult(req, res, { title: 'No orders selected', error: 'No orders were selected: tick the orders to change first.' }, 400);
    const outcome = await queue.changeStatusInBulk(staffViewer(res.locals.staff), ids, 'cancelled', { actor: adminActor(res), gateway });
    renderBulkResult(req, res, { title: 'Orders cancelled', target: 'cancelled', outcome });
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
