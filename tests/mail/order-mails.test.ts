// What a customer reads: each mail the shop sends, to whom, with what subject
// and content, in both its text and HTML parts, made by the real API flows
// (placing, paying by hand and through Stripe, shipping, every kind of
// cancel, a password change) and delivered over SMTP.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { HOME } from '../support/addresses';
import { api, buildProduct, signedIn } from '../support/api';
import { deliver, startPaying, withStripeDouble } from '../support/payments';
import { placeOrder } from '../support/shop';
import { deliverTo, onlyMail, visibleText, withSmtp } from './mail-support';

const mail = withSmtp();
type Auth = Record<string, string>;

const setStatus = (auth: Auth, id: number, status: string) => api().patch(`/api/orders/${id}/`).set(auth).send({ status }).expect(200);

/** A customer's order of two mugs (12.50) and three teas (4.25): 37.75 in all. */
async function mugsAndTea(shippingAddress?: typeof HOME) {
  const customer = await signedIn();
  const mug = await buildProduct({ name: 'Blue mug', price: '12.50', stock: 5 });
  const tea = await buildProduct({ name: 'Green tea', price: '4.25', stock: 5 });
  const res = await api().post('/api/orders/').set(customer.auth)
    .send({ items: [{ product_id: mug.id, quantity: 2 }, { product_id: tea.id, quantity: 3 }], ...(shippingAddress ? { shipping_address: shippingAddress } : {}) })
    .expect(201);
  return { customer, order: res.body as { id: number; total: string } };
}

/** Delivers what is due and answers every mail received. */
async function delivered() {
  await deliverTo(mail.smtp);
  return mail.smtp.received;
}

