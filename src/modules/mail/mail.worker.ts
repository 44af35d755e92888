// The mail worker: delivers the outbox, in every server process at once.
//
// A run claims a batch of due rows in one statement (FOR UPDATE SKIP LOCKED,
// so processes never claim the same row; the claim is its own short
// transaction) by pushing each row's next_attempt_at past a lease and giving
// it a fresh claim_token. Each mail is then sent with no transaction open, and
// marked right after the SMTP server's answer by one UPDATE on its primary key
// that names the claim's token. So:
//   * a process that dies mid-send leaves the row claimed until the lease
//     ends; then anyone claims it again: retried, never lost;
//   * the lease is the batch's, but its mails are sent one after another: a
//     run that has used half of it renews a mail's lease (by its token) before
//     sending it, and skips the mail when another run took it over meanwhile,
//     so a slow SMTP server makes no run send what another already did;
//   * a stopping worker sends no more than the mail in hand and gives the
//     rest of its batch back, due at once, so shutdown waits for one send;
//   * the only window for a repeat is between the server's 250 and that one
//     UPDATE (a crash or the database gone right then): delivery is
//     at-least-once, and the Message-ID, made from the row, lets receivers
//     drop the repeat;
//   * a refusal for now (4xx, SMTP down, a timeout) is retried after a backoff
//     that doubles from MAIL_RETRY_BASE_SECONDS to MAIL_RETRY_MAX_SECONDS,
//     with jitter (half fixed, half random, so retries of many mails spread),
//     until MAIL_MAX_ATTEMPTS; then, or at once for a permanent refusal (a
//     5xx to the recipient or the message: isPermanentRefusal), the mail is
//     marked failed for staff.
// One send has to fit in half a lease (MAIL_LEASE_SECONDS well above
// MAIL_SEND_TIMEOUT_MS, as the defaults are), or another run may claim the
// mail while it is still being sent.
// Nothing here runs inside an API request: SMTP down slows no one.
import type { PrismaClient } from '../../generated/prisma/client';
import { db } from '../../lib/db';
import { composeMail, MailDiscarded, type ClaimedMail, type ComposeSettings } from './mail.compose';
import { onMailQueued } from './mail.signal';
import { isPermanentRefusal, type MailTransport } from './mail.transport';
import { mailDeliveries } from '../../lib/metrics';

export interface RetrySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  leaseMs: number;
}

export interface DeliveryOptions extends RetrySettings, ComposeSettings {
  transport: MailTransport;
  client?: PrismaClient;
  batchSize?: number;
  /** [0, 1): the jitter's source, replaceable so a backoff can be checked exactly. */
  random?: () => number;
}

export interface DeliveryCounts {
  sent: number;
  retrying: number;
  failed: number;
  discarded: number;
  /** Claims that ran out before their turn and were taken over by another run: not sent by this one. */
  lapsed: number;
}

