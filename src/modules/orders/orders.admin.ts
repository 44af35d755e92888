// Orders as staff's work queue: the admin list's search, filters and sorts in
// SQL (customer, payment state and address live in other tables and in the
// shipping snapshot), the same filter read in keyset batches for an export,
// and status changes applied order by order, so one refusal never undoes the
// others. Plain data in and out: the admin routes render it.
import { z } from 'zod';
import { db, Prisma } from '../../lib/db';
import { ConflictError, NotFoundError, UnavailableError } from '../../lib/errors';
import { containsPattern } from '../../lib/like-pattern';
import { formatMoney } from '../../lib/money';
import type { PageRequest } from '../../http/pagination';
import type { AuthUser } from '../users/users.service';
import { ORDER_STATUSES, type OrderStatus } from './orders.schemas';
import { allowedTransitions, changeOrderStatus, type StatusChangeOptions } from './orders.service';
import { refundOnCancel } from './fulfilment.service';

/** What the order's card payment (payments, refunds) says; `none` when no card payment was started. */
export const PAYMENT_STATES = ['none', 'pending', 'paid', 'refund_pending', 'refund_failed', 'refunded', 'cancelled'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export const ORDER_SORTS = ['id', 'customer', 'email', 'city', 'country', 'status', 'payment', 'total', 'created_at'] as const;
export type OrderSort = (typeof ORDER_SORTS)[number];
const SORT_VALUES = ORDER_SORTS.flatMap((s) => [s, `-${s}`] as const);

const enumField = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `Select a valid choice. “${String(issue.input)}” is not one of the available choices.` }).optional();
const dateField = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter a date as YYYY-MM-DD.')
  // 2026-02-30 matches the pattern but is no day: Date rolls it over to March.
  .refine((value) => {
    const day = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
  }, 'Enter a real date.')
  .optional();

/** The list's query string (every field a string, '' left out before parsing); `sort` is a column, `-column` for descending. */
export const adminOrderQuery = z
  .object({
    q: z.string().trim().max(200, 'Ensure this field has no more than 200 characters.').optional(),
    status: enumField(ORDER_STATUSES),
    payment: enumField(PAYMENT_STATES),
    from: dateField,
    to: dateField,
    sort: enumField(SORT_VALUES as [string, ...string[]]),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: 'The end date is before the start date.' });

export interface AdminOrderFilter {
  q?: string;
  status?: OrderStatus;
  payment?: PaymentState;
  /** UTC days, both included. */
  from?: string;
  to?: string;
  /** A customer's id (0 matches no one). */
  user?: number;
}

export interface AdminOrderRow {
  id: number;
  status: OrderStatus;
  cancel_reason: string | null;
  total: string;
  user_id: number | null;
  /** The account's; once it is deleted, as copied when the order was placed. */
  username: string | null;
  email: string | null;
  /** The name the order ships to, else the account's username; null for a deleted account's order without an address. */
  customer: string | null;
  city: string;
  country: string;
  payment: PaymentState;
  lines: number;
  created_at: string;
}

interface RawRow extends Omit<AdminOrderRow, 'created_at' | 'customer' | 'city' | 'country'> {
  full_name: string | null;
  city: string | null;
  country: string | null;
  created_at: Date;
}

// One payment per order and one refund per payment: these joins never repeat
// an order, and PostgreSQL drops them from a query that reads none of their columns.
const JOINS = Prisma.sql`LEFT JOIN users u ON u.id = o.user_id LEFT JOIN payments p ON p.order_id = o.id LEFT JOIN refunds r ON r.payment_id = p.id`;
const PAYMENT_STATE = Prisma.sql`(CASE WHEN p.id IS NULL THEN 'none'
  WHEN p.status = 'refunded' OR r.status = 'succeeded' THEN 'refunded'
  WHEN r.status = 'pending' THEN 'refund_pending' WHEN r.status = 'failed' THEN 'refund_failed'
  WHEN p.status = 'succeeded' THEN 'paid' WHEN p.status = 'canceled' THEN 'cancelled' ELSE 'pending' END)`;
