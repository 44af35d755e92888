// Every race between a payment and a cancel has one outcome: the order paid,
// or cancelled with exactly one refund. Each interleaving is forced, not
// hoped for: a test transaction holds the order's row, the racing requests
// queue behind it in a known order (waiting for them in pg_stat_activity),
// and the hold is released.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { buildProduct, signedIn } from '../support/api';
import { deliver, startPaying, sweepWith, withStripeDouble } from '../support/payments';
import { holdInTransaction, placeOrder, stockOf, waitForLockWaiters } from '../support/shop';

const shop = withStripeDouble();

async function paymentStarted() {
  const shopper = await signedIn();
  const product = await buildProduct({ price: '12.50', stock: 10 });
  const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 2 }]);
  const { body } = await startPaying(shop.app, shopper.auth, order.id).expect(201);
  return { shopper, product, order, intentId: body.payment_intent_id as string };
}

/**
 * Starts `first`, then `second`, while a test transaction holds the order's
 * row, each once the one before waits for that row: released, they take it
 * in that order. Answers both outcomes.
 */
async function inTurn<A, B>(orderId: number, first: () => PromiseLike<A>, second: () => PromiseLike<B>): Promise<[A, B]> {
  const hold = await holdInTransaction((tx) => tx.$queryRaw`SELECT id FROM orders WHERE id = ${orderId} FOR UPDATE`);
  const a = Promise.resolve(first());
  await waitForLockWaiters(1);
  const b = Promise.resolve(second());
  await waitForLockWaiters(2);
  await hold.release();
  return [await a, await b];
}

async function outcome(orderId: number) {
  const order = await db().order.findUniqueOrThrow({ where: { id: orderId }, include: { payment: { include: { refund: true } } } });
  return { status: order.status, payment: order.payment?.status, refund: order.payment?.refund?.status ?? null, stripeRefunds: shop.stripe.refunds.size };
}

const makeOverdue = (orderId: number) => db().order.update({ where: { id: orderId }, data: { createdAt: new Date(Date.now() - 3_600_000) } });

describe('payment_intent.succeeded against the owner\'s cancel', () => {
  it('ends paid when the payment is applied first: the cancel is refused', async () => {
    const { shopper, order, intentId } = await paymentStarted();

    const [paid, cancel] = await inTurn(
      order.id,
      () => deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))),
      () => request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth),
    );

    expect(paid.status).toBe(200);
    expect(cancel.status).toBe(409);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with one refund when the cancel is applied first', async () => {
    const { shopper, order, intentId, product } = await paymentStarted();

    const [cancel, paid] = await inTurn(
      order.id,
      () => request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth),
      () => deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))),
    );

    expect(cancel.status).toBe(204);
    expect(paid.status).toBe(200);
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
    expect(await stockOf(product.id)).toBe(10);
  });
});

describe('payment_intent.succeeded against staff\'s cancel', () => {
  it('ends paid when the payment is applied first: the cancel of a pending order finds it changed', async () => {
    const { order, intentId } = await paymentStarted();
    const staff = await signedIn({ isStaff: true });

    const [paid, cancel] = await inTurn(
      order.id,
      () => deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))),
      () => request(shop.app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'cancelled' }),
    );

    expect(paid.status).toBe(200);
    expect(cancel.status).toBe(409);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with one refund when the cancel is applied first', async () => {
    const { order, intentId } = await paymentStarted();
    const staff = await signedIn({ isStaff: true });

    const [cancel, paid] = await inTurn(
      order.id,
      () => request(shop.app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'cancelled' }),
      () => deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))),
    );

    expect(cancel.status).toBe(200);
    expect(paid.status).toBe(200);
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
  });
});

describe('payment_intent.succeeded against the expiry sweep', () => {
  it('ends paid when the customer paid just before the sweep: Stripe refuses the cancel, the order is marked paid, the event changes nothing more', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);
    const success = shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId));

    const [sweep, paid] = await inTurn(
      order.id,
      () => sweepWith(shop.stripe),
      () => deliver(shop.app, success),
    );

    expect(sweep).toBe(0);
    expect(paid.status).toBe(200);
    expect(shop.stripe.calls('POST', `/v1/payment_intents/${intentId}/cancel`)).toHaveLength(1);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends paid when the payment is applied while the sweep asks Stripe', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);

    const [paid, sweep] = await inTurn(
      order.id,
      () => deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId))),
      () => sweepWith(shop.stripe),
    );

    expect(paid.status).toBe(200);
    expect(sweep).toBe(0);
    expect(await outcome(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null, stripeRefunds: 0 });
  });

  it('ends cancelled with nothing to refund when the sweep cancels the PaymentIntent first', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);

    expect(await sweepWith(shop.stripe)).toBe(1);

    expect(shop.stripe.paymentIntents.get(intentId)!.status).toBe('canceled');
    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'canceled', refund: null, stripeRefunds: 0 });
  });

  it('refunds once a payment that still succeeds after the sweep cancelled its order', async () => {
    const { order, intentId } = await paymentStarted();
    await makeOverdue(order.id);
    await sweepWith(shop.stripe);
    // Stripe cannot let a cancelled PaymentIntent succeed; should it ever, the money goes back.
    const late = shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(intentId));

    await deliver(shop.app, late).expect(200);
    await deliver(shop.app, late).expect(200);

    expect(await outcome(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded', stripeRefunds: 1 });
  });
});