describe('the order placed mail', () => {
  it('goes to the customer with the order number, each line with its quantity and price, and the total, in text and HTML', async () => {
    const { customer, order } = await mugsAndTea();

    const placed = onlyMail(await delivered(), `We received your order #${order.id}`);

    expect(order.total).toBe('37.75');
    expect(placed.to).toEqual([customer.user.email]);
    expect(placed.parsed.from?.value).toEqual([{ name: 'Shop', address: 'no-reply@shop.local' }]);
    expect(placed.subject).toBe(`We received your order #${order.id} | Shop`);
    expect(placed.text).toContain(`Hello ${customer.user.username},`);
    expect(placed.text).toContain('2 x Blue mug  12.50 USD');
    expect(placed.text).toContain('3 x Green tea  4.25 USD');
    expect(placed.text).toContain('Total: 37.75 USD');
    expect(placed.html).toMatch(/<td>Blue mug<\/td><td[^>]*>2<\/td><td[^>]*>12\.50 USD<\/td>/);
    expect(placed.html).toMatch(/<td>Green tea<\/td><td[^>]*>3<\/td><td[^>]*>4\.25 USD<\/td>/);
    expect(visibleText(placed.html)).toContain('Total 37.75 USD');
  });

  it('shows a product named like an HTML tag as its name: escaped in the HTML part, as written in the text part', async () => {
    const customer = await signedIn();
    const hostile = await buildProduct({ name: '<img src=x onerror=alert(1)>', price: '1.00' });
    const order = await placeOrder(customer.auth, [{ product_id: hostile.id, quantity: 1 }]);

    const placed = onlyMail(await delivered(), `We received your order #${order.id}`);

    expect(placed.html).not.toContain('<img');
    expect(placed.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(visibleText(placed.html)).toContain('<img src=x onerror=alert(1)>');
    expect(placed.text).toContain('1 x <img src=x onerror=alert(1)>');
  });
});

describe('the paid and shipped mails', () => {
  it('says the payment arrived, with the amount, when staff mark the order paid', async () => {
    const { customer, order } = await mugsAndTea();
    const staff = await signedIn({ isStaff: true });
    await setStatus(staff.auth, order.id, 'paid');

    const paid = onlyMail(await delivered(), `Payment received for order #${order.id}`);

    expect(paid.to).toEqual([customer.user.email]);
    expect(paid.text).toContain(`we received your payment of 37.75 USD for order #${order.id}`);
    expect(visibleText(paid.html)).toContain('we received your payment of 37.75 USD');
  });

  it('says the order is on its way, to the address it ships to', async () => {
    const { customer, order } = await mugsAndTea(HOME);
    const staff = await signedIn({ isStaff: true });
    await setStatus(staff.auth, order.id, 'paid');
    await setStatus(staff.auth, order.id, 'shipped');

    const shipped = onlyMail(await delivered(), `Order #${order.id} has shipped`);

    expect(shipped.to).toEqual([customer.user.email]);
    expect(shipped.text).toContain(`your order #${order.id} is on its way.`);
    expect(shipped.text).toContain('Shipping to:\n  Erika Mustermann\n  Heidestraße 17\n  51147 Köln\n  DE');
    expect(visibleText(shipped.html)).toMatch(/Shipping to Erika Mustermann Heidestraße 17 51147 Köln DE/);
    expect(shipped.text).toContain('Total: 37.75 USD');
  });
});

describe('the cancelled mail', () => {
  it('says the customer cancelled it, and nothing of a refund', async () => {
    const { customer, order } = await mugsAndTea();
    await setStatus(customer.auth, order.id, 'cancelled');

    const cancelled = onlyMail(await delivered(), `Order #${order.id} was cancelled`);

    expect(cancelled.to).toEqual([customer.user.email]);
    expect(cancelled.text).toContain(`your order #${order.id} was cancelled: you cancelled it.`);
    expect(visibleText(cancelled.html)).toContain('your order was cancelled: you cancelled it.');
    expect(cancelled.text).not.toContain('refunded');
  });

  it('says the shop cancelled it when staff did', async () => {
    const { order } = await mugsAndTea();
    const staff = await signedIn({ isStaff: true });
    await setStatus(staff.auth, order.id, 'cancelled');

    const cancelled = onlyMail(await delivered(), `Order #${order.id} was cancelled`);

    expect(cancelled.text).toContain('was cancelled: the shop cancelled it.');
    expect(visibleText(cancelled.html)).toContain('the shop cancelled it.');
    expect(cancelled.text).not.toContain('refunded');
  });

  it('says it was not paid in time when the expiry sweep cancelled it', async () => {
    const { customer, order } = await mugsAndTea();
    await db().order.update({ where: { id: order.id }, data: { createdAt: new Date(Date.now() - 3_600_000) } });
    expect(await expireUnpaidOrders({ ttlSeconds: 1 })).toBe(1);

    const cancelled = onlyMail(await delivered(), `Order #${order.id} was cancelled`);

    expect(cancelled.to).toEqual([customer.user.email]);
    expect(cancelled.text).toContain('was cancelled: it was not paid in time, so its items went back on sale.');
    expect(visibleText(cancelled.html)).toContain('it was not paid in time');
  });
});

describe('the cancelled mail of an order paid by hand', () => {
  it('says the shop will pay it back, never that a refund was made (nothing refunds it automatically)', async () => {
    const { order } = await mugsAndTea();
    const staff = await signedIn({ isStaff: true });
    await setStatus(staff.auth, order.id, 'paid');
    await setStatus(staff.auth, order.id, 'cancelled');

    const cancelled = onlyMail(await delivered(), `Order #${order.id} was cancelled`);

    expect(cancelled.text).toContain('The shop will pay back your payment of 37.75 USD the way you paid');
    expect(cancelled.text).not.toContain('is refunded');
  });
});

describe('mails about a card payment', () => {
  const shop = withStripeDouble();

  async function paidByCard() {
    const { customer, order } = await mugsAndTea();
    const { body } = await startPaying(shop.app, customer.auth, order.id).expect(201);
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(body.payment_intent_id))).expect(200);
    return { customer, order };
  }

  it('says the payment arrived when Stripe\'s webhook reports it', async () => {
    const { customer, order } = await paidByCard();

    const paid = onlyMail(await delivered(), `Payment received for order #${order.id}`);

    expect(paid.to).toEqual([customer.user.email]);
    expect(paid.text).toContain('we received your payment of 37.75 USD');
  });

  it('says the payment is refunded when staff cancel the paid order', async () => {
    const { customer, order } = await paidByCard();
    const staff = await signedIn({ isStaff: true });
    await request(shop.app).patch(`/api/orders/${order.id}/`).set(staff.auth).send({ status: 'cancelled' }).expect(200);

    const cancelled = onlyMail(await delivered(), `Order #${order.id} was cancelled`);

    expect(cancelled.to).toEqual([customer.user.email]);
    expect(cancelled.text).toContain('the shop cancelled it.');
    expect(cancelled.text).toContain('Your payment of 37.75 USD is refunded in full');
    expect(visibleText(cancelled.html)).toContain('Your payment of 37.75 USD is refunded in full');
  });

  it('tells the customer when a payment that arrived after the order was cancelled is refunded', async () => {
    const { customer, order } = await mugsAndTea();
    const { body } = await startPaying(shop.app, customer.auth, order.id).expect(201);
    await request(shop.app).patch(`/api/orders/${order.id}/`).set(customer.auth).send({ status: 'cancelled' }).expect(200);
    await deliver(shop.app, shop.stripe.signedEvent('payment_intent.succeeded', shop.stripe.succeed(body.payment_intent_id))).expect(200);

    const refunded = onlyMail(await delivered(), `Your payment for order #${order.id} is refunded`);

    expect(refunded.to).toEqual([customer.user.email]);
    expect(refunded.text).toContain('a card payment of 37.75 USD arrived for your order');
    expect(visibleText(refunded.html)).toContain('We refunded it in full');
  });
});
