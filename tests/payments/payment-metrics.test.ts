// What an operator sees of payments in GET /metrics: PaymentIntents started,
// what Stripe's events did, forged deliveries, and refunds.
import request from 'supertest';
import { buildProduct, signedIn } from '../support/api';
import { growth } from '../support/metrics';
import { deliver, startPaying, withStripeDouble } from '../support/payments';
import { placeOrder } from '../support/shop';

const shop = withStripeDouble();

async function startedPayment() {
  const shopper = await signedIn();
  const product = await buildProduct({ price: '19.99', stock: 10 });
  const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 3 }]);
  const res = await startPaying(shop.app, shopper.auth, order.id).expect(201);
  return { shopper, order, intentId: res.body.payment_intent_id as string };
}

const SUCCEEDED = 'payment_intent.succeeded';

it('counts a payment started, paid, redelivered and forged, each under its own labels', async () => {
  let intentId = '';
  const [started] = await growth([['shop_payments_total', { outcome: 'started' }]], async () => ({ intentId } = await startedPayment()));
  expect(started).toBe(1);

  const delivery = shop.stripe.signedEvent(SUCCEEDED, shop.stripe.succeed(intentId));
  const counts = await growth([
    ['shop_payments_total', { outcome: 'paid' }],
    ['shop_webhook_events_total', { type: SUCCEEDED, result: 'paid' }],
    ['shop_webhook_events_total', { type: SUCCEEDED, result: 'duplicate' }],
    ['shop_webhook_events_total', { type: 'unverified', result: 'invalid_signature' }],
  ], async () => {
    await deliver(shop.app, delivery).expect(200);
    await deliver(shop.app, delivery).expect(200);
    await deliver(shop.app, { body: delivery.body, signature: 't=1,v1=forged' }).expect(400);
  });
  expect(counts).toEqual([1, 1, 1, 1]);
});

it('counts a refund Stripe made for a payment of an order cancelled meanwhile, and one it could not make yet', async () => {
  const { shopper, order, intentId } = await startedPayment();
  await request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth).expect(204);
  const delivery = shop.stripe.signedEvent(SUCCEEDED, shop.stripe.succeed(intentId));

  const first = await growth([['shop_refunds_total', { outcome: 'unavailable' }], ['shop_payments_total', { outcome: 'refund_due' }]], async () => {
    shop.stripe.failNext({ status: 503 });
    await deliver(shop.app, delivery).expect(503);
  });
  expect(first).toEqual([1, 1]);

  const [succeeded, refundDue] = await growth([['shop_refunds_total', { outcome: 'succeeded' }], ['shop_payments_total', { outcome: 'refund_due' }]], async () => {
    await deliver(shop.app, delivery).expect(200);
  });
  // The redelivery is a duplicate event: the refund is asked for again, the payment outcome was counted the first time.
  expect([succeeded, refundDue]).toEqual([1, 0]);
});
