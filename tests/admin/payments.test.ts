// Card payments in the admin site: the order page shows the payment, the
// Stripe events received for it and its refund, escaped; the dashboard counts
// orders awaiting payment, failed payments and refunds to check. Payments are
// made through the Stripe double and signed webhook deliveries, as in
// tests/payments.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { buildProduct, signedIn } from '../support/api';
import { adminAgent, submit, type Agent } from '../support/admin';
import { deliver, paymentsApp, startPaying, type PaymentsApp } from '../support/payments';
import { placeOrder } from '../support/shop';
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

async function anOrder(shopper?: Awaited<ReturnType<typeof signedIn>>) {
  const customer = shopper ?? (await signedIn());
  const product = await buildProduct({ price: '30.00', stock: 10 });
  const order = await placeOrder(customer.auth, [{ product_id: product.id, quantity: 2 }]);
  return { customer, order };
}

/** An order with a PaymentIntent started by its owner, not paid yet. */
async function orderBeingPaid() {
  const { customer, order } = await anOrder();
  const { body } = await startPaying(app, customer.auth, order.id).expect(201);
  return { customer, order, intentId: body.payment_intent_id as string };
}

async function paidOrder() {
  const paying = await orderBeingPaid();
  const { event } = await deliverEvent('payment_intent.succeeded', stripe.succeed(paying.intentId));
  return { ...paying, succeededEvent: event.id };
}

async function deliverEvent(type: string, object: ReturnType<StripeDouble['succeed']>, options: { id?: string } = {}) {
  const signed = stripe.signedEvent(type, object, options);
  await deliver(app, signed).expect(200);
  return signed;
}

const orderPage = async (agent: Agent, id: number) => (await agent.get(`/admin/orders/${id}/`).expect(200)).text;
const staffCancel = (agent: Agent, id: number) => submit(agent, `/admin/orders/${id}/`, `/admin/orders/${id}/status`, { status: 'cancelled' });

/** The part of the order page between the Payment heading and the next section's. */
function paymentSection(page: string): string {
  const start = page.indexOf('<h2>Payment</h2>');
  expect(start).toBeGreaterThan(-1);
  return page.slice(start, page.indexOf('<h2>Change the status</h2>', start));
}

