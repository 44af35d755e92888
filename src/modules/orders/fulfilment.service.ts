// Getting an order out of the door, for staff: where it went (tracking number
// and carrier), a note only staff read, who bought it as the order recorded it
// (still there once the account is deleted), when an unpaid one expires, and
// what cancelling it would put back and pay back. Nothing here is in the
// customer's API: toOrder answers neither the note nor the tracking number.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { config } from '../../config';
import { db, type Db } from '../../lib/db';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { formatMoney } from '../../lib/money';
import { changedFields, recordChange, type Actor } from '../audit/audit.service';
import type { AdminPayment } from '../payments/payments.admin';
import type { OrderStatus } from './orders.schemas';
import type { OrderView } from './orders.service';

/** The column's CHECK, orders_staff_note_length. */
export const MAX_STAFF_NOTE = 2000;

// A tracking number or carrier is one line on a label; the note may have line breaks and tabs.
const SINGLE_LINE = /^[^\p{Cc}\p{Cs}]*$/u;
const NOTE_TEXT = /^(?:[\n\t]|[^\p{Cc}\p{Cs}])*$/u;
const tooLong = (max: number) => `Ensure this field has no more than ${max} characters.`;

/** Trimmed; empty means "not entered" (null), as the columns hold it. */
const labelField = (max: number) =>
  z
    .string()
    .trim()
    .max(max, tooLong(max))
    .refine((text) => SINGLE_LINE.test(text), 'Line breaks and other control characters are not allowed.')
    .transform((text) => text || null);

export const fulfilmentBody = z.strictObject({
  tracking_number: labelField(100),
  carrier: labelField(50),
  // Browsers send a textarea's line breaks as CRLF: stored as LF, so the limit counts what staff see.
  staff_note: z
    .string()
    .transform((text) => text.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(MAX_STAFF_NOTE, tooLong(MAX_STAFF_NOTE)).refine((text) => NOTE_TEXT.test(text), 'Control characters other than line breaks and tabs are not allowed.')),
});
export type FulfilmentInput = z.output<typeof fulfilmentBody>;

export interface Fulfilment {
  tracking_number: string | null;
  carrier: string | null;
  staff_note: string;
  /** The buyer when the order was placed: the account's email and username then. */
  customer_email: string | null;
  customer_name: string | null;
  /** A pending order's deadline (placed + PENDING_ORDER_TTL_SECONDS); null for any other, or with no TTL. */
  expires_at: string | null;
  /** What the form was loaded with, sent back with it: a save over someone else's is refused. */
  version: string;
}

type FulfilmentFields = Pick<FulfilmentInput, 'tracking_number' | 'carrier' | 'staff_note'>;

/** Of the three fields alone, so a status change or a payment meanwhile does not make the form stale. */
const versionOf = (fields: FulfilmentFields): string =>
  createHash('sha256').update(JSON.stringify([fields.tracking_number, fields.carrier, fields.staff_note])).digest('base64url');

export function expiresAt(status: OrderStatus, createdAt: Date, ttlSeconds = config.orders.pendingTtlSeconds): Date | null {
  if (status !== 'pending' || ttlSeconds <= 0) return null;
  return new Date(createdAt.getTime() + ttlSeconds * 1000);
}

const notFound = () => new NotFoundError('No order matches the given query.');

export async function fulfilmentOf(orderId: number, client: Db = db()): Promise<Fulfilment> {
  const order = await client.order.findUnique({
    where: { id: orderId },
    select: { status: true, createdAt: true, trackingNumber: true, carrier: true, staffNote: true, customerEmail: true, customerName: true },
  });
  if (!order) throw notFound();
  const fields = { tracking_number: order.trackingNumber, carrier: order.carrier, staff_note: order.staffNote };
  return {
    ...fields,
    customer_email: order.customerEmail,
    customer_name: order.customerName,
    expires_at: expiresAt(order.status, order.createdAt)?.toISOString() ?? null,
    version: versionOf(fields),
  };
}

