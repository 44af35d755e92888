// Orders as history: read by their owner (staff read all), changed only along
// the status machine. Ownership is part of every query, so a forgotten check
// cannot leak another user's order; transitions are guarded in the UPDATE so
// two concurrent changes cannot both apply.
import { db, type Db, Prisma } from '../../lib/db';
import { queueOrderMails } from '../mail/mail.outbox';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { formatMoney, lineTotal } from '../../lib/money';
import type { Throttle } from '../../lib/throttle';
import type { PageRequest } from '../../http/pagination';
import { snapshotFromJson } from '../addresses/addresses.service';
import { recordChange, type Actor } from '../audit/audit.service';
import type { AuthUser } from '../users/users.service';
import { PaymentsNotConfiguredError, type StripeGateway } from '../payments/stripe-gateway';
import { findDueRefunds, RefundFailedError, refundPending, settleRefund, staffRefundDue } from '../payments/refunds';
import { cancelOrders } from './cancel-orders';
import { spendOrderAction } from './order-limits';
import type { CancelReason, OrderStatus } from './orders.schemas';

export const withItems = { include: { items: { orderBy: { id: 'asc' } } } } satisfies Prisma.OrderDefaultArgs;
export type OrderWithItems = Prisma.OrderGetPayload<typeof withItems>;
export type OrderView = ReturnType<typeof toOrder>;