describe('the payment on the admin order page', () => {
  it('shows the PaymentIntent, its amount and status, and each event received for it, newest first', async () => {
    const staff = await signedIn({ isStaff: true });
    const { order, intentId } = await orderBeingPaid();
    const agent = await adminAgent(staff.user, app);

    const opened = paymentSection(await orderPage(agent, order.id));
    expect(opened).toContain(intentId);
    expect(opened).toContain('requires_payment_method');
    expect(opened).toContain('60.00 USD');
    expect(opened).toContain('No event from Stripe has been received');

    const { event: processing } = await deliverEvent('payment_intent.processing', stripe.setStatus(intentId, 'processing'));
    const { event: succeeded } = await deliverEvent('payment_intent.succeeded', stripe.succeed(intentId));

    const section = paymentSection(await orderPage(agent, order.id));
    expect(section).toContain('stripe');
    expect(section).toMatch(/<dt>Status<\/dt><dd><span[^>]*>succeeded<\/span>/);
    expect(section).toContain('payment_intent.processing');
    expect(section).toContain('payment_intent.succeeded');
    expect(section).toMatch(/<th scope="col">Stripe event<\/th>/);
    // Newest first: the success above the processing event; each with what the server did with it.
    expect(section.indexOf(succeeded.id)).toBeGreaterThan(-1);
    expect(section.indexOf(succeeded.id)).toBeLessThan(section.indexOf(processing.id));
    expect(section).toMatch(new RegExp(`${succeeded.id}</code></td>\\s*<td>payment_intent.succeeded</td>\\s*<td>paid</td>`));
    expect(section).toMatch(new RegExp(`${processing.id}</code></td>\\s*<td>payment_intent.processing</td>\\s*<td>recorded</td>`));
    expect(section).toContain('This payment has not been refunded.');
  });

  it('shows the refund after a staff cancel: its status, amount and Stripe refund id, and the payment refunded', async () => {
    const staff = await signedIn({ isStaff: true });
    const { order } = await paidOrder();
    const agent = await adminAgent(staff.user, app);

    expect((await staffCancel(agent, order.id)).status).toBe(303);

    const [refund] = [...stripe.refunds.values()];
    const section = paymentSection(await orderPage(agent, order.id));
    expect(section).toMatch(/<dt>Status<\/dt><dd><span[^>]*>refunded<\/span>/);
    expect(section).toContain('<h3>Refund</h3>');
    expect(section).toMatch(/<dl class="facts refund">\s*<dt>Status<\/dt><dd><span[^>]*>succeeded<\/span>/);
    expect(section).toContain(refund!.id);
    expect(section).toContain('staff cancelled the paid order');
    expect(section).toMatch(/<dt>Amount<\/dt><dd>60\.00 USD<\/dd>\s*<dt>Why/);
    expect(section).toContain(`order-${order.id}-refund<`);
  });

  it('says there is no card payment for an order without one, also once it is marked paid by hand', async () => {
    const staff = await signedIn({ isStaff: true });
    const { order } = await anOrder();
    const agent = await adminAgent(staff.user, app);

    expect(paymentSection(await orderPage(agent, order.id))).toContain('No card payment');
    await request(app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);
    const section = paymentSection(await orderPage(agent, order.id));
    expect(section).toContain('No card payment');
    expect(section).not.toContain('PaymentIntent</dt>');
  });

  it('shows a refund Stripe refused, with its answer and attempt, and escapes what Stripe sent', async () => {
    const staff = await signedIn({ isStaff: true });
    const { order, intentId } = await paidOrder();
    const agent = await adminAgent(staff.user, app);
    stripe.setStatus(intentId, 'canceled'); // the double refuses to refund a PaymentIntent that did not succeed
    expect((await staffCancel(agent, order.id)).status).toBe(503);

    const refused = paymentSection(await orderPage(agent, order.id));
    expect(refused).toMatch(/<dl class="facts refund">\s*<dt>Status<\/dt><dd><span[^>]*>failed<\/span>/);
    expect(refused).toContain('This PaymentIntent does not have a successful charge to refund.');
    expect(refused).toMatch(/<dt>Attempt<\/dt><dd>1 /);
    expect(refused).toContain('none yet');

    // Stripe's words are not ours: a refusal message and an event id holding markup are shown as text.
    await db().refund.updateMany({ data: { failure: 'Declined <script>alert("refund")</script> & <b>bold</b>' } });
    await deliverEvent('payment_intent.processing', stripe.setStatus(intentId, 'processing'), { id: 'evt_<img src=x onerror=alert(1)>' });
    const page = await orderPage(agent, order.id);
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<b>bold</b>');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('Declined &lt;script&gt;alert(&quot;refund&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(page).toContain('evt_&lt;img src=x onerror=alert(1)&gt;');

    // Asked for again (a second cancel): a new attempt with a key of its own.
    stripe.succeed(intentId);
    expect((await staffCancel(agent, order.id)).status).toBe(303);
    const again = paymentSection(await orderPage(agent, order.id));
    expect(again).toMatch(/<dt>Attempt<\/dt><dd>2 /);
    expect(again).toContain(`order-${order.id}-refund-1<`);
  });
});

describe('the payment counts on the dashboard', () => {
  async function counts(agent: Agent) {
    const page = (await agent.get('/admin/').expect(200)).text;
    const tile = (label: RegExp) => {
      const match = new RegExp(`<strong>(\\d+)</strong> ${label.source}`).exec(page);
      if (!match) throw new Error(`no tile ${label} on the dashboard`);
      return Number(match[1]);
    };
    return {
      awaiting: tile(/awaiting payment/),
      failed: tile(/failed payments/),
      refunds: tile(/refunds to check/),
      page,
    };
  }
  const numbers = async (agent: Agent) => {
    const { awaiting, failed, refunds } = await counts(agent);
    return { awaiting, failed, refunds };
  };

  it('links awaiting payment to the pending orders, and failed payments and refunds to the orders concerned', async () => {
    const staff = await signedIn({ isStaff: true });
    const agent = await adminAgent(staff.user, app);
    const { page } = await counts(agent);
    expect(page).toMatch(/<a href="\/admin\/orders\/\?status=pending"><strong>0<\/strong> awaiting payment<\/a>/);
    expect(page).toContain('No failed payment, and no refund to check.');

    const { order, intentId } = await orderBeingPaid();
    await deliverEvent('payment_intent.payment_failed', stripe.setStatus(intentId, 'requires_payment_method'));
    const after = (await counts(agent)).page;
    expect(after).toMatch(/<a href="#attention-heading"><strong>1<\/strong> failed payments<\/a>/);
    expect(after).toMatch(new RegExp(`<a href="/admin/orders/${order.id}/">Order #${order.id}</a></td>\\s*<td>card payment failed</td>`));
  });

  it('counts orders as they are placed and paid, payments as they fail and recover, refunds as Stripe refuses or delays them', async () => {
    const staff = await signedIn({ isStaff: true });
    const agent = await adminAgent(staff.user, app);
    expect(await numbers(agent)).toEqual({ awaiting: 0, failed: 0, refunds: 0 });

    // Placed: awaiting payment. A PaymentIntent merely opened is no failure.
    const declined = await orderBeingPaid();
    const opened = await orderBeingPaid();
    await anOrder();
    expect(await numbers(agent)).toEqual({ awaiting: 3, failed: 0, refunds: 0 });

    // A card declined: a failed payment until the customer pays after all.
    await deliverEvent('payment_intent.payment_failed', stripe.setStatus(declined.intentId, 'requires_payment_method'));
    expect(await numbers(agent)).toEqual({ awaiting: 3, failed: 1, refunds: 0 });
    await deliverEvent('payment_intent.payment_failed', stripe.setStatus(opened.intentId, 'requires_payment_method'));
    expect(await numbers(agent)).toEqual({ awaiting: 3, failed: 2, refunds: 0 });
    await deliverEvent('payment_intent.succeeded', stripe.succeed(declined.intentId));
    expect(await numbers(agent)).toEqual({ awaiting: 2, failed: 1, refunds: 0 });
    // A retry in flight is not a failure (yet); cancelling the order ends the matter.
    await deliverEvent('payment_intent.processing', stripe.setStatus(opened.intentId, 'processing'));
    expect(await numbers(agent)).toEqual({ awaiting: 2, failed: 0, refunds: 0 });
    await deliverEvent('payment_intent.payment_failed', stripe.setStatus(opened.intentId, 'requires_payment_method'));
    expect(await numbers(agent)).toEqual({ awaiting: 2, failed: 1, refunds: 0 });
    await request(app).patch(`/api/orders/${opened.order.id}/`).set(opened.customer.auth).send({ status: 'cancelled' }).expect(200);
    expect(await numbers(agent)).toEqual({ awaiting: 1, failed: 0, refunds: 0 });

    // Stripe refuses a staff refund: a refund to check, and the order listed.
    stripe.setStatus(declined.intentId, 'canceled');
    expect((await staffCancel(agent, declined.order.id)).status).toBe(503);
    const refused = await counts(agent);
    expect({ awaiting: refused.awaiting, failed: refused.failed, refunds: refused.refunds }).toEqual({ awaiting: 1, failed: 0, refunds: 1 });
    expect(refused.page).toContain('refunds to check (1 failed, 0 pending)');
    expect(refused.page).toMatch(new RegExp(`Order #${declined.order.id}</a></td>\\s*<td>refund refused by Stripe</td>`));

    // Stripe down while refunding another: pending, also to check.
    const other = await paidOrder();
    stripe.failNext({ status: 500 });
    expect((await staffCancel(agent, other.order.id)).status).toBe(503);
    const delayed = await counts(agent);
    expect(delayed.refunds).toBe(2);
    expect(delayed.page).toContain('refunds to check (1 failed, 1 pending)');
    expect(delayed.page).toMatch(new RegExp(`Order #${other.order.id}</a></td>\\s*<td>refund not settled yet</td>`));

    // Both refunded at last: nothing left to check.
    stripe.succeed(declined.intentId);
    expect((await staffCancel(agent, declined.order.id)).status).toBe(303);
    expect((await staffCancel(agent, other.order.id)).status).toBe(303);
    expect(await numbers(agent)).toEqual({ awaiting: 1, failed: 0, refunds: 0 });
  });
});
