// Paying an order: the server talks to a double of Stripe's HTTP API through
// the real SDK, and Stripe's events come in signed as Stripe signs them.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { buildProduct, signedIn } from '../support/api';
import { deliver, paymentsApp, startPaying, withStripeDouble } from '../support/payments';
import { placeOrder } from '../support/shop';

const shop = withStripeDouble();

async function pendingOrder(price = '19.99', quantity = 3) {
  const shopper = await signedIn();
  const product = await buildProduct({ price, stock: 10 });
  const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity }]);
  return { shopper, product, order };
}

function expectUnavailable(res: request.Response, code = 'payment_provider_unavailable') {
  expect(res.status).toBe(503);
  expect(res.body.code).toBe(code);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('POST /api/orders/{id}/payment/', () => {
  it('creates a PaymentIntent for the order\'s total in cents, and answers what the browser needs to confirm it', async () => {
    const { shopper, order } = await pendingOrder('19.99', 3);

    const res = await startPaying(shop.app, shopper.auth, order.id).expect(201);

    const [call] = shop.stripe.calls('POST', '/v1/payment_intents');
    expect(call).toMatchObject({
      idempotencyKey: `order-${order.id}-payment`,
      params: { amount: '5997', currency: 'usd', metadata: { order_id: String(order.id) }, automatic_payment_methods: { enabled: 'true' } },
    });
    const intent = [...shop.stripe.paymentIntents.values()][0]!;
    expect(res.body).toEqual({
      order_id: order.id,
      provider: 'stripe',
      payment_intent_id: intent.id,
      client_secret: intent.client_secret,
      amount: '59.97',
      currency: 'usd',
      status: 'requires_payment_method',
    });
    await request(shop.app).get(`/api/orders/${order.id}/payment/`).set(shopper.auth).expect(200, res.body);
  });

  it('answers 200 with the same PaymentIntent when asked again', async () => {
    const { shopper, order } = await pendingOrder();
    const first = await startPaying(shop.app, shopper.auth, order.id).expect(201);

    const again = await startPaying(shop.app, shopper.auth, order.id).expect(200);

    expect(again.body).toEqual(first.body);
    expect(shop.stripe.paymentIntents.size).toBe(1);
  });

  it('of ten concurrent requests on two server instances, makes one PaymentIntent and one payment', async () => {
    const { shopper, order } = await pendingOrder();
    const other = paymentsApp(shop.stripe);

    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => startPaying(i % 2 ? shop.app : other, shopper.auth, order.id)));

    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.body.payment_intent_id)).size).toBe(1);
    expect(shop.stripe.paymentIntents.size).toBe(1);
    expect(await db().payment.count()).toBe(1);
  });

  it('answers 404 for another customer\'s order, and 409 for an order that is not pending', async () => {
    const { order } = await pendingOrder();
    const stranger = await signedIn();
    await startPaying(shop.app, stranger.auth, order.id).expect(404);

    const mine = await pendingOrder();
    await db().order.update({ where: { id: mine.order.id }, data: { status: 'paid' } });
    const res = await startPaying(shop.app, mine.shopper.auth, mine.order.id).expect(409);

    expect(res.body).toMatchObject({ code: 'order_not_pending', order_status: 'paid' });
    expect(shop.stripe.requests).toHaveLength(0);
  });

  it('lets staff read a payment, and answers 404 while none was started', async () => {
    const { shopper, order } = await pendingOrder();
    const staff = await signedIn({ isStaff: true });
    await request(shop.app).get(`/api/orders/${order.id}/payment/`).set(staff.auth).expect(404);

    await startPaying(shop.app, shopper.auth, order.id).expect(201);

    await request(shop.app).get(`/api/orders/${order.id}/payment/`).set(staff.auth).expect(200);
  });

  it('answers 503 payments_not_configured without STRIPE_SECRET_KEY, and the rest of the shop works', async () => {
    const { shopper, order } = await pendingOrder();
    const unconfigured = paymentsApp(shop.stripe, { stripeSecretKey: undefined });

    expectUnavailable(await startPaying(unconfigured, shopper.auth, order.id), 'payments_not_configured');
    expectUnavailable(await request(unconfigured).get(`/api/orders/${order.id}/payment/`).set(shopper.auth), 'payments_not_configured');
    await request(unconfigured).get(`/api/orders/${order.id}/`).set(shopper.auth).expect(200);
    expect(shop.stripe.requests).toHaveLength(0);
  });

  it.each([
    ['answers 500', { status: 500 as const }],
    ['answers 429', { status: 429 as const }],
    ['never answers', { hang: true as const }],
  ])('answers 503 with Retry-After when Stripe %s, records nothing, and works once Stripe is back', async (_case, failure) => {
    const { shopper, order } = await pendingOrder();
    const impatient = paymentsApp(shop.stripe, { stripeTimeoutMs: 300 });
    shop.stripe.failNext(failure);

    expectUnavailable(await startPaying(impatient, shopper.auth, order.id));
    expect(await db().payment.count()).toBe(0);

    await startPaying(impatient, shopper.auth, order.id).expect(201);
  });

  it('answers 503 when Stripe cannot be reached at all', async () => {
    const { shopper, order } = await pendingOrder();
    const unreachable = paymentsApp(shop.stripe, { stripeApiUrl: 'http://127.0.0.1:9' });

    expectUnavailable(await startPaying(unreachable, shopper.auth, order.id));
  });
});

