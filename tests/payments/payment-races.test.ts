// Every race between a payment and a cancel has one outcome: the order paid,
// or cancelled with exactly one refund. Each interleaving is forced, not
// hoped for: a test transaction holds the order's row, the racing requests
// queue behind it in a known order (waiting for them in pg_stat_activity),
// and the hold is released.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { StripeGateway } from '../../src/modules/payments/stripe-gateway';
import { config } from '../../src/config';
import { buildProduct, signedIn } from '../support/api';
import { deliver, paymentsApp, startPaying, type PaymentsApp } from '../support/payments';
import { holdInTransaction, placeOrder, stockOf, waitForLockWaiters } from '../support/shop';
import { startStripeDouble, type StripeDouble } from '../support/stripe-double';

let stripe: StripeDouble;
let app: PaymentsApp;

beforeAll(async () => {
  stripe = await startStripeDouble();
});
afterAll(() => stripe.stop());
beforeEach(() => {
  stripe.reset();
  app = paymentsApp(stripe);
});

async function paymentStarted() {
  const shopper = await signedIn();
  const product = await buildProduct({ price: '12.50', stock: 10 });
  const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 2 }]);
  const { body } = await startPaying(app, shopper.auth, order.id).expect(201);
  return { shopper, product, order, intentId: body.payment_intent_id as string };
}

const holdOrder = (id: number) => holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM orders WHERE id = ${id} FOR UPDATE`);
/** Starts a supertest request now, without waiting for its answer. */
const inFlight = (req: request.Test) => req.then((res) => res);

async function outcome(orderId: number) {
  const order = await db().order.findUniqueOrThrow({ where: { id: orderId }, include: { payment: { include: { refund: true } } } });
  return { status: order.status, payment: order.payment?.status, refund: order.payment?.refund?.status ?? null, stripeRefunds: stripe.refunds.size };
}

function sweeper() {
  const gateway = new StripeGateway({ ...config.payments, stripeSecretKey: 'sk_test_double', stripeWebhookSecret: stripe.webhookSecret, stripeApiUrl: stripe.url });
  return () => expireUnpaidOrders({ ttlSeconds: 1, gateway });
}
const makeOverdue = (orderId: number) => db().order.update({ where: { id: orderId }, data: { createdAt: new Date(Date.now() - 3_600_000) } });

describe('payment_intent.succeeded against the owner\'s cancel', () => {
  it('ends paid when the payment is applied first: the cancel is refused', async () => {
    const { shopper, order, intentId } = await paymentStarted();
    const hold = await holdOrder(order.id);
    const paid = inFlight(deliver(app, stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId))));
    await waitForLockWaiters(1);
    const cancel = inFlight(request(app).delete(`/api/orders/${order.id}/`).set(shopper.auth));
    await waitForLockWaiters(2);

    await hold.release();

    expect((await paid).status).toBe(200);
    expect((await cancel).status).toBe(409);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with one refund when the cancel is applied first', async () => {
    const { shopper, order, intentId, product } = await paymentStarted();
    const hold = await holdOrder(order.id);
    const cancel = inFlight(request(app).delete(`/api/orders/${order.id}/`).set(shopper.auth));
    await waitForLockWaiters(1);
    const paid = inFlight(deliver(app, stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId))));
    await waitForLockWaiters(2);

    await hold.release();

    expect((await cancel).status).toBe(204);
    expect((await paid).status).toBe(200);
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
    expect(await stockOf(product.id)).toBe(10);
  });
});

describe('payment_intent.succeeded against staff\'s cancel', () => {
  it('ends paid when the payment is applied first: the cancel of a pending order finds it changed', async () => {
    const { order, intentId } = await paymentStarted();
    const staff = await signedIn({ isStaff: true });
    const hold = await holdOrder(order.id);
    const paid = inFlight(deliver(app, stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId))));
    await waitForLockWaiters(1);
    const cancel = inFlight(request(app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'cancelled' }));
    await waitForLockWaiters(2);

    await hold.release();

    expect((await paid).status).toBe(200);
    expect((await cancel).status).toBe(409);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with one refund when the cancel is applied first', async () => {
    const { order, intentId } = await paymentStarted();
    const staff = await signedIn({ isStaff: true });
    const hold = await holdOrder(order.id);
    const cancel = inFlight(request(app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'cancelled' }));
    await waitForLockWaiters(1);
    const paid = inFlight(deliver(app, stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId))));
    await waitForLockWaiters(2);

    await hold.release();

    expect((await cancel).status).toBe(200);
    expect((await paid).status).toBe(200);
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
  });
});

describe('payment_intent.succeeded against the expiry sweep', () => {
  it('ends paid when the customer paid just before the sweep: Stripe refuses the cancel, the order is marked paid, the event changes nothing more', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);
    const success = stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId));
    const hold = await holdOrder(order.id);
    const sweep = sweeper()();
    await waitForLockWaiters(1);
    const paid = inFlight(deliver(app, success));
    await waitForLockWaiters(2);

    await hold.release();

    expect(await sweep).toBe(0);
    expect((await paid).status).toBe(200);
    expect(stripe.calls('POST', `/v1/payment_intents/${intentId}/cancel`)).toHaveLength(1);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends paid when the payment is applied while the sweep asks Stripe', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);
    const hold = await holdOrder(order.id);
    const paid = inFlight(deliver(app, stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId))));
    await waitForLockWaiters(1);
    const sweep = sweeper()();
    await waitForLockWaiters(2);

    await hold.release();

    expect((await paid).status).toBe(200);
    expect(await sweep).toBe(0);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with nothing to refund when the sweep cancels the PaymentIntent first', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);

    expect(await sweeper()()).toBe(1);

    expect(stripe.paymentIntents.get(intentId)!.status).toBe('canceled');
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'canceled', refund: null, stripeRefunds: 0 });
  });

  it('refunds once a payment that still succeeds after the sweep cancelled its order', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);
    await sweeper()();
    // Stripe cannot let a cancelled PaymentIntent succeed; should it ever, the money goes back.
    const late = stripe.signedEvent('payment_intent.succeeded', stripe.succeed(intentId));

    await deliver(app, late).expect(200);
    await deliver(app, late).expect(200);

    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
  });
});
