// Two real server processes on one database and one Stripe double, as the
// shop runs behind a load balancer: concurrent payment starts make one
// PaymentIntent, and one event delivered to both at once is applied once.
import { db } from '../../src/lib/db';
import { accessTokenFor, buildProduct, buildUser } from '../support/api';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { startStripeDouble, type StripeDouble } from '../support/stripe-double';

jest.setTimeout(90_000);

let stripe: StripeDouble;
let servers: ServerProcess[] = [];

beforeAll(async () => {
  stripe = await startStripeDouble();
  const env = { STRIPE_SECRET_KEY: 'sk_test_processes', STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url, ORDER_ACTIONS_PER_MINUTE: '0' };
  servers = await Promise.all([startServerProcess({ env }), startServerProcess({ env })]);
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await stripe.stop();
});

async function pendingOrder() {
  const shopper = await buildUser();
  const product = await buildProduct({ price: '7.25', stock: 5 });
  const order = await db().order.create({
    data: { userId: shopper.id, total: '14.50', items: { create: [{ productId: product.id, productName: product.name, unitPrice: '7.25', quantity: 2 }] } },
  });
  return { order, auth: { Authorization: `Bearer ${await accessTokenFor(shopper.id)}` } };
}

it('of ten concurrent payment starts across two processes, makes one PaymentIntent; one event sent to both at once pays the order once', async () => {
  const { order, auth } = await pendingOrder();

  const starts = await Promise.all(
    Array.from({ length: 10 }, (_, i) => fetch(`${servers[i % 2]!.url}/api/orders/${order.id}/payment/`, { method: 'POST', headers: auth })),
  );
  const bodies = await Promise.all(starts.map((res) => res.json() as Promise<{ payment_intent_id: string }>));

  expect(starts.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
  expect(new Set(bodies.map((b) => b.payment_intent_id)).size).toBe(1);
  expect(stripe.paymentIntents.size).toBe(1);

  const delivery = stripe.signedEvent('payment_intent.succeeded', stripe.succeed(bodies[0]!.payment_intent_id));
  const webhooks = await Promise.all(
    servers.map((server) =>
      fetch(`${server.url}/api/payments/stripe/webhook/`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': delivery.signature }, body: delivery.body }),
    ),
  );

  expect(webhooks.map((res) => res.status)).toEqual([200, 200]);
  expect(await db().paymentEvent.count()).toBe(1);
  expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('paid');
});