describe('POST /api/payments/stripe/webhook/', () => {
  async function startedPayment() {
    const placed = await pendingOrder();
    const res = await startPaying(shop.app, placed.shopper.auth, placed.order.id).expect(201);
    return { ...placed, intentId: res.body.payment_intent_id as string };
  }
  const orderStatus = async (id: number) => (await db().order.findUniqueOrThrow({ where: { id } })).status;
  const paymentStatus = async (orderId: number) => (await db().payment.findUniqueOrThrow({ where: { orderId } })).status;

  it('marks the order paid on payment_intent.succeeded', async () => {
    const { order, intentId } = await startedPayment();

    const res = await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))).expect(200);

    expect(res.body).toEqual({ received: true });
    expect(await orderStatus(order.id)).toBe('paid');
    expect(await paymentStatus(order.id)).toBe('succeeded');
  });

  type Delivery = { body: string; signature?: string };
  const forgeries: [string, (genuine: Delivery, sign: (options: object) => Delivery) => Delivery][] = [
    ['no signature', (genuine) => ({ body: genuine.body })],
    ['a signature made with another secret', (_genuine, sign) => sign({ secret: 'whsec_not_ours' })],
    ['a body changed after signing', (genuine) => ({ body: genuine.body.replace('"amount":5997', '"amount":1'), signature: genuine.signature })],
    ['a signature older than five minutes', (_genuine, sign) => sign({ timestamp: Math.floor(Date.now() / 1000) - 301 })],
  ];
  it.each(forgeries)('refuses an event with %s (400) and changes nothing', async (_case, forge) => {
    const { order, intentId } = await startedPayment();
    const intent = shop.stripe.succeed(intentId);
    const sign = (options: object) => shop.stripe.signedEvent('payment_intent.succeeded', intent, options);

    const res = await deliver(shop.app, forge(sign({}), sign)).expect(400);

    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(await orderStatus(order.id)).toBe('pending');
    expect(await db().paymentEvent.count()).toBe(0);
  });

  it('refuses a body over its own 256 KB limit with a 413 before verifying it, and changes nothing', async () => {
    const { order, intentId } = await startedPayment();
    const huge = { ...shop.stripe.succeed(intentId), description: 'x'.repeat(300 * 1024) };

    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', huge)).expect(413);

    expect(await orderStatus(order.id)).toBe('pending');
    expect(await db().paymentEvent.count()).toBe(0);
  });

  it('changes nothing on a redelivery, nor on two deliveries of one event at once on two instances', async () => {
    const { order, intentId } = await startedPayment();
    const delivery = shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId));
    const other = paymentsApp(shop.stripe);

    const answers = await Promise.all([deliver(shop.app, delivery), deliver(other, delivery)]);
    await deliver(shop.app, delivery).expect(200);

    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await db().paymentEvent.count()).toBe(1);
    expect(await orderStatus(order.id)).toBe('paid');
  });

  it('refunds in full, once, a payment that succeeds for an order cancelled meanwhile', async () => {
    const { shopper, order, intentId, product } = await startedPayment();
    await request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth).expect(204);
    const delivery = shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId));

    await deliver(shop.app, delivery).expect(200);
    await deliver(shop.app, delivery).expect(200);

    const refunds = shop.stripe.calls('POST', '/v1/refunds');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ idempotencyKey: `order-${order.id}-refund`, params: { payment_intent: intentId } });
    expect(await orderStatus(order.id)).toBe('cancelled');
    expect(await paymentStatus(order.id)).toBe('refunded');
    expect(await db().refund.findMany()).toEqual([expect.objectContaining({ status: 'succeeded', amount: expect.anything() })]);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(10);
  });

  it('keeps a refund it could not get from Stripe, answers 503 so Stripe delivers again, and refunds once on the redelivery', async () => {
    const { shopper, order, intentId } = await startedPayment();
    await request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth).expect(204);
    const delivery = shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId));
    shop.stripe.failNext({ status: 500 });

    expectUnavailable(await deliver(shop.app, delivery));
    expect(await db().refund.findMany()).toEqual([expect.objectContaining({ status: 'pending' })]);

    await deliver(shop.app, delivery).expect(200);
    expect(shop.stripe.refunds.size).toBe(1);
    expect(await db().refund.findMany()).toEqual([expect.objectContaining({ status: 'succeeded' })]);
  });

  it('leaves the order unpaid when the amount or currency is not the order\'s', async () => {
    const { order, intentId } = await startedPayment();
    const intent = shop.stripe.succeed(intentId);

    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', { ...intent, amount: 100 })).expect(200);
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', { ...intent, currency: 'eur' })).expect(200);

    expect(await orderStatus(order.id)).toBe('pending');
    expect((await db().paymentEvent.findMany()).map((e) => e.outcome)).toEqual(['amount_mismatch', 'amount_mismatch']);
  });

  it('records the other payment_intent statuses and leaves the order as it is; a late one never undoes a success', async () => {
    const { order, intentId } = await startedPayment();

    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.processing', shop.stripe.setStatus(intentId, 'processing'))).expect(200);
    expect(await paymentStatus(order.id)).toBe('processing');
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))).expect(200);
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.requires_action', { ...shop.stripe.paymentIntents.get(intentId)!, status: 'requires_action' })).expect(200);

    expect(await paymentStatus(order.id)).toBe('succeeded');
    expect(await orderStatus(order.id)).toBe('paid');
  });

  it('answers 200 to events it does not use and to PaymentIntents it never made, and changes nothing', async () => {
    const { order, intentId } = await startedPayment();
    const stranger = { ...shop.stripe.succeed(intentId), id: 'pi_not_ours', metadata: { order_id: String(order.id) } };

    await deliver(shop.app, shop.stripe.signedEvent('customer.created', { id: 'cus_1', object: 'customer' })).expect(200);
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', stranger)).expect(200);

    expect(await orderStatus(order.id)).toBe('pending');
    expect((await db().paymentEvent.findMany()).map((e) => e.outcome)).toEqual(['ignored', 'ignored']);
  });
});
