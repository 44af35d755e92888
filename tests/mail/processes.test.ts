// Every server process runs a mail worker on the same outbox: two real
// processes, polling often, deliver each queued mail exactly once between them.
import { db } from '../../src/lib/db';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { outbox, queueMails, withSmtp } from './mail-support';

jest.setTimeout(90_000);
const mail = withSmtp();
let servers: ServerProcess[] = [];

afterEach(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
});

async function untilAllSent(count: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sent = await db().mail.count({ where: { status: 'sent' } });
    if (sent === count) return;
    if (Date.now() > deadline) throw new Error(`${sent} of ${count} mails sent after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('two server processes deliver 10 queued mails exactly once each', async () => {
  const env = { SMTP_URL: mail.smtp.url, MAIL_POLL_MS: '20', MAIL_RETRY_BASE_SECONDS: '0.05', MAIL_RETRY_MAX_SECONDS: '0.2' };
  servers = await Promise.all([startServerProcess({ env }), startServerProcess({ env })]);

  // Queued as two rounds, so both workers find due mail while the other polls too.
  const ids = [...(await queueMails(5, (i) => `first${i}@example.com`)), ...(await queueMails(5, (i) => `second${i}@example.com`))];
  await untilAllSent(10);

  const rows = await outbox();
  expect(rows.map((row) => row.id)).toEqual(ids);
  expect(rows.every((row) => row.status === 'sent' && row.claimToken === null && row.attempts === 1)).toBe(true);
  expect(mail.smtp.received).toHaveLength(10);
  const deliveries = mail.smtp.deliveriesById();
  expect(deliveries.size).toBe(10);
  expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
  expect(mail.smtp.received.flatMap((m) => m.to).sort()).toEqual([...Array(5)].flatMap((_, i) => [`first${i}@example.com`, `second${i}@example.com`]).sort());
});