// The account's current username and email; once it is deleted, those the order copied when it was placed.
const USERNAME = Prisma.sql`coalesce(u.username, o.customer_name)`;
const EMAIL = Prisma.sql`coalesce(u.email, o.customer_email)`;
const CUSTOMER = Prisma.sql`coalesce(nullif(o.shipping_address->>'full_name', ''), ${USERNAME})`;
const SORT_BY: Record<OrderSort, Prisma.Sql> = {
  id: Prisma.sql`o.id`,
  customer: Prisma.sql`lower(${CUSTOMER})`,
  email: Prisma.sql`lower(${EMAIL})`,
  city: Prisma.sql`lower(nullif(o.shipping_address->>'city', ''))`,
  country: Prisma.sql`nullif(o.shipping_address->>'country', '')`,
  status: Prisma.sql`o.status`, // the enum's order: the order's life, pending to cancelled
  payment: PAYMENT_STATE,
  total: Prisma.sql`o.total`,
  created_at: Prisma.sql`o.created_at`,
};
const COLUMNS = Prisma.sql`o.id, o.status::text AS status, o.cancel_reason::text AS cancel_reason, o.total::text AS total,
  o.user_id, ${USERNAME} AS username, ${EMAIL} AS email, o.shipping_address->>'full_name' AS full_name, o.shipping_address->>'city' AS city,
  o.shipping_address->>'country' AS country, ${PAYMENT_STATE} AS payment, o.created_at,
  (SELECT count(*)::int FROM order_items i WHERE i.order_id = o.id) AS lines`;

function toRow({ full_name, city, country, created_at, ...row }: RawRow): AdminOrderRow {
  return { ...row, total: formatMoney(row.total), customer: full_name || row.username, city: city ?? '', country: country ?? '', created_at: created_at.toISOString() };
}

/** `#12` is order 12; `12` is order 12 or a name, username or email holding "12"; anything else is taken literally (`_`, `%` too). */
function searchOf(q: string): Prisma.Sql {
  const number = /^#\s*(\d{1,9})$/.exec(q);
  if (number) return Prisma.sql`o.id = ${Number(number[1])}`;
  const pattern = containsPattern(q);
  const byId = /^\d{1,9}$/.test(q) ? Prisma.sql`o.id = ${Number(q)} OR ` : Prisma.empty;
  return Prisma.sql`(${byId}o.shipping_address->>'full_name' ILIKE ${pattern} OR ${USERNAME} ILIKE ${pattern} OR ${EMAIL} ILIKE ${pattern})`;
}

function whereOf(filter: AdminOrderFilter, extra: Prisma.Sql[] = []): Prisma.Sql {
  const parts = [...extra];
  if (filter.user !== undefined) parts.push(Prisma.sql`o.user_id = ${filter.user}`);
  if (filter.status) parts.push(Prisma.sql`o.status = ${filter.status}::order_status`);
  if (filter.payment) parts.push(Prisma.sql`${PAYMENT_STATE} = ${filter.payment}`);
  if (filter.from) parts.push(Prisma.sql`o.created_at >= ${filter.from}::date AT TIME ZONE 'UTC'`);
  if (filter.to) parts.push(Prisma.sql`o.created_at < (${filter.to}::date + 1) AT TIME ZONE 'UTC'`);
  if (filter.q) parts.push(searchOf(filter.q));
  return parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, ' AND ')}` : Prisma.empty;
}

// Orders without them (no address, a deleted account) go last either way. The
// other columns are NOT NULL and keep the default null order, since an index
// scan only serves an ORDER BY whose NULLS FIRST/LAST matches its own.
const NULLABLE: ReadonlySet<OrderSort> = new Set(['customer', 'email', 'city', 'country']);

/** `-created_at` (newest first) unless told; ties broken by id in the same direction, so pages never overlap. */
function orderOf(sort = '-created_at'): Prisma.Sql {
  const descending = sort.startsWith('-');
  const named = (descending ? sort.slice(1) : sort) as OrderSort;
  const column = Object.hasOwn(SORT_BY, named) ? named : 'created_at';
  const dir = Prisma.raw(descending ? 'DESC' : 'ASC');
  const nulls = NULLABLE.has(column) ? Prisma.raw(' NULLS LAST') : Prisma.empty;
  return Prisma.sql`${SORT_BY[column]} ${dir}${nulls}, o.id ${dir}`;
}

/**
 * A page of the queue. As in the orders service, the page's ids are chosen
 * first (for the default order, from the (created_at, id) or (status,
 * created_at, id) index, no join read), then only those orders are read with
 * their customer and payment. The count is exact, so "page X of Y" is true.
 */
export async function listAdminOrders(filter: AdminOrderFilter, sort: string | undefined, page: PageRequest) {
  const [[counted], rows] = await Promise.all([
    db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM orders o ${JOINS} ${whereOf(filter)}`,
    db().$queryRaw<RawRow[]>`
      WITH page AS MATERIALIZED (${pageIdsQuery(filter, sort, page)})
      SELECT ${COLUMNS} FROM page JOIN orders o ON o.id = page.id ${JOINS} ORDER BY ${orderOf(sort)}`,
  ]);
  return { count: counted!.n, results: rows.map(toRow) };
}

