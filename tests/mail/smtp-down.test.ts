// SMTP down slows no one and loses nothing: orders are placed while the mail
// server is stopped, their mails wait in the outbox (tried, refused, queued
// again), and once the server is back on its port each arrives exactly once.
import net from 'node:net';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { startMailWorker, type MailWorker } from '../../src/modules/mail/mail.worker';
import { buildProduct, signedIn } from '../support/api';
import { placeOrder } from '../support/shop';
import { mailTransport } from '../../src/modules/mail/mail.transport';
import { deliverDueMail } from '../../src/modules/mail/mail.worker';
import { deliverTo, outbox, queueMails, quiet, smtpTransport, withSmtp } from './mail-support';

const mail = withSmtp();
let worker: MailWorker | undefined;

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  if (!mail.smtp.running) await mail.smtp.start(); // a test that failed with SMTP stopped leaves it running for the next
});

/** Polls the outbox until `done` holds of every row. */
async function untilEveryMail(done: (row: Awaited<ReturnType<typeof outbox>>[number]) => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await outbox();
    if (rows.length > 0 && rows.every(done)) return rows;
    if (Date.now() > deadline) throw new Error(`timed out waiting until every mail is ${what}: ${JSON.stringify(rows.map((r) => [r.id, r.status, r.attempts]))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('places every order while SMTP is down, keeps their mails queued with the error, and delivers each once when SMTP is back', async () => {
  const product = await buildProduct({ stock: 20 });
  await mail.smtp.stop();

  const orders = [];
  for (let i = 0; i < 4; i += 1) {
    const { auth } = await signedIn();
    orders.push(await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]));
  }

  // Every request was answered with its mail only queued: no request tried SMTP.
  expect(orders.map((order) => order.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
  expect((await outbox()).map((row) => [row.orderId, row.status, row.attempts])).toEqual(orders.map((order) => [order.id, 'queued', 0]));

  // A delivery run meets the closed port: each mail stays queued, with why, and waits for its backoff.
  const down = await deliverTo(mail.smtp, { retryBaseMs: 60_000 });
  expect(down).toEqual({ sent: 0, retrying: 4, failed: 0, discarded: 0, lapsed: 0 });
  for (const row of await outbox()) {
    expect(row).toMatchObject({ status: 'queued', attempts: 1, claimToken: null, sentAt: null });
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 25_000);
  }
  expect(mail.smtp.received).toEqual([]);

  // SMTP back on the same port; the backoff over, a running worker delivers them.
  await mail.smtp.start();
  await db().$executeRaw`UPDATE mail_outbox SET next_attempt_at = now()`;
  worker = startMailWorker({ ...config.mail, currency: 'usd', pollMs: 20, transport: smtpTransport(mail.smtp), log: quiet });
  await untilEveryMail((row) => row.status === 'sent', 'sent');

  expect(mail.smtp.received.map((m) => m.subject).sort()).toEqual(orders.map((order) => `We received your order #${order.id} | Shop`).sort());
  expect([...mail.smtp.deliveriesById().values()]).toEqual([1, 1, 1, 1]);
  for (const row of await outbox()) expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null, claimToken: null });
});

it('lets a running worker retry on its own after SMTP comes back, with a short backoff', async () => {
  const { auth } = await signedIn();
  const product = await buildProduct();
  await mail.smtp.stop();
  worker = startMailWorker({ ...config.mail, currency: 'usd', pollMs: 20, retryBaseMs: 50, retryMaxMs: 100, transport: smtpTransport(mail.smtp), log: quiet });

  const order = await placeOrder(auth, [{ product_id: product.id, quantity: 1 }]);
  // Refused twice and settled: attempts counts a claim as it starts, so attempts 2
  // alone can be the second try still connecting, which SMTP back would let through.
  await untilEveryMail((row) => row.attempts >= 2 && row.status === 'queued' && row.claimToken === null && row.lastError !== null, 'refused twice');
  expect((await outbox())[0]!.lastError).toMatch(/ECONNREFUSED/);

  await mail.smtp.start();
  const [row] = await untilEveryMail((r) => r.status === 'sent', 'sent');

  expect(mail.smtp.received.map((m) => m.subject)).toEqual([`We received your order #${order.id} | Shop`]);
  expect(row!.attempts).toBeGreaterThanOrEqual(3);
});

it('gives up on a server that accepts the connection but never answers after MAIL_SEND_TIMEOUT_MS, and retries the mail', async () => {
  const silent = net.createServer(() => undefined); // takes the connection, never greets
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  const transport = mailTransport({ ...config.mail, smtpUrl: `smtp://127.0.0.1:${port}`, sendTimeoutMs: 200 }, 'test', quiet)!;
  try {
    await queueMails(1);

    expect(await deliverDueMail({ ...config.mail, currency: 'usd', transport })).toMatchObject({ retrying: 1 });

    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'queued', attempts: 1, claimToken: null });
    expect(row!.lastError).toMatch(/ETIMEDOUT|timeout/i);
  } finally {
    transport.close();
    silent.close();
  }
});