export function toOrder(order: OrderWithItems) {
  return {
    id: order.id,
    user_id: order.userId,
    status: order.status,
    cancel_reason: order.cancelReason,
    total: formatMoney(order.total),
    shipping_address: snapshotFromJson(order.shippingAddress),
    items: order.items.map((item) => ({
      id: item.id,
      product_id: item.productId,
      product_name: item.productName,
      unit_price: formatMoney(item.unitPrice),
      quantity: item.quantity,
      subtotal: formatMoney(lineTotal(item.unitPrice, item.quantity)),
    })),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

const notFound = () => new NotFoundError('No order matches the given query.');

/** Staff see every order; anyone else only their own. */
function visibleTo(viewer: AuthUser): Prisma.OrderWhereInput {
  return viewer.isStaff ? {} : { userId: viewer.id };
}

const NEWEST_FIRST: Prisma.OrderOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];

/**
 * A page of orders, newest first. The page's ids are chosen first, from the
 * (created_at, id) index (or (status, created_at, id), or the user's): a deep
 * page of a million orders skips index entries, not rows with their lines;
 * then only those orders are read with their items. The count, beside it, is
 * counted from the same indexes.
 */
async function pageOf(where: Prisma.OrderWhereInput, page: PageRequest) {
  const [count, chosen] = await Promise.all([
    db().order.count({ where }),
    db().order.findMany({ where, select: { id: true }, orderBy: NEWEST_FIRST, skip: page.skip, take: page.take }),
  ]);
  const orders = chosen.length ? await db().order.findMany({ where: { id: { in: chosen.map((o) => o.id) } }, ...withItems, orderBy: NEWEST_FIRST }) : [];
  return { count, results: orders.map(toOrder) };
}

export interface OrderFilter {
  user?: number;
  /** Staff only, like `user`. */
  status?: OrderStatus;
}

export function listOrders(viewer: AuthUser, filter: OrderFilter, page: PageRequest) {
  if (!viewer.isStaff) return pageOf(visibleTo(viewer), page);
  return pageOf({ userId: filter.user, status: filter.status }, page);
}

export function listOwnOrders(userId: number, page: PageRequest) {
  return pageOf({ userId }, page);
}

export async function getOrder(viewer: AuthUser, id: number): Promise<OrderView> {
  const order = await db().order.findFirst({ where: { id, ...visibleTo(viewer) }, ...withItems });
  if (!order) throw notFound();
  return toOrder(order);
}

const NEXT_STEP: Partial<Record<OrderStatus, OrderStatus>> = { pending: 'paid', paid: 'shipped', shipped: 'delivered' };
const STAFF_CANCELLABLE: OrderStatus[] = ['pending', 'paid'];

/** The statuses this viewer may move an order in `status` to. */
export function allowedTransitions(status: OrderStatus, viewer: AuthUser, isOwner: boolean): OrderStatus[] {
  const allowed = new Set<OrderStatus>();
  if (isOwner && status === 'pending') allowed.add('cancelled');
  if (viewer.isStaff) {
    const next = NEXT_STEP[status];
    if (next) allowed.add(next);
    if (STAFF_CANCELLABLE.includes(status)) allowed.add('cancelled');
  }
  return [...allowed];
}

const changedMeanwhile = () => new ConflictError('The order was changed by someone else; reload it and try again.', { code: 'order_changed' });

export interface StatusChangeOptions {
  /** Given for staff: the change goes to the change log in its transaction. */
  actor?: Actor;
  /** The viewer's order actions: a cancel spends one before the transaction opens, whatever it answers (staff spend none). */
  actions?: Throttle;
  /** Stripe, to refund a paid order that staff cancel. */
  gateway?: StripeGateway;
}

const refundInProgress = () =>
  new ConflictError('A refund of this order is being made; it cannot ship. Cancel it again to finish the refund.', { code: 'refund_in_progress' });

export async function changeOrderStatus(viewer: AuthUser, id: number, target: OrderStatus, options: StatusChangeOptions = {}): Promise<OrderView> {
  const { actor, actions, gateway } = options;
  if (target === 'cancelled') await spendOrderAction(actions, viewer);
  const changed = await db().$transaction(async (tx) => {
    const order = await tx.order.findFirst({ where: { id, ...visibleTo(viewer) }, select: { status: true, userId: true } });
    if (!order) throw notFound();
    const allowed = allowedTransitions(order.status, viewer, order.userId === viewer.id);
    if (!allowed.includes(target)) {
      throw new ConflictError(
        `A ${order.status} order cannot become ${target}. Allowed: ${allowed.length ? allowed.join(', ') : 'no change'}.`,
        { code: 'illegal_status_change', order_status: order.status, allowed },
      );
    }
    // The order's row first, as payments and refunds lock it first too; the
    // status in the WHERE is the guard: of two racing changes, the second
    // finds no row in the expected status and changes nothing.
    const [locked] = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM orders WHERE id = ${id} AND status = ${order.status}::order_status FOR UPDATE`;
    if (!locked) throw changedMeanwhile();
    // Paid through Stripe: the money goes back before the order is cancelled.
    if (target === 'cancelled' && order.status === 'paid' && (await staffRefundDue(tx, id))) return undefined;
    if (target === 'shipped' && (await refundPending(tx, id))) throw refundInProgress();
    if (target === 'cancelled') await cancelOrders(tx, [id], order.status, viewer.isStaff ? 'staff' : 'customer');
    else {
      await tx.order.update({ where: { id }, data: { status: target } });
      if (target === 'paid') await queueOrderMails(tx, 'order_paid', [id]);
      if (target === 'shipped') await queueOrderMails(tx, 'order_shipped', [id]);
    }
    await recordChange(tx, actor, { action: 'status', objectType: 'order', objectId: id, objectRepr: `Order #${id}`, changes: { status: [order.status, target] } });
    return toOrder(await tx.order.findUniqueOrThrow({ where: { id }, ...withItems }));
  });
  if (changed) return changed;
  await refundThenCancel(id, gateway, actor);
  return toOrder(await db().order.findUniqueOrThrow({ where: { id }, ...withItems }));
}

/**
 * Staff's cancel of an order paid through Stripe, after its refund was made
 * due: Stripe refunds it (no lock held meanwhile), then the order is cancelled
 * and restocked in the transaction that records the refund. A refusal leaves
 * the order paid (503 refund_failed); Stripe unavailable leaves the refund
 * pending, retried by the expiry sweep (503 payment_provider_unavailable).
 */
async function refundThenCancel(id: number, gateway: StripeGateway | undefined, actor: Actor | undefined): Promise<void> {
  if (!gateway) throw new PaymentsNotConfiguredError();
  const [due] = await findDueRefunds(db(), { orderId: id });
  if (!due) return; // settled meanwhile, by another request or the sweep
  const outcome = await settleRefund(due, gateway, (tx) =>
    recordChange(tx, actor, { action: 'status', objectType: 'order', objectId: id, objectRepr: `Order #${id}`, changes: { status: ['paid', 'cancelled'], refund: ['', 'refunded in full'] } }),
  );
  if (outcome === 'failed') throw new RefundFailedError();
}