/** The ids of a page, in order (exported so a test can EXPLAIN it). */
export const pageIdsQuery = (filter: AdminOrderFilter, sort: string | undefined, page: PageRequest) =>
  Prisma.sql`SELECT o.id FROM orders o ${JOINS} ${whereOf(filter)} ORDER BY ${orderOf(sort)} LIMIT ${page.take}::int OFFSET ${page.skip}::int`;

/**
 * Every order of the filter, `size` at a time, by keyset on (created_at, id)
 * (newest first, or oldest first): each batch is one indexed range read, so
 * an export of a million orders holds one batch in memory, never all of them.
 */
export async function* adminOrderBatches(filter: AdminOrderFilter, oldestFirst = false, size = 500): AsyncGenerator<AdminOrderRow[]> {
  const dir = Prisma.raw(oldestFirst ? 'ASC' : 'DESC');
  let after: RawRow | undefined;
  for (;;) {
    const keyset = after
      ? [Prisma.sql`(o.created_at, o.id) ${Prisma.raw(oldestFirst ? '>' : '<')} (${after.created_at.toISOString()}::timestamptz, ${after.id})`]
      : [];
    const rows = await db().$queryRaw<RawRow[]>`SELECT ${COLUMNS} FROM orders o ${JOINS} ${whereOf(filter, keyset)} ORDER BY o.created_at ${dir}, o.id ${dir} LIMIT ${size}::int`;
    if (rows.length) yield rows.map(toRow);
    if (rows.length < size) return;
    after = rows.at(-1);
  }
}

export interface BulkOutcome {
  changed: number[];
  skipped: { id: number; reason: string }[];
}

/**
 * Moves each order to `target` through changeOrderStatus, one transaction
 * per order (each change logged through the actor), so one refusal never
 * undoes the others: a refused order is skipped with the rule's message.
 */
export async function changeStatusInBulk(viewer: AuthUser, ids: number[], target: OrderStatus, options: StatusChangeOptions): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { changed: [], skipped: [] };
  for (const id of ids) {
    try {
      await changeOrderStatus(viewer, id, target, options);
      outcome.changed.push(id);
    } catch (error) {
      // Refused by the rules, gone, or Stripe refusing or unreachable for this order's refund.
      if (!(error instanceof ConflictError || error instanceof NotFoundError || error instanceof UnavailableError)) throw error;
      outcome.skipped.push({ id, reason: error.message });
    }
  }
  return outcome;
}

export interface CancelPreview {
  id: number;
  status: OrderStatus | null;
  total: string;
  /** Why it will not be cancelled; null when it will be. */
  refusal: string | null;
  /** What goes back into stock: lines of deleted products cannot (product_id null). */
  restock: { product_id: number | null; product_name: string; quantity: number }[];
  /** card: refunded in full through Stripe first; by_hand: paid without a card payment, to be paid back by the shop. */
  refund: 'card' | 'by_hand' | 'none';
}

/** What cancelling each order would do, in the order given, changing nothing. */
export async function cancelPreview(viewer: AuthUser, ids: number[]): Promise<CancelPreview[]> {
  const orders = await db().order.findMany({
    where: { id: { in: ids } },
    select: { id: true, status: true, userId: true, total: true, items: { orderBy: { id: 'asc' }, select: { productId: true, productName: true, quantity: true } }, payment: { select: { status: true } } },
  });
  const byId = new Map(orders.map((o) => [o.id, o]));
  return ids.map((id) => {
    const order = byId.get(id);
    if (!order) return { id, status: null, total: '', refusal: 'No order matches the given query.', restock: [], refund: 'none' };
    const cancellable = allowedTransitions(order.status, viewer, order.userId === viewer.id).includes('cancelled');
    return {
      id,
      status: order.status,
      total: formatMoney(order.total),
      refusal: cancellable ? null : `A ${order.status} order cannot be cancelled.`,
      restock: cancellable ? order.items.map((i) => ({ product_id: i.productId, product_name: i.productName, quantity: i.quantity })) : [],
      refund: cancellable ? refundOnCancel(order.status, order.payment?.status) : 'none',
    };
  });
}
