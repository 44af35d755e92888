// The expiry sweep's share of payments, outside any transaction while Stripe
// is asked: the PaymentIntents of unpaid orders past their time are cancelled
// (or, if Stripe says they already succeeded, their orders marked paid), and
// refunds an earlier request could not get from Stripe are asked for again.
// Each is bounded per run; Stripe unavailable ends the step (UnavailableError)
// and the next run carries on.
import type { Db } from '../../lib/db';
import { logger } from '../../lib/logger';
import { findDueRefunds, settleRefund } from './refunds';
import { PaymentRefusedError, type StripeGateway } from './stripe-gateway';

export async function settleDueRefunds(client: Db, gateway: StripeGateway, limit: number): Promise<void> {
  for (const due of await findDueRefunds(client, { limit })) await settleRefund(due, gateway);
}

export async function settleOpenIntents(client: Db, gateway: StripeGateway, ttlSeconds: number, limit: number): Promise<void> {
  const open = await client.$queryRaw<{ order_id: number; payment_intent_id: string }[]>`
    SELECT o.id AS order_id, p.payment_intent_id FROM orders o JOIN payments p ON p.order_id = o.id
    WHERE o.status = 'pending' AND o.created_at < now() - ${ttlSeconds}::int * interval '1 second' AND p.status <> 'canceled'
    ORDER BY o.created_at, o.id LIMIT ${limit}::int`;
  for (const { order_id: orderId, payment_intent_id: intentId } of open) {
    const intent = await gateway.cancelPaymentIntent(intentId).catch((error: unknown) => {
      if (!(error instanceof PaymentRefusedError)) throw error;
      logger.error({ orderId, stripe: { code: error.stripeCode, message: error.message } }, 'Stripe refused to cancel a PaymentIntent; the order stays pending');
      return undefined;
    });
    if (!intent) continue;
    await client.$transaction(async (tx) => {
      // The order's row first; only a still-pending order is changed.
      const [pending] = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM orders WHERE id = ${orderId} AND status = 'pending' FOR UPDATE`;
      await tx.payment.updateMany({ where: { orderId, status: { notIn: ['succeeded', 'refunded'] } }, data: { status: intent.status } });
      if (pending && intent.status === 'succeeded') await tx.order.update({ where: { id: orderId }, data: { status: 'paid' } });
    });
  }
}
