// Refunds in full, one per payment. A refund is written as pending in the
// transaction that decides it (so it is never forgotten), Stripe is asked
// after that commits (the idempotency key `order-<id>-refund` makes asking
// again harmless), and the answer is recorded in a second short transaction.
import { db, type Db } from '../../lib/db';
import { queueOrderMails } from '../mail/mail.outbox';
import { UnavailableError } from '../../lib/errors';
import { logger } from '../../lib/logger';
import { refunds } from '../../lib/metrics';
import { cancelOrders } from '../orders/cancel-orders';
import { PaymentRefusedError, type StripeGateway } from './stripe-gateway';

/** Stripe refused the refund (the charge disputed, say): the order stays paid. */
export class RefundFailedError extends UnavailableError {
  override readonly code = 'refund_failed';
  override readonly retryAfterSeconds = 60;
  constructor() {
    super('Stripe refused the refund; the order stays paid. See the order\'s payment in the admin site.');
  }
}

export type RefundReason = 'order_not_payable' | 'staff_cancel';

export interface DueRefund {
  id: number;
  paymentId: number;
  orderId: number;
  paymentIntentId: string;
  reason: RefundReason;
  attempt: number;
}

/**
 * Records that the payment must be refunded, once (one refund per payment).
 * `askAgainIfFailed`: a refund Stripe refused before is made pending again,
 * under its next attempt's key (staff asking again); otherwise it stays failed.
 */
export async function recordRefundDue(tx: Db, paymentId: number, reason: RefundReason, { askAgainIfFailed = false } = {}): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO refunds (payment_id, amount, reason)
    SELECT id, amount, ${reason} FROM payments WHERE id = ${paymentId}
    ON CONFLICT (payment_id) DO UPDATE
      SET status = 'pending', failure = NULL, reason = EXCLUDED.reason, attempt = refunds.attempt + 1, updated_at = now()
      WHERE ${askAgainIfFailed} AND refunds.status = 'failed'`;
}

/** The refunds still to ask Stripe for: of one payment or order, or the oldest of all (bounded). */
export async function findDueRefunds(client: Db, { paymentId, orderId, limit = 50 }: { paymentId?: number; orderId?: number; limit?: number } = {}): Promise<DueRefund[]> {
  return client.$queryRaw<DueRefund[]>`
    SELECT r.id, r.payment_id AS "paymentId", p.order_id AS "orderId", p.payment_intent_id AS "paymentIntentId", r.reason, r.attempt
    FROM refunds r JOIN payments p ON p.id = r.payment_id
    WHERE r.status = 'pending'
      AND (${paymentId ?? null}::int IS NULL OR r.payment_id = ${paymentId ?? null}::int)
      AND (${orderId ?? null}::int IS NULL OR p.order_id = ${orderId ?? null}::int)
    ORDER BY r.created_at LIMIT ${limit}::int`;
}

export type RefundOutcome = 'succeeded' | 'failed';

/**
 * Asks Stripe for the refund and records the answer. A staff cancel finishes
 * in the transaction that records its success (the order cancelled and
 * restocked, then `onSucceeded`, e.g. the change log), whoever settles it: the
 * request, a later one, or the sweep. A refusal is recorded as failed;
 * Stripe unavailable leaves it pending, to be asked again, and rethrows.
 */
export async function settleRefund(
  due: DueRefund,
  gateway: StripeGateway,
  onSucceeded?: (tx: Db) => Promise<unknown>,
): Promise<RefundOutcome> {
  let refund: { id: string; status: string };
  try {
    refund = await gateway.refundInFull(due.orderId, due.paymentIntentId, due.attempt);
  } catch (error) {
    if (!(error instanceof PaymentRefusedError)) {
      if (error instanceof UnavailableError) refunds.inc({ outcome: 'unavailable' });
      throw error;
    }
    refunds.inc({ outcome: 'failed' });
    logger.error({ orderId: due.orderId, stripe: { code: error.stripeCode, message: error.message } }, 'Stripe refused a refund');
    await db().refund.updateMany({ where: { id: due.id, status: 'pending' }, data: { status: 'failed', failure: error.message.slice(0, 500) } });
    return 'failed';
  }
  const settledHere = await db().$transaction(async (tx) => {
    // The order's row first, as on every path that changes orders and payments.
    await tx.$queryRaw`SELECT id FROM orders WHERE id = ${due.orderId} FOR UPDATE`;
    const { count } = await tx.refund.updateMany({ where: { id: due.id, status: 'pending' }, data: { status: 'succeeded', stripeRefundId: refund.id } });
    if (count === 0) return false; // settled meanwhile by another process
    await tx.payment.update({ where: { id: due.paymentId }, data: { status: 'refunded' } });
    // Still paid: shipping waits while a refund is pending.
    if (due.reason === 'staff_cancel') await cancelOrders(tx, [due.orderId], 'paid', 'staff');
    // Money that came in for an order no longer for sale goes back: the customer hears of it.
    else await queueOrderMails(tx, 'order_refunded', [due.orderId]);
    await onSucceeded?.(tx);
    return true;
  });
  if (settledHere) refunds.inc({ outcome: 'succeeded' });
  return 'succeeded';
}

/**
 * Staff cancelling a paid order (whose row the caller has locked): when it was
 * paid through Stripe, its refund is made due (a refund that failed before is
 * asked for again) and true is answered; the cancel itself waits for Stripe.
 * Paid some other way (cash, by hand): false, and the cancel goes ahead.
 */
export async function staffRefundDue(tx: Db, orderId: number): Promise<boolean> {
  const [payment] = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM payments WHERE order_id = ${orderId} AND status = 'succeeded' FOR UPDATE`;
  if (!payment) return false;
  await recordRefundDue(tx, payment.id, 'staff_cancel', { askAgainIfFailed: true });
  return true;
}

/** True while a refund of the order's payment is being asked for: the order must not ship meanwhile. */
export async function refundPending(tx: Db, orderId: number): Promise<boolean> {
  const [row] = await tx.$queryRaw<{ pending: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = ${orderId} AND r.status = 'pending') AS pending`;
  return Boolean(row?.pending);
}
