// Orders as history: read by their owner (staff read all), changed only along
// the status machine. Ownership is part of every query, so a forgotten check
// cannot leak another user's order; transitions are guarded in the UPDATE so
// two concurrent changes cannot both apply.
import { db, type Db, Prisma } from '../../lib/db';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { formatMoney, lineTotal } from '../../lib/money';
import type { Throttle } from '../../lib/throttle';
import type { PageRequest } from '../../http/pagination';
import { snapshotFromJson } from '../addresses/addresses.service';
import { recordChange, type Actor } from '../audit/audit.service';
import type { AuthUser } from '../users/users.service';
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

async function pageOf(where: Prisma.OrderWhereInput, page: PageRequest) {
  const [count, orders] = await Promise.all([
    db().order.count({ where }),
    db().order.findMany({ where, ...withItems, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: page.skip, take: page.take }),
  ]);
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

/**
 * `actor` is given for staff, whose changes go to the change log in the same
 * transaction. A cancel spends one of the viewer's order `actions` (staff
 * spend none), before the transaction opens, whatever it then answers.
 */
export async function changeOrderStatus(viewer: AuthUser, id: number, target: OrderStatus, actor?: Actor, actions?: Throttle): Promise<OrderView> {
  if (target === 'cancelled') await spendOrderAction(actions, viewer);
  return db().$transaction(async (tx) => {
    const order = await tx.order.findFirst({ where: { id, ...visibleTo(viewer) }, select: { status: true, userId: true } });
    if (!order) throw notFound();
    const allowed = allowedTransitions(order.status, viewer, order.userId === viewer.id);
    if (!allowed.includes(target)) {
      throw new ConflictError(
        `A ${order.status} order cannot become ${target}. Allowed: ${allowed.length ? allowed.join(', ') : 'no change'}.`,
        { code: 'illegal_status_change', order_status: order.status, allowed },
      );
    }
    if (target === 'cancelled') {
      const cancelled = await cancelOrders(tx, [id], order.status, viewer.isStaff ? 'staff' : 'customer');
      if (cancelled.length === 0) throw changedMeanwhile();
    } else {
      // The WHERE on the old status is the guard: of two racing changes, the
      // second finds no row in the expected status and changes nothing.
      const { count } = await tx.order.updateMany({ where: { id, status: order.status }, data: { status: target } });
      if (count === 0) throw changedMeanwhile();
    }
    await recordChange(tx, actor, { action: 'status', objectType: 'order', objectId: id, objectRepr: `Order #${id}`, changes: { status: [order.status, target] } });
    return toOrder(await tx.order.findUniqueOrThrow({ where: { id }, ...withItems }));
  });
}

/**
 * The one way orders are cancelled, by their owner, by staff or by the expiry
 * sweep, on the caller's transaction. The UPDATE moves only orders still in
 * `from` (of two racing changes the second finds nothing to change), and only
 * the orders it moved get their stock back, so stock returns once. Answers the
 * ids it cancelled: one UPDATE ... RETURNING, plus the restock's two statements
 * when it cancelled any, however many orders it is given.
 */
export async function cancelOrders(tx: Db, ids: number[], from: OrderStatus, reason: CancelReason): Promise<number[]> {
  const cancelled = await tx.order.updateManyAndReturn({
    where: { id: { in: ids }, status: from },
    data: { status: 'cancelled', cancelReason: reason },
    select: { id: true },
  });
  const cancelledIds = cancelled.map((order) => order.id);
  if (cancelledIds.length) await restock(tx, cancelledIds);
  return cancelledIds;
}

/**
 * Puts cancelled orders' quantities back, locking their products in id order
 * like checkout does (one statement for all the orders, so a batch never locks
 * out of order and two transactions queue instead of deadlocking).
 */
async function restock(tx: Db, orderIds: number[]): Promise<void> {
  await tx.$queryRaw`
    SELECT p.id FROM products p
    WHERE p.id IN (SELECT product_id FROM order_items WHERE order_id = ANY(${orderIds}::int[]))
    ORDER BY p.id FOR UPDATE`;
  // A product in several of the orders comes back by their sum.
  await tx.$executeRaw`
    UPDATE products p SET stock = LEAST(p.stock::bigint + r.quantity, 2147483647)::int, updated_at = now()
    FROM (SELECT product_id, sum(quantity) AS quantity FROM order_items WHERE order_id = ANY(${orderIds}::int[]) GROUP BY product_id) r
    WHERE r.product_id = p.id`;
}
