// Refunds in full, one per payment. A refund is written as pending in the
// transaction that decides it (so it is never forgotten), Stripe is asked
// after that commits (the idempotency key `order-<id>-refund` makes asking
// again harmless), and the answer is recorded in a second short transaction.
import { db, type Db } from '../../lib/db';
import { logger } from '../../lib/logger';
import { PaymentRefusedError, type StripeGateway } from './stripe-gateway';

export type RefundReason = 'order_not_payable' | 'staff_cancel';

export interface DueRefund {
  id: number;
  paymentId: number;
  orderId: number;
  paymentIntentId: string;
  reason: RefundReason;
}

/** Records that the payment must be refunded (once: one refund per payment). */
export async function recordRefundDue(tx: Db, paymentId: number, reason: RefundReason): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO refunds (payment_id, amount, reason)
    SELECT id, amount, ${reason} FROM payments WHERE id = ${paymentId}
    ON CONFLICT (payment_id) DO NOTHING`;
}

/** The refunds still to ask Stripe for: of one payment, or the oldest of all (bounded). */
export async function findDueRefunds(client: Db, { paymentId, limit = 50 }: { paymentId?: number; limit?: number } = {}): Promise<DueRefund[]> {
  return client.$queryRaw<DueRefund[]>`
    SELECT r.id, r.payment_id AS "paymentId", p.order_id AS "orderId", p.payment_intent_id AS "paymentIntentId", r.reason
    FROM refunds r JOIN payments p ON p.id = r.payment_id
    WHERE r.status = 'pending' AND (${paymentId ?? null}::int IS NULL OR r.payment_id = ${paymentId ?? null}::int)
    ORDER BY r.created_at LIMIT ${limit}`;
}

export type RefundOutcome = 'succeeded' | 'failed';

/**
 * Asks Stripe for the refund and records the answer. `onSucceeded` runs in
 * the transaction that records a success (a staff cancel finishes there). A
 * refusal is recorded as failed; Stripe unavailable leaves it pending, to be
 * asked again, and rethrows.
 */
export async function settleRefund(
  due: DueRefund,
  gateway: StripeGateway,
  onSucceeded?: (tx: Db) => Promise<void>,
): Promise<RefundOutcome> {
  let refund: { id: string; status: string };
  try {
    refund = await gateway.refundInFull(due.orderId, due.paymentIntentId);
  } catch (error) {
    if (!(error instanceof PaymentRefusedError)) throw error;
    logger.error({ orderId: due.orderId, stripe: { code: error.stripeCode, message: error.message } }, 'Stripe refused a refund');
    await db().refund.updateMany({ where: { id: due.id, status: 'pending' }, data: { status: 'failed', failure: error.message.slice(0, 500) } });
    return 'failed';
  }
  await db().$transaction(async (tx) => {
    const { count } = await tx.refund.updateMany({ where: { id: due.id, status: 'pending' }, data: { status: 'succeeded', stripeRefundId: refund.id } });
    if (count === 0) return; // settled meanwhile by another process
    await tx.payment.update({ where: { id: due.paymentId }, data: { status: 'refunded' } });
    await onSucceeded?.(tx);
  });
  return 'succeeded';
}
