// The one way orders are cancelled, shared by every path that cancels: the
// owner, staff (the API, the admin, a refund settling), and the expiry sweep.
import type { Db } from '../../lib/db';
import { queueOrderMails } from '../mail/mail.outbox';
import type { CancelReason, OrderStatus } from './orders.schemas';

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
  // A paid order is cancelled only once its refund is made (refunds.ts), so the mail can say so.
  await queueOrderMails(tx, 'order_cancelled', cancelledIds, { was_paid: from === 'paid' });
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
