// The expiry sweep's share of payments, outside any transaction while Stripe
// is asked: open PaymentIntents of orders that will not be paid are cancelled
// (or, if Stripe says they already succeeded, their orders marked paid or
// refunded), and refunds an earlier request could not get are asked again.
// Each is bounded per run; Stripe unavailable ends the step (UnavailableError)
// and the next run carries on.
import type { Db } from '../../lib/db';
import { queueOrderMails } from '../mail/mail.outbox';
import { logger } from '../../lib/logger';
import { findDueRefunds, recordRefundDue, settleRefund } from './refunds';
import { PaymentRefusedError, type StripeGateway } from './stripe-gateway';

export async function settleDueRefunds(client: Db, gateway: StripeGateway, limit: number): Promise<void> {
  for (const due of await findDueRefunds(client, { limit })) await settleRefund(due, gateway);
}

/**
 * PaymentIntents still open that nobody should pay any more: those of unpaid
 * orders past their time (before the order is expired) and those of orders
 * already cancelled (by their owner or staff). Each is cancelled at Stripe;
 * one that had already succeeded marks its pending order paid, or, for a
 * cancelled order, makes its refund due.
 */
export async function settleOpenIntents(client: Db, gateway: StripeGateway, ttlSeconds: number, limit: number): Promise<void> {
  const open = await client.$queryRaw<{ order_id: number; payment_intent_id: string }[]>`
    SELECT o.id AS order_id, p.payment_intent_id FROM payments p JOIN orders o ON o.id = p.order_id
    WHERE p.status NOT IN ('canceled', 'succeeded', 'refunded')
      AND (o.status = 'cancelled' OR (o.status = 'pending' AND o.created_at < now() - ${ttlSeconds}::int * interval '1 second'))
    ORDER BY o.created_at, o.id LIMIT ${limit}::int`;
  for (const { order_id: orderId, payment_intent_id: intentId } of open) {
    const intent = await gateway.cancelPaymentIntent(intentId).catch((error: unknown) => {
      if (!(error instanceof PaymentRefusedError)) throw error;
      // Unknown to Stripe (another account's key, say): nothing there can be paid, so the order may expire.
      logger.error({ orderId, stripe: { code: error.stripeCode, message: error.message } }, 'Stripe refused to cancel a PaymentIntent; recorded as canceled');
      return { status: 'canceled' };
    });
    await client.$transaction(async (tx) => {
      // The order's row first, as on every path that changes orders and payments.
      const [order] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM orders WHERE id = ${orderId} FOR UPDATE`;
      const [payment] = await tx.payment.updateManyAndReturn({
        where: { orderId, status: { notIn: ['succeeded', 'refunded'] } },
        data: { status: intent.status },
        select: { id: true },
      });
      if (!payment || intent.status !== 'succeeded') return;
      if (order?.status === 'pending') {
        await tx.order.update({ where: { id: orderId }, data: { status: 'paid' } });
        await queueOrderMails(tx, 'order_paid', [orderId]);
      } else await recordRefundDue(tx, payment.id, 'order_not_payable');
    });
  }
}
