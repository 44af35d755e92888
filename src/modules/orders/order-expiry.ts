// Unpaid orders give their stock back. A pending order holds its stock from
// the moment it is placed; one left unpaid past PENDING_ORDER_TTL_SECONDS is
// cancelled here with the reason `expired`, through cancelOrders like any
// other cancel (status guard in the UPDATE, products locked in id order).
//
// Several server processes may sweep the same database at once: each batch is
// picked with FOR UPDATE SKIP LOCKED, so a process skips the orders another
// one holds instead of waiting for them, and no order is picked twice (the
// holder commits them as cancelled, and a pending order locked by a payment
// in flight is skipped until the payment has decided it).
//
// The change log is left alone: it records what staff do, and this is no
// staff member; the order's `cancel_reason` says what happened.
//
// Orders with a Stripe PaymentIntent: before such an order is cancelled its
// PaymentIntent is cancelled at Stripe (outside any transaction), so nobody
// can pay for an order that will not ship; if Stripe answers that it already
// succeeded, the order is marked paid instead. While Stripe cannot be reached
// those orders stay pending and the next run tries again. The same run asks
// Stripe again for refunds an earlier request could not get.
//
// Cost of one run, in statements (each batch is one transaction, so add BEGIN
// and COMMIT to each): a batch that finds orders is 5 (the SELECT that picks
// and locks it, cancelOrders' UPDATE ... RETURNING, its product-lock SELECT,
// its restock UPDATE and the INSERT of the customers' mails), whatever the
// batch holds; the run ends with the first batch that is not full. So a run
// with nothing to expire is 1 SELECT (an index scan of the partial index of
// pending orders), and one expiring n orders is 5 * ceil(n / batchSize)
// statements, plus 1 when n is a multiple of batchSize.
import type { PrismaClient } from '../../generated/prisma/client';
import { db } from '../../lib/db';
import { UnavailableError } from '../../lib/errors';
import { logger } from '../../lib/logger';
import { ordersExpired } from '../../lib/metrics';
import { settleOpenIntents, settleDueRefunds } from '../payments/payments.sweep';
import type { StripeGateway } from '../payments/stripe-gateway';
import { cancelOrders } from './cancel-orders';

/** Small, so the order and product locks of one batch are held briefly. */
export const EXPIRY_BATCH_SIZE = 50;

export interface SweepOptions {
  /** Pending orders placed longer ago than this are expired; 0 or less: none. */
  ttlSeconds: number;
  batchSize?: number;
  client?: PrismaClient;
  /** Checked between batches: once aborted, the run ends after the batch in hand. */
  signal?: AbortSignal;
  /** Stripe, for orders with a PaymentIntent; without it (or unconfigured) those orders are left pending. */
  gateway?: StripeGateway;
}

/** Expires every pending order older than the TTL, a batch per transaction; answers how many it expired. */
export async function expireUnpaidOrders({ ttlSeconds, batchSize = EXPIRY_BATCH_SIZE, client = db(), signal, gateway }: SweepOptions): Promise<number> {
  if (ttlSeconds <= 0) return 0;
  if (gateway?.configured) {
    await settleDueRefunds(client, gateway, batchSize).catch(leaveToNextRun);
    await settleOpenIntents(client, gateway, ttlSeconds, batchSize).catch(leaveToNextRun);
  }
  let expired = 0;
  for (;;) {
    const batch = await client.$transaction(async (tx) => {
      const picked = await tx.$queryRaw<{ id: number }[]>`
        SELECT id FROM orders
        WHERE status = 'pending' AND created_at < now() - ${ttlSeconds}::int * interval '1 second'
          AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = orders.id AND p.status <> 'canceled')
        ORDER BY created_at, id
        LIMIT ${batchSize}::int
        FOR UPDATE SKIP LOCKED`;
      if (picked.length === 0) return { picked: 0, cancelled: 0 };
      const cancelled = await cancelOrders(tx, picked.map((row) => row.id), 'pending', 'expired');
      return { picked: picked.length, cancelled: cancelled.length };
    });
    expired += batch.cancelled;
    ordersExpired.inc(batch.cancelled);
    if (batch.picked < batchSize || batch.cancelled === 0 || signal?.aborted) return expired;
  }
}

/** Stripe unavailable: what it left undone waits for the next run; anything else is the run's failure. */
function leaveToNextRun(error: unknown): void {
  if (!(error instanceof UnavailableError)) throw error;
  logger.warn({ code: error.code }, 'Stripe unavailable during the expiry sweep; its orders and refunds wait for the next run');
}

export interface ExpiryLog {
  info: (fields: object, message: string) => void;
  warn: (fields: object, message: string) => void;
}

export interface ExpirySchedulerOptions {
  ttlSeconds: number;
  intervalMs: number;
  client?: PrismaClient;
  batchSize?: number;
  log?: ExpiryLog;
  gateway?: StripeGateway;
}

export interface ExpiryScheduler {
  /** Stops the timer and waits for a run in progress, which ends after its current batch. */
  stop: () => Promise<void>;
}

/**
 * Sweeps every `intervalMs` in this process. A run still going when the next
 * is due is not doubled; a failed run (the database down, say) is logged and
 * the next interval simply tries again. The timer does not keep the process
 * alive. A TTL of 0 turns expiry off.
 */
export function startOrderExpiry({ ttlSeconds, intervalMs, client, batchSize, log = logger, gateway }: ExpirySchedulerOptions): ExpiryScheduler {
  if (ttlSeconds <= 0) return { stop: async () => undefined };
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  const run = () => {
    if (running || controller.signal.aborted) return;
    running = expireUnpaidOrders({ ttlSeconds, batchSize, client, signal: controller.signal, gateway })
      .then((expired) => {
        if (expired > 0) log.info({ expired }, 'expired unpaid orders and returned their stock');
      })
      .catch((error: unknown) => log.warn({ err: error }, 'order expiry sweep failed; retrying at the next interval'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
}