/** The wait before attempt `attempts + 1`: base * 2^(attempts - 1), capped, half of it jittered. */
export function retryDelayMs(attempts: number, settings: Pick<RetrySettings, 'retryBaseMs' | 'retryMaxMs'>, random = Math.random): number {
  const ceiling = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** One run: claims due mail a batch at a time and delivers it, until a batch comes back short. */
export async function deliverDueMail(options: DeliveryOptions, signal?: AbortSignal): Promise<DeliveryCounts> {
  const { client = db(), batchSize = 10 } = options;
  const counts: DeliveryCounts = { sent: 0, retrying: 0, failed: 0, discarded: 0, lapsed: 0 };
  await failAbandoned(client, options.maxAttempts);
  for (;;) {
    // Taken before the claim, so the lease (counted from the claim on the
    // database's clock) has surely no more left than this says.
    const claimedAt = performance.now();
    const batch = await claim(client, batchSize, options);
    for (const [index, row] of batch.entries()) {
      if (signal?.aborted) {
        await release(client, batch.slice(index));
        return counts;
      }
      const leaseHalfGone = performance.now() - claimedAt > options.leaseMs / 2;
      const outcome = leaseHalfGone && !(await renewLease(client, row, options.leaseMs)) ? 'lapsed' : await deliverOne(client, row, options);
      counts[outcome] += 1;
      mailDeliveries.inc({ outcome });
    }
    if (batch.length < batchSize || signal?.aborted) return counts;
  }
}

function claim(client: PrismaClient, batchSize: number, { leaseMs, maxAttempts }: RetrySettings): Promise<ClaimedMail[]> {
  return client.$queryRaw<ClaimedMail[]>`
    UPDATE mail_outbox m
    SET claim_token = gen_random_uuid(), attempts = m.attempts + 1,
        next_attempt_at = now() + ${leaseMs}::float8 * interval '1 millisecond'
    FROM (
      SELECT id FROM mail_outbox
      WHERE status = 'queued' AND next_attempt_at <= now() AND attempts < ${maxAttempts}::int
      ORDER BY next_attempt_at, id
      LIMIT ${batchSize}::int
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE m.id = due.id
    RETURNING m.id, m.template, m.to_address, m.user_id, m.data, m.attempts, m.claim_token::text AS claim_token, m.created_at`;
}

/** A fresh lease for a claim still held; false when it ran out and another run took the mail (or failed it). */
async function renewLease(client: PrismaClient, row: ClaimedMail, leaseMs: number): Promise<boolean> {
  const renewed = await client.$executeRaw`
    UPDATE mail_outbox SET next_attempt_at = now() + ${leaseMs}::float8 * interval '1 millisecond'
    WHERE id = ${row.id} AND claim_token = ${row.claim_token}::uuid AND status = 'queued'`;
  return renewed > 0;
}

/** Claims not tried (the worker is stopping): due again at once, for any process, the attempt not counted. */
async function release(client: PrismaClient, rows: ClaimedMail[]): Promise<void> {
  if (rows.length === 0) return;
  await client.$executeRaw`
    UPDATE mail_outbox SET claim_token = NULL, attempts = attempts - 1, next_attempt_at = now()
    WHERE claim_token = ANY(${rows.map((row) => row.claim_token)}::uuid[]) AND status = 'queued'`;
}

/** Rows whose last allowed attempt was claimed and never marked (the process died): failed, with the reason. */
async function failAbandoned(client: PrismaClient, maxAttempts: number): Promise<void> {
  await client.$executeRaw`
    UPDATE mail_outbox SET status = 'failed', claim_token = NULL,
      last_error = concat_ws(E'\n', last_error, 'The last attempt did not finish (the sending process stopped).')
    WHERE status = 'queued' AND next_attempt_at <= now() AND attempts >= ${maxAttempts}::int`;
}

async function deliverOne(client: PrismaClient, row: ClaimedMail, options: DeliveryOptions): Promise<keyof DeliveryCounts> {
  let mail;
  try {
    mail = await composeMail(client, row, options);
  } catch (error) {
    return settleFailure(client, row, error, options);
  }
  if (mail instanceof MailDiscarded) {
    await client.$executeRaw`
      UPDATE mail_outbox SET status = 'discarded', claim_token = NULL, last_error = ${mail.reason}
      WHERE id = ${row.id} AND claim_token = ${row.claim_token}::uuid`;
    return 'discarded';
  }
  try {
    await options.transport.send(mail);
  } catch (error) {
    return settleFailure(client, row, error, options);
  }
  // The window for a repeat delivery is this one statement: keep it alone.
  await client.$executeRaw`
    UPDATE mail_outbox SET status = 'sent', sent_at = now(), claim_token = NULL, last_error = NULL
    WHERE id = ${row.id} AND claim_token = ${row.claim_token}::uuid`;
  return 'sent';
}

async function settleFailure(client: PrismaClient, row: ClaimedMail, error: unknown, options: DeliveryOptions): Promise<'retrying' | 'failed'> {
  const reason = describe(error);
  const final = isPermanentRefusal(error) || row.attempts >= options.maxAttempts;
  if (final) {
    await client.$executeRaw`
      UPDATE mail_outbox SET status = 'failed', claim_token = NULL, last_error = ${reason}
      WHERE id = ${row.id} AND claim_token = ${row.claim_token}::uuid`;
    return 'failed';
  }
  const delay = retryDelayMs(row.attempts, options, options.random);
  await client.$executeRaw`
    UPDATE mail_outbox SET claim_token = NULL, last_error = ${reason},
      next_attempt_at = now() + ${delay}::float8 * interval '1 millisecond'
    WHERE id = ${row.id} AND claim_token = ${row.claim_token}::uuid`;
  return 'retrying';
}

function describe(error: unknown): string {
  const { message, response, code } = (error ?? {}) as { message?: string; response?: string; code?: string };
  return (response || [code, message].filter(Boolean).join(': ') || String(error)).slice(0, 1000);
}

export interface WorkerLog {
  info: (fields: object, message: string) => void;
  warn: (fields: object, message: string) => void;
}

export interface MailWorker {
  /** Stops polling and waits for the run in progress, which ends after the mail it is sending. */
  stop: () => Promise<void>;
}

/** A nudge (mail queued in this process) runs the worker this soon, by when the queueing transaction has most likely committed. */
const NUDGE_DELAY_MS = 50;

/**
 * Runs deliverDueMail every `pollMs`, and shortly after this process queues
 * mail. A run never overlaps another; a failed run (the database down) is
 * logged and the next poll tries again. The timers do not keep the process alive.
 */
export function startMailWorker(options: DeliveryOptions & { pollMs: number; log: WorkerLog }): MailWorker {
  const controller = new AbortController();
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!controller.signal.aborted) timer = setTimeout(run, ms).unref();
  };
  const run = () => {
    if (running) {
      again = true;
      return;
    }
    running = deliverDueMail(options, controller.signal)
      .then((counts) => {
        if (counts.retrying || counts.failed || counts.lapsed) options.log.warn({ ...counts }, 'mail delivery: some mail was not delivered');
      })
      .catch((error: unknown) => options.log.warn({ err: error }, 'mail delivery run failed; retrying at the next poll'))
      .finally(() => {
        running = undefined;
        schedule(again ? NUDGE_DELAY_MS : options.pollMs);
        again = false;
      });
  };
  const unsubscribe = onMailQueued(() => {
    if (running) again = true;
    else schedule(NUDGE_DELAY_MS);
  });
  schedule(0);
  return {
    stop: async () => {
      controller.abort();
      unsubscribe();
      clearTimeout(timer);
      await running;
      options.transport.close();
    },
  };
}
