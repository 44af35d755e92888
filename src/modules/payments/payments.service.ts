// Paying an order with Stripe. The order's total comes from the database,
// never from the client; Stripe is called with no transaction open and no row
// locked: the PaymentIntent is created first (idempotently, keyed by the
// order), then recorded in a short transaction that holds the order pending.
import { db, type Db, Prisma } from '../../lib/db';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { logger } from '../../lib/logger';
import type { AuthUser } from '../users/users.service';
import { PaymentProviderUnavailableError, PaymentRefusedError, PaymentsNotConfiguredError, type StripeGateway } from './stripe-gateway';
import { payments } from '../../lib/metrics';

export interface PaymentRow {
  order_id: number;
  provider: string;
  payment_intent_id: string;
  client_secret: string;
  amount: string;
  currency: string;
  status: string;
}

export type PaymentView = PaymentRow;

export class OrderNotPayableError extends ConflictError {
  override readonly code = 'order_not_pending';
  constructor(status: string) {
    super(`Only a pending order can be paid; this one is ${status}.`, { order_status: status });
  }
}

const paymentColumns = Prisma.sql`order_id, provider, payment_intent_id, client_secret, amount::text AS amount, currency, status`;

async function findPayment(orderId: number, client: Db = db()): Promise<PaymentRow | undefined> {
  const [row] = await client.$queryRaw<PaymentRow[]>`SELECT ${paymentColumns} FROM payments WHERE order_id = ${orderId}`;
  return row;
}

/** The order if the viewer may see its payment: the owner (and staff, when `staffToo`). */
async function visibleOrder(viewer: AuthUser, orderId: number, staffToo: boolean) {
  const order = await db().order.findUnique({ where: { id: orderId }, select: { id: true, userId: true, status: true, total: true } });
  if (!order || (order.userId !== viewer.id && !(staffToo && viewer.isStaff))) throw new NotFoundError();
  return order;
}

/**
 * Starts (or finds) the order's payment. `created` is false when a
 * PaymentIntent was already started for it: every caller, on any process,
 * gets the one PaymentIntent Stripe made for the key `order-<id>-payment`.
 */
export async function startPayment(viewer: AuthUser, orderId: number, gateway: StripeGateway): Promise<{ created: boolean; payment: PaymentView }> {
  const order = await visibleOrder(viewer, orderId, false);
  if (order.status !== 'pending') throw new OrderNotPayableError(order.status);
  const existing = await findPayment(orderId);
  if (existing) return { created: false, payment: existing };

  const intent = await gateway.createPaymentIntent(orderId, order.total.toFixed(2)).catch((error: unknown) => {
    // A refusal of our own request (a bad key, a bad amount) is the shop's fault, not the customer's.
    if (error instanceof PaymentRefusedError) {
      logger.error({ stripe: { code: error.stripeCode, message: error.message }, orderId }, 'Stripe refused to create a PaymentIntent');
      throw new PaymentProviderUnavailableError();
    }
    throw error;
  });
  const recorded = await db().$transaction(async (tx) => {
    // FOR SHARE holds the order pending until this commits: a cancel waits, so
    // no payment is recorded for an order cancelled meanwhile.
    const [pending] = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM orders WHERE id = ${orderId} AND status = 'pending' FOR SHARE`;
    if (!pending) return undefined;
    const [row] = await tx.$queryRaw<PaymentRow[]>`
      INSERT INTO payments (order_id, payment_intent_id, client_secret, amount, currency, status)
      VALUES (${orderId}, ${intent.id}, ${intent.clientSecret}, ${order.total.toFixed(2)}::numeric, ${gateway.currency}, ${intent.status})
      ON CONFLICT (order_id) DO NOTHING
      RETURNING ${paymentColumns}`;
    // A concurrent request recorded it first (the same PaymentIntent: Stripe's idempotency key).
    return row ? { created: true, payment: row } : { created: false, payment: (await findPayment(orderId, tx))! };
  });
  if (recorded?.created) payments.inc({ outcome: 'started' });
  if (recorded) return recorded;
  // The order stopped being pending while Stripe answered: nobody can pay it now.
  await gateway.cancelPaymentIntent(intent.id).catch((error: unknown) => logger.warn({ err: error, orderId }, 'Could not cancel the PaymentIntent of an order no longer pending'));
  const { status } = await db().order.findUniqueOrThrow({ where: { id: orderId }, select: { status: true } });
  throw new OrderNotPayableError(status);
}

/** The payment as last recorded, for the owner or staff; 404 when none was started. */
export async function getPayment(viewer: AuthUser, orderId: number, gateway: StripeGateway): Promise<PaymentView> {
  // As the contract has it, both payment routes say so while payments are off.
  if (!gateway.configured) throw new PaymentsNotConfiguredError();
  await visibleOrder(viewer, orderId, true);
  const payment = await findPayment(orderId);
  if (!payment) throw new NotFoundError('No payment was started for this order.');
  return payment;
}
