// Orders as history: read by their owner (staff read all), changed only along
// the status machine. Ownership is part of every query, so a forgotten check
// cannot leak another user's order; transitions are guarded in the UPDATE so
// two concurrent changes cannot both apply.
import { db, type Db, Prisma } from '../../lib/db';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { formatMoney, lineTotal } from '../../lib/money';
import type { PageRequest } from '../../http/pagination';
import { recordChange, type Actor } from '../audit/audit.service';
import type { AuthUser } from '../users/users.service';
import type { OrderStatus } from './orders.schemas';

export const withItems = { include: { items: { orderBy: { id: 'asc' } } } } satisfies Prisma.OrderDefaultArgs;
export type OrderWithItems = Prisma.OrderGetPayload<typeof withItems>;
export type OrderView = ReturnType<typeof toOrder>;

export function toOrder(order: OrderWithItems) {
  return {
    id: order.id,
    user_id: order.userId,
    status: order.status,
    total: formatMoney(order.total),
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

/** `actor` is given for staff, whose changes go to the change log in the same transaction. */
export function changeOrderStatus(viewer: AuthUser, id: number, target: OrderStatus, actor?: Actor): Promise<OrderView> {
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
    // The WHERE on the old status is the guard: of two racing changes, the
    // second finds no row in the expected status and changes nothing.
    const { count } = await tx.order.updateMany({ where: { id, status: order.status }, data: { status: target } });
    if (count === 0) throw new ConflictError('The order was changed by someone else; reload it and try again.', { code: 'order_changed' });
    if (target === 'cancelled') await restock(tx, id);
    await recordChange(tx, actor, { action: 'status', objectType: 'order', objectId: id, objectRepr: `Order #${id}`, changes: { status: [order.status, target] } });
    return toOrder(await tx.order.findUniqueOrThrow({ where: { id }, ...withItems }));
  });
}

/** Puts a cancelled order's quantities back, locking products in id order like checkout does. */
async function restock(tx: Db, orderId: number): Promise<void> {
  await tx.$queryRaw`
    SELECT p.id FROM products p JOIN order_items oi ON oi.product_id = p.id
    WHERE oi.order_id = ${orderId} ORDER BY p.id FOR UPDATE OF p`;
  await tx.$executeRaw`
    UPDATE products p SET stock = LEAST(p.stock::bigint + oi.quantity, 2147483647)::int, updated_at = now()
    FROM order_items oi WHERE oi.order_id = ${orderId} AND oi.product_id = p.id`;
}
