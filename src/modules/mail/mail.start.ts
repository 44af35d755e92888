// The mail worker of a serving process, from config: SMTP when SMTP_URL is
// set; .eml files under MAIL_DIR in development and tests without it; in
// production without it, no worker at all and a warning, so mail waits in
// the outbox (nothing is lost) until a process with SMTP_URL delivers it.
import type { Config } from '../../config';
import { mailTransport } from './mail.transport';
import { startMailWorker, type MailWorker, type WorkerLog } from './mail.worker';

export function startMail(config: Config, log: WorkerLog): MailWorker {
  const transport = mailTransport(config.mail, config.nodeEnv, log);
  if (!transport) {
    log.warn({}, 'SMTP_URL is not set: mail is kept in the outbox, undelivered, until a server with SMTP_URL runs');
    return { stop: async () => undefined };
  }
  if (transport.kind === 'files') log.info({ dir: config.mail.dir }, 'SMTP_URL is not set: mail is written as .eml files');
  return startMailWorker({ ...config.mail, currency: config.payments.currency, transport, log });
}
