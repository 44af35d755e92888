// Writing mail: always on the caller's transaction, so a mail exists exactly
// when the change it reports commits (a rolled-back order mails nothing).
// Each function is one INSERT ... SELECT: the row is built from the database's
// own state in that transaction, and nothing waits for SMTP. (outboxBacklog,
// at the end, reads how much waits, for the metrics.)
import { Prisma, type Db } from '../../lib/db';
import { nudgeMailWorkers } from './mail.signal';

export type OrderMailTemplate = 'order_placed' | 'order_paid' | 'order_shipped' | 'order_cancelled' | 'order_refunded';
export type AccountMailTemplate = 'password_reset' | 'password_changed';
export type MailTemplate = OrderMailTemplate | AccountMailTemplate;

/**
 * One mail per order to its customer, with what the template shows of the
 * order as it stands in this transaction: lines as bought, total, shipping
 * address, cancel reason. Orders without an owner (the account was deleted)
 * mail no one. `extra` is merged into each mail's data.
 */
export async function queueOrderMails(tx: Db, template: OrderMailTemplate, orderIds: number[], extra: Record<string, unknown> = {}): Promise<void> {
  if (orderIds.length === 0) return;
  const queued = await tx.$executeRaw`
    INSERT INTO mail_outbox (template, to_address, user_id, order_id, data)
    SELECT ${template}, u.email, u.id, o.id,
      jsonb_build_object(
        'order_id', o.id,
        'username', u.username,
        'status', o.status,
        'total', o.total::text,
        'cancel_reason', o.cancel_reason,
        'shipping_address', o.shipping_address,
        'placed_at', o.created_at,
        'refunded', EXISTS (SELECT 1 FROM payments p JOIN refunds r ON r.payment_id = p.id WHERE p.order_id = o.id AND r.status = 'succeeded'),
        'lines', (SELECT coalesce(jsonb_agg(jsonb_build_object('name', i.product_name, 'quantity', i.quantity, 'unit_price', i.unit_price::text) ORDER BY i.id), '[]'::jsonb)
                  FROM order_items i WHERE i.order_id = o.id)
      ) || ${JSON.stringify(extra)}::jsonb
    FROM orders o JOIN users u ON u.id = o.user_id
    WHERE o.id = ANY(${orderIds}::int[])
    ORDER BY o.id`;
  if (queued > 0) nudgeMailWorkers();
}

/**
 * One mail to an account's current address, about the account. `activeOnly`
 * (password resets): an inactive or unknown account gets none, and the
 * statement is the same either way, so its cost says nothing about the
 * address. Answers whether a mail was queued.
 */
export async function queueAccountMail(
  tx: Db,
  template: AccountMailTemplate,
  who: { userId: number } | { email: string },
  data: Record<string, unknown> = {},
  { activeOnly = false } = {},
): Promise<boolean> {
  const match = 'userId' in who ? Prisma.sql`u.id = ${who.userId}` : Prisma.sql`lower(u.email) = lower(${who.email})`;
  const queued = await tx.$executeRaw`
    INSERT INTO mail_outbox (template, to_address, user_id, data)
    SELECT ${template}, u.email, u.id, jsonb_build_object('username', u.username, 'token_version', u.token_version) || ${JSON.stringify(data)}::jsonb
    FROM users u
    WHERE ${match} ${activeOnly ? Prisma.sql`AND u.is_active` : Prisma.empty}`;
  if (queued > 0) nudgeMailWorkers();
  return queued > 0;
}

export interface OutboxBacklog {
  /** Mails queued: due now, or waiting for a retry. */
  depth: number;
  /** Age of the oldest of them; 0 when there is none. */
  oldestSeconds: number;
}

/** What waits to be delivered, for the metrics: one scan of the partial index of queued mail. */
export async function outboxBacklog(client: Db): Promise<OutboxBacklog> {
  const [row] = await client.$queryRaw<{ depth: number; oldest_seconds: number }[]>`
    SELECT count(*)::int AS depth,
           COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
    FROM mail_outbox WHERE status = 'queued'`;
  return { depth: row?.depth ?? 0, oldestSeconds: row?.oldest_seconds ?? 0 };
}
