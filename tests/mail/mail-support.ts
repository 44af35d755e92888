// The mail tests' shared set-up: one SMTP double per file, a delivery run
// against it with the suite's settings (overridable per test), and the outbox
// as the database holds it.
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { deliverDueMail, type DeliveryCounts, type DeliveryOptions, type WorkerLog } from '../../src/modules/mail/mail.worker';
import { mailTransport, type MailTransport } from '../../src/modules/mail/mail.transport';
import { SmtpDouble, type ReceivedMail } from '../support/smtp';

export const quiet: WorkerLog = { info: () => undefined, warn: () => undefined };

/** A log that keeps its lines, to read back. */
export function recordingLog() {
  const lines: { level: 'info' | 'warn'; fields: Record<string, unknown>; message: string }[] = [];
  const log: WorkerLog = {
    info: (fields, message) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
  };
  return { log, lines };
}

/** One SMTP double for the file, emptied before each test. */
export function withSmtp(): { readonly smtp: SmtpDouble } {
  const context = {} as { smtp: SmtpDouble };
  beforeAll(async () => {
    context.smtp = await new SmtpDouble().start();
  });
  afterAll(() => context.smtp.stop());
  beforeEach(() => context.smtp.clear());
  return context;
}

export function smtpTransport(smtp: SmtpDouble): MailTransport {
  return mailTransport({ ...config.mail, smtpUrl: smtp.url, sendTimeoutMs: 2_000 }, 'test', quiet)!;
}

export type Overrides = Partial<Omit<DeliveryOptions, 'transport'>>;

/** One delivery run over SMTP to `smtp`, as a worker would make it; its transport closed after. */
export async function deliverTo(smtp: SmtpDouble, overrides: Overrides = {}): Promise<DeliveryCounts> {
  const transport = smtpTransport(smtp);
  try {
    return await deliverDueMail({ ...config.mail, currency: 'usd', transport, ...overrides });
  } finally {
    transport.close();
  }
}

export const outbox = () => db().mail.findMany({ orderBy: { id: 'asc' } });

/** Makes every queued mail due now, as if its backoff or lease had run out. */
export const makeDue = () => db().$executeRaw`UPDATE mail_outbox SET next_attempt_at = now() WHERE status = 'queued'`;

/** The one received mail with this subject start; fails when there is none or several. */
export function onlyMail(received: ReceivedMail[], subjectStart: string): ReceivedMail {
  const matching = received.filter((mail) => mail.subject.startsWith(subjectStart));
  if (matching.length !== 1) throw new Error(`expected one mail "${subjectStart}...", got: ${received.map((m) => m.subject).join('; ') || 'none'}`);
  return matching[0]!;
}

/** What a mail client shows of an HTML part: tags gone, entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<(style|title)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Mails about an account, written straight to the outbox: rows to deliver, not the flow that queues them. */
export async function queueMails(count: number, to = (i: number) => `customer${i}@example.com`): Promise<number[]> {
  const rows = await db().mail.createManyAndReturn({
    data: [...Array(count)].map((_, i) => ({ template: 'password_changed', toAddress: to(i), data: { username: `customer${i}` } })),
    select: { id: true },
  });
  return rows.map((row) => row.id);
}
