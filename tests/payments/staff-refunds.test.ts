// Staff cancelling an order paid through Stripe refund it in the same
// request; the expiry sweep cancels an unpaid order's PaymentIntent first,
// and asks again for refunds Stripe could not give earlier.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { buildProduct, signedIn } from '../support/api';
import { adminAgent, submit } from '../support/admin';
import { deliver, startPaying, sweepWith, withStripeDouble } from '../support/payments';
import { placeOrder, stockOf } from '../support/shop';

const shop = withStripeDouble();

const sweep = () => sweepWith(shop.stripe, { stripeTimeoutMs: 500 });

async function paidOrder() {
  const shopper = await signedIn();
  const staff = await signedIn({ isStaff: true });
  const product = await buildProduct({ price: '30.00', stock: 5 });
  const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 2 }]);
  const { body } = await startPaying(shop.app, shopper.auth, order.id).expect(201);
  await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(body.payment_intent_id))).expect(200);
  return { shopper, staff, product, order, intentId: body.payment_intent_id as string };
}

const staffCancel = (auth: Record<string, string>, id: number) => request(shop.app).patch(`/api/orders/${id}/`).set(auth).send({ status: 'cancelled' });
const state = async (id: number) => {
  const order = await db().order.findUniqueOrThrow({ where: { id }, include: { payment: { include: { refund: true } } } });
  return { status: order.status, payment: order.payment?.status, refund: order.payment?.refund?.status ?? null };
};

describe('staff cancelling a paid order', () => {
  it('refunds it in full through Stripe in the same request, then cancels and restocks it, logged', async () => {
    const { staff, product, order, intentId } = await paidOrder();

    const res = await staffCancel(staff.auth, order.id).expect(200);

    expect(res.body).toMatchObject({ status: 'cancelled', cancel_reason: 'staff' });
    expect(shop.stripe.calls('POST', '/v1/refunds')).toEqual([
      expect.objectContaining({ idempotencyKey: `order-${order.id}-refund`, params: expect.objectContaining({ payment_intent: intentId }) }),
    ]);
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded' });
    expect(await stockOf(product.id)).toBe(5);
    const [entry] = await db().adminLogEntry.findMany({ where: { objectType: 'order', objectId: order.id } });
    expect(entry!.changes).toMatchObject({ status: ['paid', 'cancelled'] });
  });

  it('keeps the order paid and answers 503 refund_failed when Stripe refuses the refund; a later cancel refunds it', async () => {
    const { staff, order, intentId } = await paidOrder();
    shop.stripe.setStatus(intentId, 'canceled'); // the double refuses to refund a PaymentIntent that did not succeed

    const res = await staffCancel(staff.auth, order.id).expect(503);

    expect(res.body.code).toBe('refund_failed');
    expect(await state(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: 'failed' });
    shop.stripe.succeed(intentId);
    await staffCancel(staff.auth, order.id).expect(200);
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded' });
  });

  it('keeps the order paid when Stripe is down (503), refuses to ship it while the refund is pending, and the sweep finishes the cancel', async () => {
    const { staff, order } = await paidOrder();
    shop.stripe.failNext({ status: 500 });

    const res = await staffCancel(staff.auth, order.id).expect(503);
    expect(res.body.code).toBe('payment_provider_unavailable');
    expect(await state(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: 'pending' });

    const ship = await request(shop.app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'shipped' }).expect(409);
    expect(ship.body.code).toBe('refund_in_progress');

    await sweep();
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded' });
    expect(shop.stripe.refunds.size).toBe(1);
  });

  it('cancels an order paid by hand (no Stripe payment) as before, asking Stripe nothing', async () => {
    const staff = await signedIn({ isStaff: true });
    const shopper = await signedIn();
    const product = await buildProduct({ stock: 3 });
    const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 1 }]);
    await request(shop.app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);

    await staffCancel(staff.auth, order.id).expect(200);

    expect(shop.stripe.requests).toHaveLength(0);
    expect(await stockOf(product.id)).toBe(3);
  });

  it('refunds from the admin\'s order page too, and shows Stripe\'s refusal there', async () => {
    const { staff, order, intentId } = await paidOrder();
    const agent = await adminAgent(staff.user, shop.app);
    const page = `/admin/orders/${order.id}/`;
    shop.stripe.setStatus(intentId, 'canceled');

    const refused = await submit(agent, page, `${page}status`, { status: 'cancelled' });
    expect(refused.status).toBe(503);
    expect(refused.text).toContain('Stripe refused the refund');

    shop.stripe.succeed(intentId);
    expect((await submit(agent, page, `${page}status`, { status: 'cancelled' })).status).toBe(303);
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'refunded', refund: 'succeeded' });
  });
});

describe('the expiry sweep and open PaymentIntents', () => {
  async function overdueWithPayment() {
    const shopper = await signedIn();
    const product = await buildProduct({ stock: 4 });
    const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 4 }]);
    const { body } = await startPaying(shop.app, shopper.auth, order.id).expect(201);
    await db().order.update({ where: { id: order.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
    return { product, order, intentId: body.payment_intent_id as string };
  }

  it('cancels the PaymentIntent at Stripe before it cancels the order and returns the stock', async () => {
    const { product, order, intentId } = await overdueWithPayment();

    expect(await sweep()).toBe(1);

    expect(shop.stripe.calls('POST', `/v1/payment_intents/${intentId}/cancel`)).toHaveLength(1);
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'canceled', refund: null });
    expect(await stockOf(product.id)).toBe(4);
  });

  it('marks the order paid when Stripe says the payment already succeeded', async () => {
    const { order, intentId } = await overdueWithPayment();
    shop.stripe.succeed(intentId);

    expect(await sweep()).toBe(0);

    expect(await state(order.id)).toEqual({ status: 'paid', payment: 'succeeded', refund: null });
  });

  it('cancels at Stripe the PaymentIntent of an order its owner cancelled, so it can no longer be paid', async () => {
    const shopper = await signedIn();
    const product = await buildProduct({ stock: 4 });
    const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 1 }]);
    const { body } = await startPaying(shop.app, shopper.auth, order.id).expect(201);
    await request(shop.app).delete(`/api/orders/${order.id}/`).set(shopper.auth).expect(204);

    await sweep();

    expect(shop.stripe.paymentIntents.get(body.payment_intent_id)!.status).toBe('canceled');
    expect(await state(order.id)).toEqual({ status: 'cancelled', payment: 'canceled', refund: null });
  });

  it('leaves the order pending while Stripe is down, and expires it on the next run once Stripe is back', async () => {
    const { order } = await overdueWithPayment();
    shop.stripe.failNext({ status: 503 });

    expect(await sweep()).toBe(0);
    expect(await state(order.id)).toEqual({ status: 'pending', payment: 'requires_payment_method', refund: null });

    expect(await sweep()).toBe(1);
    expect((await state(order.id)).status).toBe('cancelled');
  });
});
