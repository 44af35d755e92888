// Read-only views of card payments for the admin site: an order's payment
// with the Stripe events received for it and its refund, and the dashboard's
// payment counts. Nothing here changes a row, and the client secret (the
// customer's, for Stripe.js) is never read.
import { db, type Db, Prisma } from '../../lib/db';
import { formatMoney } from '../../lib/money';
import { refundIdempotencyKey } from './stripe-gateway';

export interface AdminPaymentEvent {
  stripe_event_id: string;
  type: string;
  outcome: string;
  received_at: string;
}

export interface AdminRefund {
  status: 'pending' | 'succeeded' | 'failed';
  amount: string;
  reason: string;
  stripe_refund_id: string | null;
  failure: string | null;
  /** 0 for the first request to Stripe, raised each time a refused refund is asked for again. */
  attempt: number;
  /** The Idempotency-Key of the latest attempt, as it appears in Stripe's dashboard. */
  idempotency_key: string;
  created_at: string;
  updated_at: string;
}

export interface AdminPayment {
  provider: string;
  payment_intent_id: string;
  amount: string;
  currency: string;
  status: string;
  created_at: string;
  updated_at: string;
  /** Newest first. */
  events: AdminPaymentEvent[];
  refund: AdminRefund | null;
}

/**
 * The order's card payment for staff, or null when none was started (the
 * order unpaid, or paid by hand). One payment per order and one refund per
 * payment; its events are few (each Stripe event id is kept once), so all are read.
 */
export async function paymentOfOrder(orderId: number, client: Db = db()): Promise<AdminPayment | null> {
  const payment = await client.payment.findUnique({
    where: { orderId },
    select: {
      provider: true,
      paymentIntentId: true,
      amount: true,
      currency: true,
      status: true,
      createdAt: true,
      updatedAt: true,
      events: { orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }], select: { stripeEventId: true, type: true, outcome: true, receivedAt: true } },
      refund: { select: { status: true, amount: true, reason: true, stripeRefundId: true, failure: true, attempt: true, createdAt: true, updatedAt: true } },
    },
  });
  if (!payment) return null;
  const { refund } = payment;
  return {
    provider: payment.provider,
    payment_intent_id: payment.paymentIntentId,
    amount: formatMoney(payment.amount),
    currency: payment.currency.toUpperCase(),
    status: payment.status,
    created_at: payment.createdAt.toISOString(),
    updated_at: payment.updatedAt.toISOString(),
    events: payment.events.map((e) => ({ stripe_event_id: e.stripeEventId, type: e.type, outcome: e.outcome, received_at: e.receivedAt.toISOString() })),
    refund: refund && {
      status: refund.status,
      amount: formatMoney(refund.amount),
      reason: refund.reason,
      stripe_refund_id: refund.stripeRefundId,
      failure: refund.failure,
      attempt: refund.attempt,
      idempotency_key: refundIdempotencyKey(orderId, refund.attempt),
      created_at: refund.createdAt.toISOString(),
      updated_at: refund.updatedAt.toISOString(),
    },
  };
}

export interface PaymentAttention {
  order_id: number;
  /** What needs looking at: a card payment that failed, or a refund Stripe refused or has not settled yet. */
  kind: 'payment_failed' | 'refund_failed' | 'refund_pending';
  since: string;
}

export interface PaymentCounts {
  /** See FAILED_PAYMENT below for the definition. */
  failedPayments: number;
  refundsFailed: number;
  refundsPending: number;
  /** The oldest of those (at most ATTENTION_LIMIT), for links to their orders: the order list has no filter for them. */
  attention: PaymentAttention[];
  attentionLimit: number;
}

export const ATTENTION_LIMIT = 10;

/*
 * A failed payment, as the dashboard counts it: a payment still at
 * requires_payment_method (what Stripe sets after a declined attempt) that has
 * received at least one payment_intent.payment_failed event, of an order that
 * is still pending. "Not succeeded or refunded since" follows from the status:
 * the webhook never moves a payment away from succeeded or refunded. A retry
 * in flight (processing, requires_action) is not counted; a PaymentIntent the
 * customer merely opened has no failed event and is not counted either; an
 * order cancelled or paid by hand since needs nothing, so it is left out.
 * payments_status_idx finds the candidates, payment_events_payment_id_idx
 * answers the EXISTS, and the order is read by its primary key.
 */
const FAILED_PAYMENT = Prisma.sql`
  FROM payments p JOIN orders o ON o.id = p.order_id
  WHERE p.status = 'requires_payment_method' AND o.status = 'pending'
    AND EXISTS (SELECT 1 FROM payment_events e WHERE e.payment_id = p.id AND e.type = 'payment_intent.payment_failed')`;

/**
 * Counts for the dashboard. Refunds to check are those Stripe refused
 * (failed: the order stays paid until staff act) and those not settled yet
 * (pending: written before Stripe is asked; one that stays pending means
 * Stripe was unreachable and the sweep will ask again). Pending ones are
 * counted from refunds_pending_idx; failed ones have no index of their own,
 * but refunds are one per refunded payment, a small table.
 */
export async function paymentCounts(client: Db = db()): Promise<PaymentCounts> {
  const [[counts], attention] = await Promise.all([
    client.$queryRaw<{ failed_payments: number; refunds_failed: number; refunds_pending: number }[]>`
      SELECT (SELECT count(*)::int ${FAILED_PAYMENT}) AS failed_payments,
             (SELECT count(*)::int FROM refunds WHERE status = 'failed') AS refunds_failed,
             (SELECT count(*)::int FROM refunds WHERE status = 'pending') AS refunds_pending`,
    client.$queryRaw<{ order_id: number; kind: PaymentAttention['kind']; since: Date }[]>`
      (SELECT p.order_id, 'payment_failed' AS kind, p.updated_at AS since ${FAILED_PAYMENT} ORDER BY p.updated_at LIMIT ${ATTENTION_LIMIT})
      UNION ALL
      (SELECT p.order_id, CASE r.status WHEN 'failed' THEN 'refund_failed' ELSE 'refund_pending' END, r.updated_at
       FROM refunds r JOIN payments p ON p.id = r.payment_id
       WHERE r.status IN ('failed', 'pending') ORDER BY r.updated_at LIMIT ${ATTENTION_LIMIT})
      ORDER BY since, order_id LIMIT ${ATTENTION_LIMIT}`,
  ]);
  return {
    failedPayments: counts!.failed_payments,
    refundsFailed: counts!.refunds_failed,
    refundsPending: counts!.refunds_pending,
    attention: attention.map((a) => ({ order_id: a.order_id, kind: a.kind, since: a.since.toISOString() })),
    attentionLimit: ATTENTION_LIMIT,
  };
}
