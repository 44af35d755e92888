// Read-only figures for the admin dashboard. "Sales" are orders that were
// paid for: paid, shipped or delivered. Pending orders are shown apart (they
// may never be paid) and cancelled ones not at all. Days are UTC days, and
// the page says so. Sums are done in SQL over numeric, so no float appears.
import { db, Prisma, type Db } from '../../lib/db';
import { formatMoney } from '../../lib/money';

const SOLD = `('paid', 'shipped', 'delivered')`;

/**
 * The dashboard's counts, each read from an index or a counter, so a million
 * products or orders cost what a thousand do: products from product_counts,
 * low and no stock from (stock, id), orders per status from (status, created_at, id).
 */
export async function dashboardCounts(lowStockThreshold: number, client: Db = db()) {
  const [row] = await client.$queryRaw<{ products: number; low_stock: number; out_of_stock: number; users: number }[]>`
    SELECT (SELECT coalesce(sum(products), 0)::int FROM product_counts) AS products,
           (SELECT count(*)::int FROM products WHERE stock <= ${lowStockThreshold}) AS low_stock,
           (SELECT count(*)::int FROM products WHERE stock = 0) AS out_of_stock,
           (SELECT count(*)::int FROM users) AS users`;
  const byStatus = await client.order.groupBy({ by: ['status'], _count: { _all: true } });
  const orders = Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])) as Record<string, number>;
  return { products: row!.products, lowStock: row!.low_stock, outOfStock: row!.out_of_stock, users: row!.users, ordersByStatus: orders };
}

export interface SalesFigures {
  /** Paid, shipped or delivered orders placed in the window, and their value. */
  orders: number;
  total: string;
  /** total / orders, two places; "0.00" without orders. */
  average: string;
  /** Orders placed in the window and still unpaid, apart. */
  pendingOrders: number;
  pendingTotal: string;
}

export interface SalesSummary {
  today: SalesFigures;
  week: SalesFigures;
  month: SalesFigures;
}

/** Today (since 00:00 UTC), the last 7 and the last 30 days (today included), in one pass over the 30 days' index range. */
export async function salesSummary(client: Db = db()): Promise<SalesSummary> {
  const [row] = await client.$queryRaw<Record<string, string | number>[]>`
    WITH w AS (SELECT (now() AT TIME ZONE 'UTC')::date AS today)
    SELECT
      ${windowColumns(0, 'today')}, ${windowColumns(6, 'week')}, ${windowColumns(29, 'month')}
    FROM orders o
    WHERE o.created_at >= ((now() AT TIME ZONE 'UTC')::date - 29) AT TIME ZONE 'UTC'`;
  const figures = (prefix: string): SalesFigures => {
    const orders = Number(row?.[`${prefix}_orders`] ?? 0);
    const total = String(row?.[`${prefix}_total`] ?? '0');
    return {
      orders,
      total: formatMoney(total),
      average: formatMoney(orders ? (Number(total) / orders).toFixed(2) : '0'),
      pendingOrders: Number(row?.[`${prefix}_pending_orders`] ?? 0),
      pendingTotal: formatMoney(String(row?.[`${prefix}_pending_total`] ?? '0')),
    };
  };
  return { today: figures('today'), week: figures('week'), month: figures('month') };
}

function windowColumns(daysBack: number, prefix: string): Prisma.Sql {
  const since = Prisma.sql`((now() AT TIME ZONE 'UTC')::date - ${daysBack}::int) AT TIME ZONE 'UTC'`;
  const sold = Prisma.raw(`o.status IN ${SOLD}`);
  return Prisma.sql`
      count(*) FILTER (WHERE o.created_at >= ${since} AND ${sold})::int AS ${Prisma.raw(`${prefix}_orders`)},
      coalesce(sum(o.total) FILTER (WHERE o.created_at >= ${since} AND ${sold}), 0)::text AS ${Prisma.raw(`${prefix}_total`)},
      count(*) FILTER (WHERE o.created_at >= ${since} AND o.status = 'pending')::int AS ${Prisma.raw(`${prefix}_pending_orders`)},
      coalesce(sum(o.total) FILTER (WHERE o.created_at >= ${since} AND o.status = 'pending'), 0)::text AS ${Prisma.raw(`${prefix}_pending_total`)}`;
}

