// What a refusal does: "try later" (451) is retried after a backoff, "never"
// (550) fails the mail at once, and MAIL_MAX_ATTEMPTS refusals fail it too,
// each with the server's answer kept for staff.
import { db } from '../../src/lib/db';
import { retryDelayMs } from '../../src/modules/mail/mail.worker';
import { deliverTo, makeDue, outbox, queueMails, withSmtp } from './mail-support';

const mail = withSmtp();

/** Seconds from the database's now to the mail's next attempt. */
async function secondsUntilNextAttempt(id: number): Promise<number> {
  const [row] = await db().$queryRaw<{ seconds: number }[]>`SELECT extract(epoch FROM next_attempt_at - now())::float8 AS seconds FROM mail_outbox WHERE id = ${id}`;
  return row!.seconds;
}

const backoff = { retryBaseMs: 60_000, retryMaxMs: 3_600_000, random: () => 0.5 };

describe('a 451 (try again later)', () => {
  it('keeps the mail queued with the answer, one attempt spent, due again after the backoff; a later run delivers it', async () => {
    const [id] = await queueMails(1);
    mail.smtp.refuseNext(1, 451);

    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 0, retrying: 1, failed: 0, discarded: 0, lapsed: 0 });

    const [refused] = await outbox();
    expect(refused).toMatchObject({ status: 'queued', attempts: 1, lastError: '451 Try again later', claimToken: null, sentAt: null });
    // The first retry waits the base, half of it jittered: 60 s * (1/2 + 1/2 * 0.5) = 45 s.
    const wait = await secondsUntilNextAttempt(id!);
    expect(wait).toBeGreaterThan(44);
    expect(wait).toBeLessThanOrEqual(45);

    // Not due yet: a run now leaves it alone.
    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 0, retrying: 0, failed: 0, discarded: 0, lapsed: 0 });
    expect(mail.smtp.received).toEqual([]);

    await makeDue();
    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 1, retrying: 0, failed: 0, discarded: 0, lapsed: 0 });
    const [sent] = await outbox();
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null, claimToken: null });
    expect(sent!.sentAt).toBeInstanceOf(Date);
    expect(mail.smtp.received.map((m) => m.to)).toEqual([['customer0@example.com']]);
  });

  it('pushes each next attempt further: the second refusal waits twice the first', async () => {
    const [id] = await queueMails(1);
    mail.smtp.refuseNext(2, 451);

    await deliverTo(mail.smtp, backoff);
    const first = await secondsUntilNextAttempt(id!);
    await makeDue();
    await deliverTo(mail.smtp, backoff);
    const second = await secondsUntilNextAttempt(id!);

    expect((await outbox())[0]).toMatchObject({ status: 'queued', attempts: 2 });
    expect(second / first).toBeCloseTo(2, 1);
  });

  it('takes a backoff longer than an int of milliseconds (MAIL_RETRY_MAX_SECONDS of 60 days)', async () => {
    const [id] = await queueMails(1);
    mail.smtp.refuseNext(1, 451);
    const twoMonths = 60 * 86_400_000;

    expect(await deliverTo(mail.smtp, { retryBaseMs: twoMonths, retryMaxMs: twoMonths, random: () => 0.5 })).toMatchObject({ retrying: 1 });

    expect((await outbox())[0]).toMatchObject({ status: 'queued', attempts: 1, lastError: '451 Try again later', claimToken: null });
    expect(await secondsUntilNextAttempt(id!)).toBeCloseTo((0.75 * twoMonths) / 1000, -2);
  });
});

