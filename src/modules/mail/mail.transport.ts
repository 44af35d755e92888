// Where mail goes: an SMTP server (nodemailer, SMTP_URL), or in development
// without one, .eml files under MAIL_DIR with a log line each, so a reset
// link shows in the terminal at once. Production without SMTP_URL has no
// transport: mails stay queued (the server warns at start).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { Config } from '../../config';

export interface OutgoingMail {
  id: number;
  template: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<...>`, made from the outbox row: a receiver can drop a repeat by it. */
  messageId: string;
  /** Shown in the development log (a reset link, say), never sent anywhere. */
  note?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'files';
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface MailLog {
  info: (fields: object, message: string) => void;
}

/**
 * A refusal that trying again cannot change, so the mail is marked failed at
 * once: a 5xx to this mail's recipient or message. Not a 503 (bad sequence of
 * commands: the session's state, not the mail), nor a refusal of MAIL FROM:
 * the sender is the shop's own MAIL_FROM, the same for every mail, so that is
 * the shop's configuration (or the relay's) and failing on it would fail the
 * whole outbox at its first attempt; it is retried like a 4xx.
 */
export function isPermanentRefusal(error: unknown): boolean {
  const { code, responseCode, command } = (error ?? {}) as { code?: string; responseCode?: number; command?: string };
  if ((code !== 'EENVELOPE' && code !== 'EMESSAGE') || command === 'MAIL FROM') return false;
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 && responseCode !== 503;
}

export function mailTransport(settings: Config['mail'], nodeEnv: Config['nodeEnv'], log: MailLog): MailTransport | undefined {
  if (settings.smtpUrl) return smtpTransport(settings);
  if (nodeEnv === 'production') return undefined;
  return fileTransport(settings, log);
}

function message(from: string, mail: OutgoingMail) {
  return { from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId };
}

function smtpTransport(settings: Config['mail']): MailTransport {
  const timeout = settings.sendTimeoutMs;
  const transporter: Transporter = nodemailer.createTransport({
    url: settings.smtpUrl,
    pool: true,
    maxConnections: 2,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
  } satisfies SMTPPool.Options);
  return {
    kind: 'smtp',
    send: async (mail) => {
      await transporter.sendMail(message(settings.from, mail));
    },
    close: () => transporter.close(),
  };
}

function fileTransport(settings: Config['mail'], log: MailLog): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'files',
    send: async (mail) => {
      const info = await transporter.sendMail(message(settings.from, mail));
      await mkdir(settings.dir, { recursive: true });
      const file = path.join(settings.dir, `${String(mail.id).padStart(6, '0')}-${mail.template}.eml`);
      await writeFile(file, info.message as Buffer);
      log.info({ mail: mail.id, to: mail.to, file, ...(mail.note ? { note: mail.note } : {}) }, `mail: ${mail.subject}`);
    },
    close: () => transporter.close(),
  };
}
