// Stripe's webhook. The signature is checked over the raw body before
// anything is parsed; each event id is recorded in the same transaction as
// the change it causes, so a redelivery, or two deliveries at once on two
// processes (the second waits on the first's unique key), changes nothing
// twice. A payment for an order that will not ship is refunded.
import type Stripe from 'stripe';
import { queueOrderMails } from '../mail/mail.outbox';
import { db, type Db } from '../../lib/db';
import { ValidationError } from '../../lib/errors';
import { logger } from '../../lib/logger';
import { payments, webhookEvents } from '../../lib/metrics';
import { findDueRefunds, recordRefundDue, settleRefund } from './refunds';
import { toMinorUnits, type StripeGateway } from './stripe-gateway';

const INTENT_STATUS_EVENTS = new Set([
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
]);

/** What an applied event did to a payment, for shop_payments_total. */
const PAYMENT_OUTCOMES: Partial<Record<string, string>> = { paid: 'paid', refund_due: 'refund_due', amount_mismatch: 'amount_mismatch' };
const INTENT_OUTCOMES: Partial<Record<string, string>> = { 'payment_intent.payment_failed': 'failed', 'payment_intent.canceled': 'canceled' };

export type EventOutcome = 'paid' | 'refund_due' | 'already_applied' | 'recorded' | 'amount_mismatch' | 'ignored' | 'duplicate';

interface LockedPayment {
  id: number;
  order_id: number;
  amount: string;
  currency: string;
  status: string;
  order_status: string;
}

/** Verifies, records and applies one delivery; answers what it did. */
export async function receiveStripeEvent(payload: Buffer, signature: string | undefined, gateway: StripeGateway): Promise<EventOutcome> {
  const event = gateway.verifyEvent(payload, signature);
  if (!event) {
    // The type of an unverified body is anybody's text: not a label.
    webhookEvents.inc({ type: 'unverified', result: 'invalid_signature' });
    throw new ValidationError('The Stripe-Signature header is missing or does not match the body.');
  }
  let applied: Awaited<ReturnType<typeof applyEvent>>;
  try {
    applied = await db().$transaction((tx) => applyEvent(tx, event));
  } catch (error) {
    webhookEvents.inc({ type: event.type, result: 'error' });
    throw error;
  }
  const { outcome, paymentId } = applied;
  webhookEvents.inc({ type: event.type, result: outcome });
  const paymentOutcome = PAYMENT_OUTCOMES[outcome] ?? (outcome === 'recorded' ? INTENT_OUTCOMES[event.type] : undefined);
  if (paymentOutcome) payments.inc({ outcome: paymentOutcome });
  if (outcome === 'ignored') logger.info({ stripeEvent: { id: event.id, type: event.type } }, 'Stripe event ignored');
  // A refund this event made due, or one an earlier delivery could not get
  // from Stripe: asked for now. Stripe unavailable is a 503, and Stripe delivers again.
  if (paymentId !== undefined) {
    for (const due of await findDueRefunds(db(), { paymentId })) await settleRefund(due, gateway);
  }
  return outcome;
}

function intentOf(event: Stripe.Event): { intentId?: string; intent?: Stripe.PaymentIntent } {
  if (event.type.startsWith('payment_intent.')) {
    const intent = event.data.object as Stripe.PaymentIntent;
    return { intentId: intent.id, intent };
  }
  if (event.type === 'charge.refunded') {
    const charge = event.data.object as Stripe.Charge;
    return { intentId: typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id };
  }
  return {};
}

async function applyEvent(tx: Db, event: Stripe.Event): Promise<{ outcome: EventOutcome; paymentId?: number }> {
  const [fresh] = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO payment_events (stripe_event_id, type, outcome) VALUES (${event.id}, ${event.type}, 'received')
    ON CONFLICT (stripe_event_id) DO NOTHING RETURNING id`;
  const { intentId, intent } = intentOf(event);
  const payment = intentId ? await lockPayment(tx, intentId) : undefined;
  if (!fresh) return { outcome: 'duplicate', paymentId: payment?.id };
  const outcome = payment ? await applyToPayment(tx, event, payment, intent) : 'ignored';
  await tx.paymentEvent.update({ where: { id: fresh.id }, data: { outcome, paymentId: payment?.id ?? null } });
  return { outcome, paymentId: payment?.id };
}

/**
 * The payment of this PaymentIntent and its order, both locked, the order
 * first: every path that changes both (cancels, refunds, payment) takes them
 * in that order, so none can deadlock another.
 */
async function lockPayment(tx: Db, intentId: string): Promise<LockedPayment | undefined> {
  const [found] = await tx.$queryRaw<{ order_id: number }[]>`SELECT order_id FROM payments WHERE payment_intent_id = ${intentId}`;
  if (!found) return undefined;
  const [order] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM orders WHERE id = ${found.order_id} FOR UPDATE`;
  const [payment] = await tx.$queryRaw<Omit<LockedPayment, 'order_status'>[]>`
    SELECT id, order_id, amount::text AS amount, currency, status FROM payments WHERE payment_intent_id = ${intentId} FOR UPDATE`;
  return payment && order ? { ...payment, order_status: order.status } : undefined;
}

async function applyToPayment(tx: Db, event: Stripe.Event, payment: LockedPayment, intent?: Stripe.PaymentIntent): Promise<EventOutcome> {
  if (intent && intent.metadata?.order_id !== String(payment.order_id)) {
    logger.error({ stripeEvent: event.id, orderId: payment.order_id, metadata: intent.metadata }, 'Stripe event names another order than its PaymentIntent');
    return 'ignored';
  }
  if (event.type === 'payment_intent.succeeded') return applySuccess(tx, event, payment, intent!);
  if (INTENT_STATUS_EVENTS.has(event.type)) {
    // Events may arrive out of order: a late "processing" never undoes a success.
    await tx.payment.updateMany({ where: { id: payment.id, status: { notIn: ['succeeded', 'refunded'] } }, data: { status: intent!.status } });
    return 'recorded';
  }
  if (event.type === 'charge.refunded') {
    if ((event.data.object as Stripe.Charge).refunded) await tx.payment.update({ where: { id: payment.id }, data: { status: 'refunded' } });
    return 'recorded';
  }
  return 'ignored';
}

async function applySuccess(tx: Db, event: Stripe.Event, payment: LockedPayment, intent: Stripe.PaymentIntent): Promise<EventOutcome> {
  if (intent.amount !== toMinorUnits(payment.amount, payment.currency) || intent.currency !== payment.currency) {
    logger.error(
      { stripeEvent: event.id, orderId: payment.order_id, expected: { amount: payment.amount, currency: payment.currency }, got: { amount: intent.amount, currency: intent.currency } },
      'A payment succeeded for another amount or currency than its order: the order stays unpaid',
    );
    return 'amount_mismatch';
  }
  if (payment.status === 'succeeded' || payment.status === 'refunded') return 'already_applied';
  await tx.payment.update({ where: { id: payment.id }, data: { status: 'succeeded' } });
  if (payment.order_status === 'pending') {
    await tx.order.update({ where: { id: payment.order_id }, data: { status: 'paid' } });
    await queueOrderMails(tx, 'order_paid', [payment.order_id]);
    return 'paid';
  }
  // Cancelled (by its owner, staff or expiry) or paid some other way: the money goes back.
  await recordRefundDue(tx, payment.id, 'order_not_payable');
  return 'refund_due';
}