describe('a 550 (never)', () => {
  it('fails the mail at once with the answer, and no later run tries it again', async () => {
    await queueMails(1);
    mail.smtp.refuseNext(1, 550);

    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 0, retrying: 0, failed: 1, discarded: 0, lapsed: 0 });
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: '550 Mailbox unavailable', claimToken: null, sentAt: null });

    await db().$executeRaw`UPDATE mail_outbox SET next_attempt_at = now()`;
    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 0, retrying: 0, failed: 0, discarded: 0, lapsed: 0 });
    expect(mail.smtp.received).toEqual([]);
  });

  it('fails only the refused mail of a batch; the others are delivered', async () => {
    await queueMails(3);
    mail.smtp.refuseNext(1, 550);

    expect(await deliverTo(mail.smtp, backoff)).toEqual({ sent: 2, retrying: 0, failed: 1, discarded: 0, lapsed: 0 });
    expect((await outbox()).map((row) => row.status)).toEqual(['failed', 'sent', 'sent']);
  });
});

describe('which 5xx is permanent', () => {
  it('a 550 to the recipient (RCPT TO) fails the mail at once', async () => {
    await queueMails(1);
    mail.smtp.refuseNext(1, 550, 'No such user here', 'RCPT TO');

    expect(await deliverTo(mail.smtp, backoff)).toMatchObject({ failed: 1 });
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: '550 No such user here' });
  });

  it('a 5xx refusing the sender (MAIL FROM, the shop\'s own address, the same for every mail) is retried: a relay misconfigured fails no mail at once', async () => {
    await queueMails(2);
    mail.smtp.refuseNext(2, 550, 'Sender address rejected', 'MAIL FROM');

    expect(await deliverTo(mail.smtp, backoff)).toMatchObject({ retrying: 2, failed: 0 });
    expect((await outbox()).map((row) => [row.status, row.attempts, row.lastError])).toEqual([
      ['queued', 1, '550 Sender address rejected'],
      ['queued', 1, '550 Sender address rejected'],
    ]);

    await makeDue(); // the relay fixed, the backoff over
    expect(await deliverTo(mail.smtp, backoff)).toMatchObject({ sent: 2 });
  });

  it('a 503 (bad sequence of commands: the session, not the mail) is retried', async () => {
    await queueMails(1);
    mail.smtp.refuseNext(1, 503, 'Bad sequence of commands');

    expect(await deliverTo(mail.smtp, backoff)).toMatchObject({ retrying: 1, failed: 0 });
    expect((await outbox())[0]).toMatchObject({ status: 'queued', attempts: 1, lastError: '503 Bad sequence of commands' });
  });
});

describe('MAIL_MAX_ATTEMPTS', () => {
  it('fails a mail refused (451) that many times, keeping the last answer, and tries it no more', async () => {
    await queueMails(1);
    mail.smtp.refuseNext(3, 451);
    const settings = { ...backoff, maxAttempts: 3 };

    const runs = [];
    for (let i = 0; i < 3; i += 1) {
      runs.push(await deliverTo(mail.smtp, settings));
      await makeDue();
    }

    expect(runs.map((run) => [run.retrying, run.failed])).toEqual([[1, 0], [1, 0], [0, 1]]);
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: '451 Try again later' });
    await db().$executeRaw`UPDATE mail_outbox SET next_attempt_at = now()`;
    expect(await deliverTo(mail.smtp, settings)).toEqual({ sent: 0, retrying: 0, failed: 0, discarded: 0, lapsed: 0 });
    expect(mail.smtp.received).toEqual([]);
  });
});

describe('retryDelayMs', () => {
  const settings = { retryBaseMs: 1_000, retryMaxMs: 10_000 };

  it('doubles from the base with each attempt, up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 40].map((attempts) => retryDelayMs(attempts, settings, () => 1));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
  });

  it('jitters within [ceiling / 2, ceiling]: half of it fixed, half random', () => {
    expect([1, 2, 5].map((attempts) => retryDelayMs(attempts, settings, () => 0))).toEqual([500, 1_000, 5_000]);
    for (let i = 0; i < 200; i += 1) {
      const delay = retryDelayMs(3, settings);
      expect(delay).toBeGreaterThanOrEqual(2_000);
      expect(delay).toBeLessThanOrEqual(4_000);
    }
    const spread = new Set([...Array(50)].map(() => retryDelayMs(3, settings)));
    expect(spread.size).toBeGreaterThan(10);
  });
});
