// Order placement in one SQL statement: the hot path of checkout and order
// creation. Each Prisma query is a round trip, and the product row locks are
// held from the first of them to COMMIT; one statement per step keeps the
// locks short and the transaction at BEGIN, this, COMMIT.
//
// The statement locks the products in id order, checks every line against the
// locked rows, and only when all of them pass decrements the stock (a
// conditional UPDATE whose row count comes back), writes the order (with its
// shipping address, copied as given, and the buyer's email and username, so
// it keeps its contact if the account is deleted) and its lines with name and
// price snapshots, and, at checkout, empties the cart. It
// returns one row per requested line either way, so the caller can name every
// missing or short product without a second query.
//
// Before it, under the user's lock, one more statement counts what the user's
// pending orders hold (orders, and units of each requested product) for the
// caps that keep one account from holding a product's stock unpaid.
import { Prisma, type Db } from '../../lib/db';
import { MAX_AMOUNT, type Money } from '../../lib/money';
import type { ShippingAddress } from '../addresses/addresses.schemas';
import type { OrderStatus } from '../orders/orders.schemas';
import type { OrderWithItems } from '../orders/orders.service';

export interface Line {
  productId: number;
  quantity: number;
}

/** Where the lines come from: the request body, or the user's cart (read under the cart lock). */
export type LineSource = { kind: 'lines'; lines: Line[] } | { kind: 'cart' };

/** One requested line as the statement saw it; the order columns are null unless it was placed. */
interface PlacementRow {
  product_id: number;
  quantity: number;
  /** Null when no such product exists. */
  name: string | null;
  price: Money | null;
  /** The stock under the row lock, before any decrement. */
  stock: number | null;
  decremented: number;
  order_id: number | null;
  user_id: number | null;
  status: OrderStatus | null;
  total: Money | null;
  shipping_address: Prisma.JsonValue | null;
  customer_email: string | null;
  customer_name: string | null;
  created_at: Date | null;
  updated_at: Date | null;
  item_id: number | null;
}

export interface LockedLine extends Line {
  product: { name: string; price: Money; stock: number } | null;
}

export interface Placement {
  /** Every requested line, in the order given, with its product as locked (null if missing). */
  lines: LockedLine[];
  /** How many stock rows the conditional UPDATE changed (0 when nothing was written). */
  decremented: number;
  /** The order as written, or null when a check failed and nothing was written. */
  order: OrderWithItems | null;
}

function wantedLines(userId: number, source: LineSource): Prisma.Sql {
  if (source.kind === 'cart') {
    return Prisma.sql`
      SELECT product_id, quantity, row_number() OVER (ORDER BY product_id) AS position
      FROM cart_items WHERE user_id = ${userId}`;
  }
  return Prisma.sql`
    SELECT product_id, quantity, position
    FROM unnest(${source.lines.map((l) => l.productId)}::int[], ${source.lines.map((l) => l.quantity)}::int[])
      WITH ORDINALITY AS w(product_id, quantity, position)`;
}

/** Checkout empties the cart it ordered, in the same statement and only if the order was written. */
function emptyCart(userId: number, source: LineSource): Prisma.Sql {
  if (source.kind !== 'cart') return Prisma.empty;
  return Prisma.sql`,
    emptied AS (DELETE FROM cart_items WHERE user_id = ${userId} AND (SELECT ok FROM verdict))`;
}

/**
 * Runs on the caller's transaction. Writes nothing unless every line exists,
 * has the stock, and the total fits the money column. The product locks are
 * taken in id order (the sort runs below the row locking), like restocking a
 * cancelled order does, so concurrent orders and cancels queue instead of
 * deadlocking. The later steps of the same statement act on the locked rows'
 * newest versions, so the UPDATE's `stock >= quantity` is checked again
 * against what the lock saw.
 */
