// Without SMTP_URL: a developer finds every mail as an .eml file under
// MAIL_DIR and its subject (and a reset mail's link) in the log; production
// warns at start, runs no worker, and keeps the mail queued for a server that
// has SMTP.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { config, type Config } from '../../src/config';
import { db } from '../../src/lib/db';
import { messageId } from '../../src/modules/mail/mail.compose';
import { queueAccountMail } from '../../src/modules/mail/mail.outbox';
import { startMail } from '../../src/modules/mail/mail.start';
import { mailTransport } from '../../src/modules/mail/mail.transport';
import * as mailWorker from '../../src/modules/mail/mail.worker';
import type { MailWorker } from '../../src/modules/mail/mail.worker';
import { buildProduct, signedIn } from '../support/api';
import { placeOrder } from '../support/shop';
import { outbox, recordingLog } from './mail-support';

let dir: string;
let worker: MailWorker | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'shop-mail-files-'));
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  jest.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function settings(nodeEnv: Config['nodeEnv']): Config {
  return { ...config, nodeEnv, mail: { ...config.mail, smtpUrl: undefined, dir, pollMs: 20 } };
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('in development', () => {
  it('writes each mail as an .eml file under MAIL_DIR and logs its subject, with the link of a reset mail', async () => {
    const starting = jest.spyOn(mailWorker, 'startMailWorker');
    const { log, lines } = recordingLog();
    worker = startMail(settings('development'), log);
    expect(starting).toHaveBeenCalledTimes(1);
    const customer = await signedIn();
    const product = await buildProduct({ name: 'Blue mug' });
    const order = await placeOrder(customer.auth, [{ product_id: product.id, quantity: 1 }]);
    await queueAccountMail(db(), 'password_reset', { email: customer.user.email }, { issued_at: Math.floor(Date.now() / 1000) }, { activeOnly: true });

    await until(async () => (await outbox()).every((row) => row.status === 'sent'), 'both mails written');

    expect(lines[0]).toMatchObject({ level: 'info', fields: { dir }, message: 'SMTP_URL is not set: mail is written as .eml files' });
    const rows = await outbox();
    expect((await readdir(dir)).sort()).toEqual(['000001-order_placed.eml', '000002-password_reset.eml']);
    const [placed, reset] = await Promise.all(['000001-order_placed.eml', '000002-password_reset.eml'].map(async (file) => simpleParser(await readFile(path.join(dir, file)))));

    expect(placed!.subject).toBe(`We received your order #${order.id} | Shop`);
    expect(placed!.text).toContain('1 x Blue mug');
    expect(placed!.html).toContain('Blue mug');
    expect(placed!.messageId).toBe(messageId({ id: rows[0]!.id, created_at: rows[0]!.createdAt }, config.mail.from));
    expect(reset!.subject).toBe('Reset your password | Shop');
    expect([placed!.to, reset!.to].map((to) => [to].flat()[0]?.text)).toEqual([customer.user.email, customer.user.email]);

    const logged = lines.filter((line) => line.message.startsWith('mail: '));
    expect(logged.map((line) => line.message)).toEqual([`mail: We received your order #${order.id} | Shop`, 'mail: Reset your password | Shop']);
    expect(logged[0]!.fields).toMatchObject({ mail: rows[0]!.id, to: customer.user.email, file: path.join(dir, '000001-order_placed.eml') });
    const link = logged[1]!.fields.note as string;
    expect(link).toMatch(/\/reset-password\?uid=[^&]+&token=.+$/);
    expect(reset!.text).toContain(link);
    expect(logged[0]!.fields).not.toHaveProperty('note');
  });
});

describe('in production', () => {
  it('has no transport without SMTP_URL', () => {
    expect(mailTransport({ ...config.mail, smtpUrl: undefined }, 'production', recordingLog().log)).toBeUndefined();
  });

  it('warns at start, starts no worker, and keeps the mail queued', async () => {
    const starting = jest.spyOn(mailWorker, 'startMailWorker');
    const { log, lines } = recordingLog();
    worker = startMail(settings('production'), log);
    const customer = await signedIn();
    const product = await buildProduct();
    await placeOrder(customer.auth, [{ product_id: product.id, quantity: 1 }]);

    expect(starting).not.toHaveBeenCalled();
    expect(lines).toEqual([{ level: 'warn', fields: {}, message: 'SMTP_URL is not set: mail is kept in the outbox, undelivered, until a server with SMTP_URL runs' }]);
    // Ten polls' worth later, the mail is as it was queued: untried.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await outbox()).map((row) => [row.status, row.attempts, row.claimToken])).toEqual([['queued', 0, null]]);
    expect(await readdir(dir)).toEqual([]);
    await worker.stop();
  });
});