export class FulfilmentChangedError extends ConflictError {
  override readonly code = 'fulfilment_changed';
  constructor() {
    super("Someone saved this order's tracking or note after you loaded the form, so nothing was saved. The form now shows what they saved: make your changes again.");
  }
}

/**
 * Saves the three fields, compared under the order's row lock with what the
 * form was loaded with, and logs what changed in the same transaction. A form
 * sent back unchanged writes nothing and logs nothing.
 */
export async function saveFulfilment(orderId: number, input: FulfilmentInput, expectedVersion: string, actor?: Actor): Promise<void> {
  await db().$transaction(async (tx) => {
    const [current] = await tx.$queryRaw<FulfilmentFields[]>`
      SELECT tracking_number, carrier, staff_note FROM orders WHERE id = ${orderId} FOR UPDATE`;
    if (!current) throw notFound();
    if (versionOf(current) !== expectedVersion) throw new FulfilmentChangedError();
    const changes = changedFields({ ...current }, { ...input });
    if (Object.keys(changes).length === 0) return;
    await tx.order.update({ where: { id: orderId }, data: { trackingNumber: input.tracking_number, carrier: input.carrier, staffNote: input.staff_note } });
    await recordChange(tx, actor, { action: 'update', objectType: 'order', objectId: orderId, objectRepr: `Order #${orderId}`, changes });
  });
}

export interface CancelPreview {
  /** Lines whose product still exists: their quantity goes back into stock. */
  restocked: { product_name: string; quantity: number }[];
  /** Lines of deleted products: nothing to put back. */
  notRestocked: { product_name: string; quantity: number }[];
  /** Paid by card: Stripe refunds this, in full, before the order is cancelled. */
  refund: { amount: string; currency: string } | null;
  /** Paid, but not through Stripe: the shop has to pay it back itself. */
  paidByHand: boolean;
  /** Pending with a card payment started: the server cancels it at Stripe, and refunds it if it went through. */
  paymentStarted: boolean;
}

/**
 * The money side of cancelling an order, the one rule both confirmation pages
 * (one order, and the bulk action) show: a paid order whose card payment
 * succeeded is refunded through Stripe (staffRefundDue); one paid any other way
 * the shop pays back itself; an unpaid order owes nothing.
 */
export function refundOnCancel(status: OrderStatus, paymentStatus: string | null | undefined): 'card' | 'by_hand' | 'none' {
  if (status !== 'paid') return 'none';
  return paymentStatus === 'succeeded' ? 'card' : 'by_hand';
}

/** What cancelling this order does, as cancelOrders and staffRefundDue will do it. */
export function cancelPreview(order: OrderView, payment: AdminPayment | null): CancelPreview {
  const line = (item: OrderView['items'][number]) => ({ product_name: item.product_name, quantity: item.quantity });
  const refund = refundOnCancel(order.status, payment?.status);
  const cardPaid = refund === 'card' && payment !== null;
  return {
    restocked: order.items.filter((item) => item.product_id !== null).map(line),
    notRestocked: order.items.filter((item) => item.product_id === null).map(line),
    refund: cardPaid ? { amount: payment.amount, currency: payment.currency } : null,
    paidByHand: refund === 'by_hand',
    paymentStarted: order.status === 'pending' && payment !== null && payment.status !== 'canceled',
  };
}

export interface UnshippedOrders {
  count: number;
  /** The oldest first, at most UNSHIPPED_SHOWN. */
  orders: { id: number; total: string; created_at: string }[];
}

export const UNSHIPPED_SHOWN = 20;

/**
 * A customer's paid orders that have not shipped, for the warning on the
 * account's delete page: deleting the account leaves them to ship, with the
 * address and contact the orders recorded.
 */
export async function unshippedOrdersOf(userId: number, client: Db = db()): Promise<UnshippedOrders> {
  const where = { userId, status: 'paid' } as const;
  const [count, orders] = await Promise.all([
    client.order.count({ where }),
    client.order.findMany({ where, select: { id: true, total: true, createdAt: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: UNSHIPPED_SHOWN }),
  ]);
  return { count, orders: orders.map((o) => ({ id: o.id, total: formatMoney(o.total), created_at: o.createdAt.toISOString() })) };
}