export async function placeOrderStatement(tx: Db, userId: number, source: LineSource, shippingAddress: ShippingAddress | null = null): Promise<Placement> {
  const rows = await tx.$queryRaw<PlacementRow[]>`
    WITH wanted AS (${wantedLines(userId, source)}),
    locked AS (
      SELECT id, name, price, stock FROM products
      WHERE id IN (SELECT product_id FROM wanted) ORDER BY id FOR UPDATE
    ),
    lines AS (
      SELECT w.product_id, w.quantity, w.position, l.name, l.price, l.stock
      FROM wanted w LEFT JOIN locked l ON l.id = w.product_id
    ),
    verdict AS (
      SELECT COALESCE(count(name) = count(*) AND bool_and(stock >= quantity) AND sum(price * quantity) <= ${MAX_AMOUNT}, false) AS ok,
             sum(price * quantity) AS total
      FROM lines
    ),
    decremented AS (
      UPDATE products p SET stock = p.stock - w.quantity, updated_at = now()
      FROM wanted w
      WHERE p.id = w.product_id AND p.stock >= w.quantity AND (SELECT ok FROM verdict)
      RETURNING p.id
    ),
    placed AS (
      INSERT INTO orders (user_id, total, shipping_address, customer_email, customer_name, updated_at)
      SELECT ${userId}, total, ${shippingAddress === null ? null : JSON.stringify(shippingAddress)}::jsonb,
             (SELECT email FROM users WHERE id = ${userId}), (SELECT username FROM users WHERE id = ${userId}), now()
      FROM verdict WHERE ok
      RETURNING id, user_id, status, total, shipping_address, customer_email, customer_name, created_at, updated_at
    ),
    items AS (
      INSERT INTO order_items (order_id, product_id, product_name, unit_price, quantity)
      SELECT o.id, l.product_id, l.name, l.price, l.quantity FROM placed o CROSS JOIN lines l ORDER BY l.position
      RETURNING id, product_id
    )${emptyCart(userId, source)}
    SELECT l.product_id, l.quantity, l.name, l.price, l.stock,
           (SELECT count(*) FROM decremented)::int AS decremented,
           o.id AS order_id, o.user_id, o.status::text AS status, o.total, o.shipping_address, o.customer_email, o.customer_name, o.created_at, o.updated_at,
           i.id AS item_id
    FROM lines l
    LEFT JOIN placed o ON true
    LEFT JOIN items i ON i.product_id = l.product_id
    ORDER BY l.position`;
  return toPlacement(rows);
}

/** The one place a PlacementRow becomes domain data. */
function toPlacement(rows: PlacementRow[]): Placement {
  const lines = rows.map((row) => ({
    productId: row.product_id,
    quantity: row.quantity,
    product: row.name === null ? null : { name: row.name, price: row.price!, stock: row.stock! },
  }));
  const first = rows[0];
  if (!first || first.order_id === null) return { lines, decremented: first?.decremented ?? 0, order: null };
  const order: OrderWithItems = {
    id: first.order_id,
    userId: first.user_id,
    status: first.status!,
    cancelReason: null,
    total: first.total!,
    shippingAddress: first.shipping_address,
    customerEmail: first.customer_email,
    customerName: first.customer_name,
    trackingNumber: null,
    carrier: null,
    staffNote: '',
    createdAt: first.created_at!,
    updatedAt: first.updated_at!,
    items: rows
      .map((row) => ({
        id: row.item_id!,
        orderId: first.order_id!,
        productId: row.product_id,
        productName: row.name!,
        unitPrice: row.price!,
        quantity: row.quantity,
      }))
      .sort((a, b) => a.id - b.id),
  };
  return { lines, decremented: first.decremented, order };
}

/** A requested line of an existing product, and how many of it this user's pending orders hold already. */
export interface HeldLine {
  productId: number;
  name: string;
  requested: number;
  held: number;
}

export interface PendingHoldings {
  pendingOrders: number;
  /** The requested lines whose product exists, in the order given (missing ones are placement's 400). */
  lines: HeldLine[];
}

interface HoldingsRow {
  pending_orders: number;
  lines: { product_id: number; name: string; requested: number; held: number }[];
}

/**
 * What the user's pending orders hold, for the pending-order and pending-unit
 * caps: one statement, run after the user's row lock, so it sees every order
 * of theirs committed before (one user's orders queue on that lock). The sums
 * start from the user's pending orders (few, by the cap) and read their lines
 * by order id, never every line of a popular product.
 */
export async function pendingHoldingsStatement(tx: Db, userId: number, source: LineSource): Promise<PendingHoldings> {
  const [row] = await tx.$queryRaw<HoldingsRow[]>`
    WITH wanted AS (${wantedLines(userId, source)}),
    pending AS (SELECT id FROM orders WHERE user_id = ${userId} AND status = 'pending'),
    held AS (
      SELECT i.product_id, sum(i.quantity)::int AS held
      FROM pending o JOIN order_items i ON i.order_id = o.id
      GROUP BY i.product_id
    )
    SELECT (SELECT count(*) FROM pending)::int AS pending_orders,
           COALESCE(json_agg(json_build_object('product_id', w.product_id, 'name', p.name, 'requested', w.quantity, 'held', COALESCE(h.held, 0))
                             ORDER BY w.position), '[]'::json) AS lines
    FROM wanted w
    JOIN products p ON p.id = w.product_id
    LEFT JOIN held h ON h.product_id = w.product_id`;
  return toHoldings(row!);
}

function toHoldings(row: HoldingsRow): PendingHoldings {
  return {
    pendingOrders: row.pending_orders,
    lines: row.lines.map((l) => ({ productId: l.product_id, name: l.name, requested: l.requested, held: l.held })),
  };
}
