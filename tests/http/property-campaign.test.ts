// A property-based campaign over the whole OpenAPI document, as Schemathesis
// runs one: for every documented operation, requests drawn from its own
// schemas and mutations of them, as staff, shopper, anonymous and with a
// forged token. Every answer must: not be a 5xx; have a status the operation
// documents; have a content type it lists; match the documented schema. And
// the server must still be up at the end.
//
// CI runs a fixed seed (CAMPAIGN_SEED, printed with the shrunk counterexample
// on failure). A longer local run: CAMPAIGN_REQUESTS=10000 npx jest property-campaign
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { accessTokenFor, buildProduct, buildUser } from '../support/api';
import { contractProblems, document } from '../support/contract';
import { operationsOf, requestArbitrary, type CampaignRequest, type OpenApiDocument, type Role } from '../support/campaign/requests';
import { startStripeDouble, type StripeDouble } from '../support/stripe-double';

const WEBHOOK = '/api/payments/stripe/webhook/';
const SEED = Number(process.env.CAMPAIGN_SEED ?? 20261126);
const openApi = document as unknown as OpenApiDocument;
const operations = operationsOf(openApi);
const RUNS = Math.ceil(Number(process.env.CAMPAIGN_REQUESTS ?? 4_000) / operations.length);

// CAMPAIGN_STATS=1 prints how the answers spread over statuses per operation,
// to see that the campaign gets past validation as well as into it.
const statuses = new Map<string, Record<number, number>>();
afterAll(() => {
  if (!process.env.CAMPAIGN_STATS) return;
  for (const [name, counts] of statuses) console.log(`${name.padEnd(36)} ${JSON.stringify(counts)}`);
});

// The shopper places and cancels dozens of orders within the minute, in
// one app: the order-action budget (its own tests are in tests/orders) would
// answer most of them 429 and the campaign would stop reaching the handlers.
const orders = { ...config.orders, actionsPerMinute: 0 };

let server: Server;
let base: string;
// Payments configured against a Stripe double, so that webhook deliveries
// reach the signature check (every mutation of an unsigned one must be a 400).
let stripe: StripeDouble;
beforeAll(async () => {
  stripe = await startStripeDouble();
  const payments = { ...config.payments, stripeSecretKey: 'sk_test_campaign', stripeWebhookSecret: stripe.webhookSecret, stripeApiUrl: stripe.url };
  server = createApp({ config: { ...config, payments, orders } }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await stripe.stop();
});

/** Rows with ids 1 to 6 of every kind the paths name, and a token per role. */
async function fixture(): Promise<Record<Role, string | undefined>> {
  const staff = await buildUser({ isStaff: true });
  const shopper = await buildUser();
  // The document's login example, so valid logins get past the credentials check too.
  await buildUser({ username: 'alice', email: 'alice@example.com', password: 'correct-horse-battery' });
  for (let i = 0; i < 3; i += 1) await buildUser();
  const products = [];
  for (let i = 0; i < 6; i += 1) products.push(await buildProduct({ stock: i === 5 ? 0 : 50 }));
  for (const [i, product] of products.slice(0, 5).entries()) {
    await db().cartItem.create({ data: { userId: i % 2 ? staff.id : shopper.id, productId: product.id, quantity: 1 } });
  }
  for (let i = 0; i < 6; i += 1) {
    await db().address.create({ data: { userId: i % 2 ? staff.id : shopper.id, fullName: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Köln', postalCode: '51147', country: 'DE' } });
  }
  for (let i = 0; i < 6; i += 1) {
    await db().order.create({
      data: {
        userId: i % 2 ? staff.id : shopper.id,
        total: '10.00',
        status: (['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'pending'] as const)[i],
        items: { create: [{ productId: products[i]!.id, productName: products[i]!.name, unitPrice: '10.00', quantity: 1 }] },
      },
    });
  }
  return {
    staff: await accessTokenFor(staff.id),
    shopper: await accessTokenFor(shopper.id),
    anonymous: undefined,
    forged: 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.forged',
  };
}

/** Percent-encodes the UTF-8 bytes, so a lone surrogate goes out as U+FFFD like a client would send it. */
const encode = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => (/[\w.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

async function send(method: string, request: CampaignRequest, tokens: Record<Role, string | undefined>) {
  const query = request.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const url = `${request.path}${query ? `?${query}` : ''}`;
  const headers: Record<string, string> = { ...request.headers };
  const token = tokens[request.role];
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | FormData | undefined;
  if (request.body?.kind === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body.value) ?? 'null';
  } else if (request.body?.kind === 'raw') {
    headers['content-type'] = request.body.contentType;
    body = request.body.text;
  } else if (request.body?.kind === 'multipart') {
    const form = new FormData();
    for (const [key, value] of Object.entries(request.body.fields)) form.append(key, value);
    if (request.body.file) form.append('image', new Blob([new Uint8Array(request.body.file)]), 'upload.png');
    body = form;
  }
  const res = await fetch(base + url, { method: method.toUpperCase(), headers, body, signal: AbortSignal.timeout(10_000) });
  return { url, status: res.status, contentType: res.headers.get('content-type') ?? undefined, body: Buffer.from(await res.arrayBuffer()) };
}

describe('the property campaign over /openapi.json', () => {
  it.each(operations.map((op) => ({ ...op, name: `${op.method.toUpperCase()} ${op.path}` })))('$name', async (operation) => {
    const tokens = await fixture();
    await fc.assert(
      fc.asyncProperty(requestArbitrary(operation, openApi), async (request) => {
        const res = await send(operation.method, request, tokens);
        const counts = statuses.get(operation.name) ?? {};
        statuses.set(operation.name, { ...counts, [res.status]: (counts[res.status] ?? 0) + 1 });
        const problems = contractProblems({ method: operation.method.toUpperCase(), url: res.url, status: res.status, contentType: res.contentType, body: res.body });
        if (res.status >= 500) problems.unshift(`${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
        // No request the campaign makes is signed by Stripe: each must be refused, whatever it holds.
        if (operation.path === WEBHOOK && res.status !== 400) problems.unshift(`an unsigned webhook delivery answered ${res.status}`);
        if (problems.length) throw new Error(problems.join('\n'));
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: false },
    );
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
