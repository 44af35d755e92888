// A small double of Stripe's HTTP API, for the endpoints this server calls:
// payment intents (create honouring Idempotency-Key, retrieve, cancel) and
// refunds. It answers with objects shaped like Stripe's own, taken from
// stripe-mock's fixture data (shared/stripe/fixtures.json), and the server
// talks to it through the real `stripe` SDK: nothing of ours is mocked.
//
// Tests drive it as Stripe's side would move: a customer paying
// (`succeed`), Stripe failing (`failNext`, `hang`), and webhook events signed
// the way Stripe signs them (`signedEvent`).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Stripe from 'stripe';

type StripeObject = Record<string, unknown> & { id: string };
type Resources = { payment_intent: StripeObject; refund: StripeObject; event: StripeObject; charge: StripeObject };

const FIXTURES = path.resolve(__dirname, '../../../shared/stripe/fixtures.json');
const fixtures = (): Resources => (JSON.parse(readFileSync(FIXTURES, 'utf8')) as { resources: Resources }).resources;

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  params: Record<string, unknown>;
}

export type Failure = { status: 500 | 502 | 503 | 429 } | { hang: true };

/** `a[b][c]=1&list[0]=x` into nested objects, as Stripe reads its form bodies. */
export function decodeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const [head, ...rest] = key.split('[').map((part) => part.replace(/\]$/, ''));
    let node = out;
    const parts = [head!, ...rest];
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const now = () => Math.floor(Date.now() / 1000);

export class StripeDouble {
  readonly paymentIntents = new Map<string, StripeObject>();
  readonly refunds = new Map<string, StripeObject>();
  readonly requests: RecordedRequest[] = [];
  /** Answers to give, in order, before behaving again: a status, or never answering. */
  readonly failures: Failure[] = [];
  readonly webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  #idempotent = new Map<string, { params: string; status: number; body: unknown }>();
  #server?: Server;
  #hanging = new Set<ServerResponse>();
  #resources = fixtures();

