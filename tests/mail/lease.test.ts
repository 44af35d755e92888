// A claim is a lease: a process that dies while sending (here, a run whose
// send never answers) keeps its mail from everyone else only until the lease
// ends; then the mail is claimed again and delivered, never lost, and never
// sent again by the run that lost its claim.
import { config } from '../../src/config';
import { deliverDueMail, startMailWorker, type DeliveryCounts, type DeliveryOptions } from '../../src/modules/mail/mail.worker';
import type { MailTransport, OutgoingMail } from '../../src/modules/mail/mail.transport';
import { deliverTo, makeDue, outbox, queueMails, quiet, smtpTransport, withSmtp } from './mail-support';

const mail = withSmtp();

/**
 * A transport whose sends hang until the test lets them go (a process frozen
 * mid-send), or, after `holdFirst` sends, pass on to `next`.
 */
function frozenTransport(next?: MailTransport, holdFirst = Infinity) {
  const held: { mail: OutgoingMail; release: (error?: Error) => void }[] = [];
  const transport: MailTransport = {
    kind: 'smtp',
    send: (outgoing) => {
      if (held.length >= holdFirst && next) return next.send(outgoing);
      return new Promise<void>((resolve, reject) => held.push({ mail: outgoing, release: (error) => (error ? reject(error) : resolve()) }));
    },
    close: () => next?.close(),
  };
  return { transport, held };
}

/** A run that is not awaited: it stays in its send until released. */
function runInBackground(transport: MailTransport, overrides: Partial<DeliveryOptions> = {}): Promise<DeliveryCounts> {
  return deliverDueMail({ ...config.mail, currency: 'usd', transport, ...overrides });
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a claim whose process stopped mid-send', () => {
  it('keeps the mail from other runs until the lease ends, then it is claimed again and delivered', async () => {
    await queueMails(1);
    const frozen = frozenTransport();
    const dead = runInBackground(frozen.transport, { leaseMs: 60_000 });
    await until(() => frozen.held.length === 1, 'the frozen run to start sending');

    const [claimed] = await outbox();
    expect(claimed).toMatchObject({ status: 'queued', attempts: 1 });
    expect(claimed!.claimToken).not.toBeNull();
    expect(claimed!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);

    // Within the lease another run leaves it alone: it is being sent.
    expect(await deliverTo(mail.smtp)).toMatchObject({ sent: 0 });
    expect(mail.smtp.received).toEqual([]);

    await makeDue(); // the lease ran out
    expect(await deliverTo(mail.smtp)).toMatchObject({ sent: 1 });
    expect(mail.smtp.received.map((m) => m.messageId)).toEqual([frozen.held[0]!.mail.messageId]);
    const [sent] = await outbox();
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, claimToken: null });

    // The frozen run wakes with an error: its claim is gone, so it changes nothing.
    frozen.held[0]!.release(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
    await dead;
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2, lastError: null, sentAt: sent!.sentAt });
  });

  it('is claimed again at once when its lease is tiny', async () => {
    await queueMails(1);
    const frozen = frozenTransport();
    const dead = runInBackground(frozen.transport, { leaseMs: 1 });
    await until(() => frozen.held.length === 1, 'the frozen run to start sending');

    expect(await deliverTo(mail.smtp)).toMatchObject({ sent: 1 });

    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
    frozen.held[0]!.release();
    await dead;
    expect(mail.smtp.received).toHaveLength(1);
  });

  it('fails the mail, saying why, when the abandoned claim was its last allowed attempt', async () => {
    await queueMails(1);
    mail.smtp.refuseNext(1, 451);
    await deliverTo(mail.smtp, { maxAttempts: 2 });
    await makeDue();
    const frozen = frozenTransport();
    const dead = runInBackground(frozen.transport, { maxAttempts: 2, leaseMs: 60_000 });
    await until(() => frozen.held.length === 1, 'the frozen run to start sending');

    // Still within the lease: the attempt may yet finish.
    expect(await deliverTo(mail.smtp, { maxAttempts: 2 })).toMatchObject({ sent: 0, failed: 0 });
    expect((await outbox())[0]).toMatchObject({ status: 'queued', attempts: 2 });

    await makeDue();
    await deliverTo(mail.smtp, { maxAttempts: 2 });

    const [failed] = await outbox();
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, claimToken: null });
    expect(failed!.lastError).toBe('451 Try again later\nThe last attempt did not finish (the sending process stopped).');
    expect(mail.smtp.received).toEqual([]);
    frozen.held[0]!.release(new Error('gone'));
    await dead;
    expect((await outbox())[0]).toMatchObject({ status: 'failed' });
  });
});

describe('a run that outlives the lease of its batch', () => {
  it('does not send the mails of its batch that another run claimed meanwhile: each arrives once', async () => {
    await queueMails(3);
    // The slow run claims all three, and its first send hangs past their (tiny) lease.
    const slow = frozenTransport(smtpTransport(mail.smtp), 1);
    const slowRun = runInBackground(slow.transport, { leaseMs: 1, batchSize: 3 });
    await until(() => slow.held.length === 1, 'the slow run to start sending');

    // Another run takes the three over and delivers them.
    expect(await deliverTo(mail.smtp)).toMatchObject({ sent: 3 });

    // The slow run's first send finally goes through; it must not go on to the other two.
    slow.held[0]!.release();
    await slowRun;

    expect([...mail.smtp.deliveriesById().values()]).toEqual([1, 1, 1]);
    expect((await outbox()).map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
  });
});

describe('a worker stopping mid-batch', () => {
  it('finishes the mail in hand and gives the rest of its batch back, untried and due at once, for another process', async () => {
    await queueMails(3);
    const frozen = frozenTransport(smtpTransport(mail.smtp), 1);
    const worker = startMailWorker({ ...config.mail, currency: 'usd', pollMs: 60_000, transport: frozen.transport, log: quiet });
    await until(() => frozen.held.length === 1, 'the worker to start sending');

    const stopped = worker.stop();
    frozen.held[0]!.release();
    await stopped;

    // The mail in hand went (through the frozen send, not to the double); the other two were not tried.
    expect(mail.smtp.received).toEqual([]);
    const rows = await outbox();
    expect(rows.map((row) => [row.status, row.attempts, row.claimToken])).toEqual([['sent', 1, null], ['queued', 0, null], ['queued', 0, null]]);
    for (const row of rows.slice(1)) expect(row.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await deliverTo(mail.smtp)).toMatchObject({ sent: 2 });
    expect(mail.smtp.received.map((m) => m.to)).toEqual([['customer1@example.com'], ['customer2@example.com']]);
  });
});
