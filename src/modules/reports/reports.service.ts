// Read-only figures for the admin dashboard: counts, the latest orders and
// sales per day. Sums are done in SQL over numeric, so no float ever appears.
import { db, type Db } from '../../lib/db';
import { formatMoney } from '../../lib/money';

export const LOW_STOCK = 5;

/**
 * The dashboard's counts, each read from an index or a counter, so a million
 * products or orders cost what a thousand do: products from product_counts,
 * low stock from (stock, id), orders per status from (status, created_at, id).
 */
export async function dashboardCounts(client: Db = db()) {
  const [row] = await client.$queryRaw<{ products: number; low_stock: number; users: number }[]>`
    SELECT (SELECT coalesce(sum(products), 0)::int FROM product_counts) AS products,
           (SELECT count(*)::int FROM products WHERE stock <= ${LOW_STOCK}) AS low_stock,
           (SELECT count(*)::int FROM users) AS users`;
  const byStatus = await client.order.groupBy({ by: ['status'], _count: { _all: true } });
  const orders = Object.fromEntries(byStatus.map((s) => [s.status, s._count._all])) as Record<string, number>;
  return { products: row!.products, lowStock: row!.low_stock, users: row!.users, ordersByStatus: orders };
}

export interface DailySales {
  day: string;
  orders: number;
  total: string;
}

/**
 * One entry per day of the last `days` days (UTC), oldest first, cancelled
 * orders left out. The orders of the window are grouped by day in one pass
 * over orders_created_at_sales_idx (an index-only scan: status and total ride
 * in the index), then laid over every day of the window.
 */
export async function salesPerDay(days = 30, client: Db = db()): Promise<DailySales[]> {
  const rows = await client.$queryRaw<{ day: Date; orders: number; total: string }[]>`
    SELECT d.day, coalesce(s.orders, 0)::int AS orders, coalesce(s.total, 0)::text AS total
    FROM generate_series((now() AT TIME ZONE 'UTC')::date - (${days}::int - 1), (now() AT TIME ZONE 'UTC')::date, interval '1 day') AS d(day)
    LEFT JOIN (
      SELECT (o.created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS orders, sum(o.total) AS total
      FROM orders o
      WHERE o.created_at >= ((now() AT TIME ZONE 'UTC')::date - (${days}::int - 1)) AT TIME ZONE 'UTC' AND o.status <> 'cancelled'
      GROUP BY 1
    ) s ON s.day = d.day
    ORDER BY d.day`;
  return rows.map((r) => ({ day: r.day.toISOString().slice(0, 10), orders: r.orders, total: formatMoney(r.total) }));
}