  get url(): string {
    const { port } = this.#server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#hanging) res.destroy();
    this.#hanging.clear();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** Forgets everything, as a new Stripe account would: order ids restart in every test, and so do their idempotency keys. */
  reset(): void {
    for (const store of [this.paymentIntents, this.refunds, this.#idempotent]) store.clear();
    this.requests.length = 0;
    this.failures.length = 0;
  }

  failNext(...failures: Failure[]): void {
    this.failures.push(...failures);
  }

  /** The requests made to `path` (a prefix), in order. */
  calls(method: string, pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  /** The customer confirmed the payment in their browser and it went through. */
  succeed(id: string): StripeObject {
    return this.setStatus(id, 'succeeded', { amount_received: this.paymentIntents.get(id)?.amount, latest_charge: newId('ch') });
  }

  setStatus(id: string, status: string, extra: Record<string, unknown> = {}): StripeObject {
    const intent = this.paymentIntents.get(id);
    if (!intent) throw new Error(`no payment intent ${id} in the double`);
    Object.assign(intent, { status, ...extra });
    return intent;
  }

  /** An event as Stripe would deliver it, with its body and a valid Stripe-Signature header. */
  signedEvent(type: string, object: StripeObject, { id = newId('evt'), secret = this.webhookSecret, timestamp = now() } = {}) {
    const event = { ...this.#resources.event, id, type, created: now(), api_version: '2026-10-28.endive', data: { object: structuredClone(object) } };
    const body = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp });
    return { event, body, signature };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stripe.double');
    const params = req.method === 'GET' ? decodeForm(url.search.slice(1)) : decodeForm(raw);
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({ method: req.method ?? '', path: url.pathname, idempotencyKey, params });

    const failure = this.failures.shift();
    if (failure && 'hang' in failure) {
      this.#hanging.add(res);
      return;
    }
    if (failure) return this.#send(res, failure.status, stripeError('api_error', `The double was told to answer ${failure.status}.`));
    if (req.headers.authorization !== undefined && !/^Bearer sk_test_/.test(req.headers.authorization)) {
      return this.#send(res, 401, stripeError('invalid_request_error', 'Invalid API Key provided.'));
    }

    // Stripe replays the first answer to a key with the same parameters, and refuses other parameters.
    const replayKey = idempotencyKey && `${req.method} ${idempotencyKey}`;
    const stored = replayKey ? this.#idempotent.get(replayKey) : undefined;
    if (stored && req.method === 'POST') {
      if (stored.params !== raw) return this.#send(res, 400, stripeError('idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.'));
      res.setHeader('Idempotent-Replayed', 'true');
      return this.#send(res, stored.status, stored.body);
    }
    const [status, body] = this.#route(req.method ?? '', url.pathname, params);
    if (replayKey && req.method === 'POST' && status < 500) this.#idempotent.set(replayKey, { params: raw, status, body: structuredClone(body) });
    this.#send(res, status, body);
  }

  #route(method: string, pathname: string, params: Record<string, unknown>): [number, unknown] {
    if (method === 'POST' && pathname === '/v1/payment_intents') return [200, this.#createIntent(params)];
    const intent = /^\/v1\/payment_intents\/([^/]+)(\/cancel)?$/.exec(pathname);
    if (intent) {
      const found = this.paymentIntents.get(intent[1]!);
      if (!found) return [404, stripeError('invalid_request_error', `No such payment_intent: '${intent[1]}'`, { code: 'resource_missing' })];
      if (method === 'GET' && !intent[2]) return [200, found];
      if (method === 'POST' && intent[2]) return this.#cancelIntent(found);
    }
    if (method === 'POST' && pathname === '/v1/refunds') return this.#createRefund(params);
    return [404, stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${pathname}).`)];
  }

  #createIntent(params: Record<string, unknown>): StripeObject {
    const id = newId('pi');
    const intent: StripeObject = {
      ...structuredClone(this.#resources.payment_intent),
      id,
      amount: Number(params.amount),
      amount_received: 0,
      currency: String(params.currency),
      metadata: params.metadata ?? {},
      automatic_payment_methods: { enabled: (params.automatic_payment_methods as { enabled?: string } | undefined)?.enabled === 'true' },
      client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
      created: now(),
      canceled_at: null,
      last_payment_error: null,
      next_action: null,
      latest_charge: null,
      status: 'requires_payment_method',
    };
    this.paymentIntents.set(id, intent);
    return intent;
  }

  #cancelIntent(intent: StripeObject): [number, unknown] {
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      const message = `You cannot cancel this PaymentIntent because it has a status of ${String(intent.status)}.`;
      return [400, stripeError('invalid_request_error', message, { code: 'payment_intent_unexpected_state', payment_intent: intent })];
    }
    Object.assign(intent, { status: 'canceled', canceled_at: now(), cancellation_reason: 'requested_by_customer' });
    return [200, intent];
  }

  #createRefund(params: Record<string, unknown>): [number, unknown] {
    const intent = this.paymentIntents.get(String(params.payment_intent));
    if (!intent) return [404, stripeError('invalid_request_error', `No such payment_intent: '${String(params.payment_intent)}'`, { code: 'resource_missing' })];
    if (intent.status !== 'succeeded') {
      return [400, stripeError('invalid_request_error', 'This PaymentIntent does not have a successful charge to refund.', { code: 'charge_not_refundable' })];
    }
    const refund: StripeObject = {
      ...structuredClone(this.#resources.refund),
      id: newId('re'),
      amount: params.amount === undefined ? intent.amount : Number(params.amount),
      currency: intent.currency,
      charge: intent.latest_charge,
      payment_intent: intent.id,
      created: now(),
      metadata: params.metadata ?? {},
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    return [200, refund];
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': newId('req') });
    res.end(JSON.stringify(body));
  }
}

function stripeError(type: string, message: string, extra: Record<string, unknown> = {}) {
  return { error: { type, message, ...extra } };
}

export async function startStripeDouble(): Promise<StripeDouble> {
  return new StripeDouble().start();
}
