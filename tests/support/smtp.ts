// A real SMTP server for the suite (the smtp-server package), with every
// message read back by mailparser. It can refuse the next messages with a
// given code (451: try later; 550: never), be stopped and started again on
// the same port (SMTP down, then back), and it answers how many times each
// Message-ID arrived, so a test sees a repeat delivery. Refused messages are
// kept apart (`refused`), so a test can compare a retry with its first try.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  parsed: ParsedMail;
}

function readBack(parsed: ParsedMail): ReceivedMail {
  return {
    to: [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? '')),
    from: parsed.from?.text ?? '',
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    messageId: parsed.messageId ?? '',
    parsed,
  };
}

/** Where a refusal answers: the sender, the recipient, or the message once sent. */
export type RefusalStage = 'MAIL FROM' | 'RCPT TO' | 'DATA';

export class SmtpDouble {
  readonly received: ReceivedMail[] = [];
  /** Messages answered with a refusal (refuseNext), read all the same: what a retry resent. */
  readonly refused: ReceivedMail[] = [];
  #server?: SMTPServer;
  #port = 0;
  #refusals: { code: number; message: string; remaining: number; stage: RefusalStage }[] = [];

  get port(): number {
    return this.#port;
  }

  /** Listening (between start() and stop()). */
  get running(): boolean {
    return this.#server !== undefined;
  }

  /** `smtp://127.0.0.1:<port>`, for SMTP_URL. */
  get url(): string {
    return `smtp://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // A server going down drops its connections (with a 421) rather than
      // waiting 30 s for idle pooled clients to leave.
      closeTimeout: 50,
      onMailFrom: (_address, _session, callback) => callback(this.#refusal('MAIL FROM')),
      onRcptTo: (_address, _session, callback) => callback(this.#refusal('RCPT TO')),
      onData: (stream, _session, callback) => {
        const refusal = this.#refusal('DATA');
        simpleParser(stream)
          .then((parsed) => {
            (refusal ? this.refused : this.received).push(readBack(parsed));
            callback(refusal);
          })
          .catch((error: Error) => callback(error));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.listen(this.#port, '127.0.0.1', () => resolve());
      server.server.once('error', reject);
    });
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Closes the port and drops open connections: connections are refused until start() opens it again. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * The next `count` messages are answered `code` (e.g. 451 or 550) instead of
   * 250: at the end of DATA, or at `stage` (their MAIL FROM or RCPT TO).
   */
  refuseNext(count: number, code: number, message = code >= 500 ? 'Mailbox unavailable' : 'Try again later', stage: RefusalStage = 'DATA'): void {
    this.#refusals.push({ code, message, remaining: count, stage });
  }

  /** The error to answer at `stage`, when the refusal next in line is for it (and one of its count spent). */
  #refusal(stage: RefusalStage): Error | undefined {
    const refusal = this.#refusals[0];
    if (refusal?.stage !== stage) return undefined;
    if (--refusal.remaining <= 0) this.#refusals.shift();
    return Object.assign(new Error(refusal.message), { responseCode: refusal.code });
  }

  clear(): void {
    this.received.length = 0;
    this.refused.length = 0;
    this.#refusals = [];
  }

  /** Mails to this address. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()) || mail.to.includes(address));
  }

  /** How many times each Message-ID arrived. */
  deliveriesById(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const mail of this.received) counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
    return counts;
  }

  /** Resolves once `count` mails have arrived, or rejects after `timeoutMs` with what did. */
  async waitFor(count: number, timeoutMs = 15_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${this.received.length}: ${this.received.map((m) => m.subject).join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return this.received;
  }
}