export interface DailySales {
  day: string;
  orders: number;
  total: string;
  pendingOrders: number;
  pendingTotal: string;
}

/**
 * One entry per UTC day of the last `days` days, oldest first: what was sold
 * (paid, shipped, delivered) and, apart, what is still pending. The window's
 * orders are grouped by day in one index-only pass over
 * orders_created_at_sales_idx (status and total ride in the index).
 */
export async function salesPerDay(days = 30, client: Db = db()): Promise<DailySales[]> {
  const rows = await client.$queryRaw<{ day: Date; orders: number; total: string; pending_orders: number; pending_total: string }[]>`
    SELECT d.day, coalesce(s.orders, 0)::int AS orders, coalesce(s.total, 0)::text AS total,
           coalesce(s.pending_orders, 0)::int AS pending_orders, coalesce(s.pending_total, 0)::text AS pending_total
    FROM generate_series((now() AT TIME ZONE 'UTC')::date - (${days}::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
    LEFT JOIN (
      SELECT (o.created_at AT TIME ZONE 'UTC')::date AS day,
             count(*) FILTER (WHERE ${Prisma.raw(`o.status IN ${SOLD}`)}) AS orders,
             sum(o.total) FILTER (WHERE ${Prisma.raw(`o.status IN ${SOLD}`)}) AS total,
             count(*) FILTER (WHERE o.status = 'pending') AS pending_orders,
             sum(o.total) FILTER (WHERE o.status = 'pending') AS pending_total
      FROM orders o
      WHERE o.created_at >= ((now() AT TIME ZONE 'UTC')::date - (${days}::int - 1)) AT TIME ZONE 'UTC'
      GROUP BY 1
    ) s ON s.day = d.day
    ORDER BY d.day`;
  return rows.map((r) => ({
    day: r.day.toISOString().slice(0, 10),
    orders: r.orders,
    total: formatMoney(r.total),
    pendingOrders: r.pending_orders,
    pendingTotal: formatMoney(r.pending_total),
  }));
}

export interface TopProduct {
  productId: number | null;
  name: string;
  units: number;
  revenue: string;
}

/** The best sellers of the last 30 days by revenue, from the lines of sold orders (names as bought). */
export async function topProducts(limit = 5, client: Db = db()): Promise<TopProduct[]> {
  const rows = await client.$queryRaw<{ product_id: number | null; name: string; units: number; revenue: string }[]>`
    SELECT i.product_id, max(i.product_name) AS name, sum(i.quantity)::int AS units, sum(i.quantity * i.unit_price)::text AS revenue
    FROM orders o JOIN order_items i ON i.order_id = o.id
    WHERE o.created_at >= ((now() AT TIME ZONE 'UTC')::date - 29) AT TIME ZONE 'UTC' AND ${Prisma.raw(`o.status IN ${SOLD}`)}
    -- Lines of deleted products (product_id null) stay apart by the name they were sold under.
    GROUP BY i.product_id, CASE WHEN i.product_id IS NULL THEN i.product_name END
    ORDER BY sum(i.quantity * i.unit_price) DESC, i.product_id
    LIMIT ${limit}`;
  return rows.map((r) => ({ productId: r.product_id, name: r.name, units: r.units, revenue: formatMoney(r.revenue) }));
}

export interface Customer {
  username: string;
  email: string;
}

/** Who placed the dashboard's latest orders, by user id, in one statement (a deleted account is missing from it). */
export async function customersOf(userIds: (number | null)[], client: Db = db()): Promise<Record<number, Customer>> {
  const ids = [...new Set(userIds.filter((id): id is number => id !== null))];
  if (ids.length === 0) return {};
  const users = await client.user.findMany({ where: { id: { in: ids } }, select: { id: true, username: true, email: true } });
  return Object.fromEntries(users.map((u) => [u.id, { username: u.username, email: u.email }]));
}
