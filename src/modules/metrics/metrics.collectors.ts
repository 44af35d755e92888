// What GET /metrics reads at scrape time rather than counting as it happens:
// the pg pool's connections, straight from the pool, and the mail outbox,
// from the database in one statement on its partial index of queued mail.
import { Gauge } from 'prom-client';
import { db, poolUnder } from '../../lib/db';
import { logger } from '../../lib/logger';
import { metricsRegistry } from '../../lib/metrics';
import { outboxBacklog, type OutboxBacklog } from '../mail/mail.outbox';

const registers = [metricsRegistry];

function processPool() {
  try {
    return poolUnder(db());
  } catch {
    return undefined; // not open yet
  }
}

new Gauge({
  name: 'shop_db_pool_connections',
  help: 'Connections of the database pool, by state: in_use (checked out) or idle',
  labelNames: ['state'] as const,
  registers,
  collect() {
    const pool = processPool();
    this.reset();
    if (!pool) return;
    this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
    this.set({ state: 'idle' }, pool.idleCount);
  },
});

new Gauge({
  name: 'shop_db_pool_waiting',
  help: 'Queries waiting for a free connection of the database pool',
  registers,
  collect() {
    this.set(processPool()?.waitingCount ?? 0);
  },
});

new Gauge({
  name: 'shop_db_pool_max',
  help: 'Connections the database pool may open (DATABASE_POOL_SIZE)',
  registers,
  collect() {
    this.set(processPool()?.options.max ?? 0);
  },
});

// Both outbox gauges come from one statement; a scrape collects them at once,
// so they share its answer (for a second, which also spares the database a
// burst of scrapes). A scrape while the database is down shows them NaN,
// unknown, rather than a stale number or a reassuring 0.
let backlog: { at: number; answer: Promise<OutboxBacklog | undefined> } | undefined;
function outboxNow(): Promise<OutboxBacklog | undefined> {
  // With every connection busy the read would queue behind customers' queries
  // and hold the scrape for up to the connect timeout, just when the operator
  // needs the rest of it: then the outbox is unknown for this scrape.
  const pool = processPool();
  if (pool && pool.idleCount === 0 && pool.totalCount >= (pool.options.max ?? Infinity)) return Promise.resolve(undefined);
  if (!backlog || performance.now() - backlog.at > 1_000) {
    const answer = Promise.resolve().then(() => outboxBacklog(db())).catch((error: unknown) => {
      logger.warn({ err: error }, 'metrics: the mail outbox could not be read');
      return undefined;
    });
    backlog = { at: performance.now(), answer };
  }
  return backlog.answer;
}

new Gauge({
  name: 'shop_mail_outbox_depth',
  help: 'Mails queued for delivery (due now or waiting for a retry)',
  registers,
  async collect() {
    this.set((await outboxNow())?.depth ?? Number.NaN);
  },
});

new Gauge({
  name: 'shop_mail_outbox_oldest_seconds',
  help: 'Age of the oldest mail still queued; 0 when none is',
  registers,
  async collect() {
    this.set((await outboxNow())?.oldestSeconds ?? Number.NaN);
  },
});
