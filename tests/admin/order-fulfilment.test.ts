// Fulfilment on the admin order page: the buyer's contact kept with the order
// (so it still ships once the account is gone), tracking number, carrier and
// a staff note saved through one form and logged, when an unpaid order
// expires, a printable packing slip, and a cancel that always asks first and
// says what it puts back and pays back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'express';
import request from 'supertest';
import { render } from '../../src/admin/render';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { unshippedOrdersOf } from '../../src/modules/orders/fulfilment.service';
import { HOME } from '../support/addresses';
import { adminAgent, csrfFrom, submit, type Agent } from '../support/admin';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { stockOf } from '../support/shop';

async function anOrder(options: { stock?: number; quantity?: number; address?: object } = {}) {
  const customer = await signedIn();
  const product = await buildProduct({ name: 'Blue Teapot', price: '12.50', stock: options.stock ?? 10 });
  const body = { items: [{ product_id: product.id, quantity: options.quantity ?? 3 }], shipping_address: options.address ?? HOME };
  const order = (await api().post('/api/orders/').set(customer.auth).send(body).expect(201)).body as { id: number };
  return { customer, product, order };
}

const staffAgent = async () => adminAgent(await buildUser({ isStaff: true }));
const orderPage = async (agent: Agent, id: number) => (await agent.get(`/admin/orders/${id}/`).expect(200)).text;
const stored = (id: number) => db().order.findUniqueOrThrow({ where: { id } });

/** The page's fulfilment form, sent with these fields and the token and version it was loaded with. */
async function saveFulfilment(agent: Agent, id: number, fields: { tracking_number?: string; carrier?: string; staff_note?: string }) {
  const page = await orderPage(agent, id);
  return agent.post(`/admin/orders/${id}/fulfilment`).type('form')
    .send({ tracking_number: '', carrier: '', staff_note: '', ...fields, _csrf: csrfFrom(page), version: versionOn(page) });
}

/** A save that is expected to succeed. */
async function saved(agent: Agent, id: number, fields: Parameters<typeof saveFulfilment>[2]) {
  const res = await saveFulfilment(agent, id, fields);
  expect(res.status).toBe(303);
}

const versionOn = (page: string) => /name="version" value="([^"]+)"/.exec(page)![1]!;

describe("the buyer's contact, kept with the order", () => {
  it('is recorded when the order is placed: the account email and username', async () => {
    const { customer, order } = await anOrder();
    expect(await stored(order.id)).toMatchObject({ customerEmail: customer.user.email, customerName: customer.user.username });
  });

  it('is shown on the order page, with the address as bought, after the account is deleted', async () => {
    const { customer, order } = await anOrder();
    await db().user.delete({ where: { id: customer.user.id } });
    const page = await orderPage(await staffAgent(), order.id);
    expect(page).toContain('Account deleted');
    expect(page).toContain(customer.user.username);
    expect(page).toContain(`mailto:${customer.user.email}`);
    for (const text of ['Erika Mustermann', 'Heidestraße 17', '51147 Köln']) expect(page).toContain(text);
  });

  it("is backfilled by the migration for orders placed before it, from their account", async () => {
    const user = await buildUser();
    const old = await db().order.create({ data: { userId: user.id, total: '10.00' } });
    const orphan = await db().order.create({ data: { userId: null, total: '10.00' } });
    const migration = readFileSync(path.resolve(__dirname, '../../prisma/migrations/20261203050000_fulfilment/migration.sql'), 'utf8');
    const backfill = migration.slice(migration.indexOf('UPDATE "orders"'));
    await db().$executeRawUnsafe(backfill);
    expect(await stored(old.id)).toMatchObject({ customerEmail: user.email, customerName: user.username, updatedAt: old.updatedAt });
    expect(await stored(orphan.id)).toMatchObject({ customerEmail: null, customerName: null });
  });
});

describe('the paid orders a deleted account leaves to ship', () => {
  it("are a customer's paid orders, not their pending or shipped ones, nor anyone else's", async () => {
    const { customer, order: paid } = await anOrder();
    await db().order.update({ where: { id: paid.id }, data: { status: 'paid' } });
    await db().order.create({ data: { userId: customer.user.id, total: '5.00', status: 'pending' } });
    await db().order.create({ data: { userId: customer.user.id, total: '6.00', status: 'shipped' } });
    const someoneElses = await anOrder();
    await db().order.update({ where: { id: someoneElses.order.id }, data: { status: 'paid' } });

    expect(await unshippedOrdersOf(customer.user.id)).toEqual({ count: 1, orders: [{ id: paid.id, total: '37.50', created_at: expect.any(String) }] });
  });

  it('are named on the delete page, which says they keep their address and contact', async () => {
    const { customer, order } = await anOrder();
    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    // The users section passes them (unshippedOrders: await unshippedOrdersOf(id)); the page is rendered here as that route renders it.
    const page = renderPage('users/delete', {
      title: 'Delete user', user: { id: customer.user.id, username: customer.user.username, email: customer.user.email },
      orderCount: 1, isSelf: false, can: { delete: true }, errors: {}, unshippedOrders: await unshippedOrdersOf(customer.user.id),
    });
    expect(page).toContain('One paid order has not shipped yet.');
    expect(page).toContain(`href="/admin/orders/${order.id}/"`);
    expect(page).toContain('keeps its shipping address');
    // And through the users section, as staff see it.
    const superuser = await buildUser({ isStaff: true, isSuperuser: true });
    const served = (await (await adminAgent(superuser)).get(`/admin/users/${customer.user.id}/delete`).expect(200)).text;
    expect(served).toContain('One paid order has not shipped yet.');
    expect(served).toContain(`href="/admin/orders/${order.id}/"`);
    const none = renderPage('users/delete', { title: 'Delete user', user: { id: 1, username: 'x', email: 'x@example.com' }, orderCount: 0, isSelf: false, can: { delete: true }, errors: {}, unshippedOrders: { count: 0, orders: [] } });
    expect(none).not.toContain('not shipped yet');
  });
});

/** A template rendered as a route renders it (render() only sets the status, the type and the body). */
function renderPage(view: string, data: Record<string, unknown>): string {
  let html = '';
  const res = { locals: { csrfToken: 'token' }, status: () => res, type: () => res, send: (body: string) => (html = body) };
  render(res as unknown as Response, view, data);
  return html;
}

describe('tracking number, carrier and staff note', () => {
  it('are saved through the form, shown on the page, and logged with who changed what', async () => {
    const { order } = await anOrder();
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);

    const res = await saveFulfilment(agent, order.id, { tracking_number: ' 1Z999AA10123456784 ', carrier: 'UPS', staff_note: 'Fragile:\r\nwrap twice' });

    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/orders/${order.id}/?notice=fulfilment`);
    expect(await stored(order.id)).toMatchObject({ trackingNumber: '1Z999AA10123456784', carrier: 'UPS', staffNote: 'Fragile:\nwrap twice' });
    const page = (await agent.get(res.headers.location!).expect(200)).text;
    expect(page).toContain('The tracking and the note were saved.');
    expect(page).toContain('value="1Z999AA10123456784"');
    expect(page).toContain('>Fragile:\nwrap twice</textarea>');
    const entries = await db().adminLogEntry.findMany({ where: { objectType: 'order', objectId: order.id } });
    expect(entries).toEqual([
      expect.objectContaining({
        actorUsername: staff.username, via: 'admin', action: 'update',
        changes: { tracking_number: [null, '1Z999AA10123456784'], carrier: [null, 'UPS'], staff_note: ['', 'Fragile:\nwrap twice'] },
      }),
    ]);
  });

  it('clears a field sent empty, and logs nothing when nothing changed', async () => {
    const { order } = await anOrder();
    const agent = await staffAgent();
    await saved(agent, order.id, { tracking_number: 'ABC', carrier: 'DHL' });
    await saved(agent, order.id, { tracking_number: 'ABC', carrier: 'DHL' });
    await saved(agent, order.id, { tracking_number: 'ABC' });
    expect(await stored(order.id)).toMatchObject({ trackingNumber: 'ABC', carrier: null });
    const entries = await db().adminLogEntry.findMany({ where: { objectId: order.id }, orderBy: { id: 'asc' } });
    expect(entries.map((e) => e.changes)).toEqual([{ tracking_number: [null, 'ABC'], carrier: [null, 'DHL'] }, { carrier: ['DHL', null] }]);
  });

  it.each([
    ['a tracking number past 100 characters', { tracking_number: 'X'.repeat(101) }, 'tracking_number', 'no more than 100 characters'],
    ['a tracking number with a line break', { tracking_number: 'AB\nCD' }, 'tracking_number', 'Line breaks'],
    ['a carrier past 50 characters', { carrier: 'C'.repeat(51) }, 'carrier', 'no more than 50 characters'],
    ['a note past 2000 characters', { staff_note: 'n'.repeat(2001) }, 'staff_note', 'no more than 2000 characters'],
  ])('refuses %s beside the field, and saves nothing', async (_case, fields, field, message) => {
    const { order } = await anOrder();
    const agent = await staffAgent();
    const res = await saveFulfilment(agent, order.id, { tracking_number: 'KEPT', ...fields });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`id="${field}-error"`);
    expect(res.text).toContain(message);
    expect(await stored(order.id)).toMatchObject({ trackingNumber: null, carrier: null, staffNote: '' });
  });

  it('counts a note by its lines as shown: 2000 characters with CRLF line breaks fit', async () => {
    const { order } = await anOrder();
    const note = `${'a'.repeat(999)}\r\n${'b'.repeat(1000)}`;
    await saved(await staffAgent(), order.id, { staff_note: note });
    expect((await stored(order.id)).staffNote).toHaveLength(2000);
  });

  it('is limited by the database too: a note past 2000 characters is refused whoever writes it', async () => {
    const { order } = await anOrder();
    const error = await db().$executeRaw`UPDATE orders SET staff_note = ${'n'.repeat(2001)} WHERE id = ${order.id}`.catch((e: unknown) => e);
    expect(String(error)).toContain('orders_staff_note_length');
  });

  it('refuses a save over a change made after the form was loaded, showing what was entered', async () => {
    const { order } = await anOrder();
    const first = await staffAgent();
    const second = await staffAgent();
    const stalePage = await orderPage(second, order.id);
    await saved(first, order.id, { tracking_number: 'FIRST', staff_note: 'by the first' });

    const token = csrfFrom(stalePage);
    const res = await second.post(`/admin/orders/${order.id}/fulfilment`).type('form')
      .send({ _csrf: token, version: versionOn(stalePage), tracking_number: 'SECOND', carrier: '', staff_note: 'by the second' });

    expect(res.status).toBe(409);
    expect(res.text).toContain('nothing was saved');
    expect(res.text).toContain('What you entered (not saved)');
    expect(res.text).toContain('value="FIRST"');
    expect(await stored(order.id)).toMatchObject({ trackingNumber: 'FIRST', staffNote: 'by the first' });
  });

  it('is not made stale by a status change meanwhile', async () => {
    const { order } = await anOrder();
    const agent = await staffAgent();
    const page = await orderPage(agent, order.id);
    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    await agent.post(`/admin/orders/${order.id}/fulfilment`).type('form')
      .send({ _csrf: csrfFrom(page), version: versionOn(page), tracking_number: 'T1', carrier: '', staff_note: '' }).expect(303);
    expect((await stored(order.id)).trackingNumber).toBe('T1');
  });

  it('refuses a form without the CSRF token, or from someone not signed in, and saves nothing', async () => {
    const { order } = await anOrder();
    const agent = await staffAgent();
    const version = versionOn(await orderPage(agent, order.id));
    await agent.post(`/admin/orders/${order.id}/fulfilment`).type('form').send({ version, tracking_number: 'X', carrier: '', staff_note: '' }).expect(403);
    await request(app).post(`/admin/orders/${order.id}/fulfilment`).type('form').send({ version, tracking_number: 'X', carrier: '', staff_note: '' }).expect(303);
    expect((await stored(order.id)).trackingNumber).toBeNull();
  });

  it("keeps the note and the tracking number out of the customer's API", async () => {
    const { order, customer } = await anOrder();
    await saved(await staffAgent(), order.id, { tracking_number: 'TRACK-123', staff_note: 'rude on the phone' });
    const own = await api().get(`/api/orders/${order.id}/`).set(customer.auth).expect(200);
    expect(JSON.stringify(own.body)).not.toContain('rude on the phone');
    expect(own.body).not.toHaveProperty('staff_note');
  });
});

describe('when an unpaid order expires', () => {
  it('is on the page of a pending order: placed + the TTL, in UTC', async () => {
    const { order } = await anOrder();
    const agent = await staffAgent();
    const { createdAt } = await stored(order.id);
    const expires = new Date(createdAt.getTime() + config.orders.pendingTtlSeconds * 1000).toISOString();

    const page = await orderPage(agent, order.id);
    expect(page).toContain('<dt>Expires at</dt>');
    expect(page).toContain(`<time datetime="${expires}">${expires.replace('T', ' ').slice(0, 19)} UTC</time>`);

    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    expect(await orderPage(agent, order.id)).not.toContain('Expires at');
  });
});

describe('the packing slip', () => {
  it('is a page of its own: order number, date, address and lines with quantities, no prices and no navigation', async () => {
    const { order } = await anOrder({ quantity: 3, address: { ...HOME, line2: 'Hinterhaus' } });
    const agent = await staffAgent();
    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    await saved(agent, order.id, { tracking_number: '1Z42', carrier: 'UPS' });
    const { createdAt } = await stored(order.id);

    const slip = (await agent.get(`/admin/orders/${order.id}/packing-slip`).expect(200)).text;

    expect(slip).toContain('<h1>Packing slip</h1>');
    expect(slip).toContain(`#${order.id}`);
    expect(slip).toContain(createdAt.toISOString().slice(0, 10));
    for (const text of ['Erika Mustermann', 'Heidestraße 17', 'Hinterhaus', '51147 Köln', 'DE', 'UPS 1Z42']) expect(slip).toContain(text);
    expect(slip).toContain('<td>Blue Teapot</td><td>3</td>');
    expect(slip).not.toContain('12.50');
    expect(slip).not.toContain('37.50');
    expect(slip).not.toContain('<nav');
    expect(slip).not.toContain('slip-warning');
    expect(await orderPage(agent, order.id)).toContain(`href="/admin/orders/${order.id}/packing-slip"`);
  });

  it('has a print stylesheet that leaves the screen-only parts out', async () => {
    const css = (await request(app).get('/admin/static/admin.css').expect(200)).text;
    const print = css.slice(css.indexOf('@media print'));
    expect(print).toMatch(/\.no-print[^{]*\{\s*display: none/);
  });

  it('warns on an order that is not paid, and is closed to visitors', async () => {
    const { order } = await anOrder();
    const slip = (await (await staffAgent()).get(`/admin/orders/${order.id}/packing-slip`).expect(200)).text;
    expect(slip).toContain('This order is <strong>pending</strong>: only paid orders are shipped.');
    await request(app).get(`/admin/orders/${order.id}/packing-slip`).expect(303);
  });
});

describe('cancelling from the order page', () => {
  const confirmPage = (agent: Agent, id: number) => agent.get(`/admin/orders/${id}/status?status=cancelled`);

  it('asks first: the order page only links to a confirmation, which changes nothing', async () => {
    const { order, product } = await anOrder({ stock: 10, quantity: 3 });
    const agent = await staffAgent();
    const page = await orderPage(agent, order.id);
    expect(page).toMatch(new RegExp(`<form method="get" action="/admin/orders/${order.id}/status">\\s*<input type="hidden" name="status" value="cancelled">`));

    const confirm = (await confirmPage(agent, order.id).expect(200)).text;
    expect(confirm).toContain(`Cancel order #${order.id}?`);
    expect(confirm).toContain('<li>3 × Blue Teapot</li>');
    expect(confirm).toContain('It is not paid: nothing is refunded.');
    expect((await stored(order.id)).status).toBe('pending');
    expect(await stockOf(product.id)).toBe(7);

    const res = await submit(agent, `/admin/orders/${order.id}/status?status=cancelled`, `/admin/orders/${order.id}/status`, { status: 'cancelled' });
    expect(res.status).toBe(303);
    expect(await stored(order.id)).toMatchObject({ status: 'cancelled', cancelReason: 'staff' });
    expect(await stockOf(product.id)).toBe(10);
  });

  it('says a refund of the amount paid will be made when the order was paid by card', async () => {
    const { order } = await anOrder();
    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    await db().payment.create({ data: { orderId: order.id, paymentIntentId: 'pi_paid_1', clientSecret: 'pi_paid_1_secret', amount: '37.50', currency: 'usd', status: 'succeeded' } });
    const confirm = (await confirmPage(await staffAgent(), order.id).expect(200)).text;
    expect(confirm).toContain('It was paid by card: a refund of <strong>37.50 USD</strong>');
    expect(confirm).toContain('Yes, cancel the order, refund it and put the stock back');
  });

  it('says no refund is made here when it was paid by hand', async () => {
    const { order } = await anOrder();
    await db().order.update({ where: { id: order.id }, data: { status: 'paid' } });
    const confirm = (await confirmPage(await staffAgent(), order.id).expect(200)).text;
    expect(confirm).toContain('no refund is made here');
    expect(confirm).not.toContain('a refund of');
  });

  it('names the lines whose product is gone as not restocked', async () => {
    const { order, product } = await anOrder();
    await db().product.delete({ where: { id: product.id } });
    const confirm = (await confirmPage(await staffAgent(), order.id).expect(200)).text;
    expect(confirm).toContain('Not restocked');
    expect(confirm).not.toContain('Back into stock');
  });

  it('says so for an order that can no longer be cancelled, and offers no button', async () => {
    const { order } = await anOrder();
    await db().order.update({ where: { id: order.id }, data: { status: 'shipped' } });
    const res = await confirmPage(await staffAgent(), order.id).expect(409);
    expect(res.text).toContain('A shipped order cannot be cancelled.');
    expect(res.text).not.toContain('Yes, cancel');
  });

  it('sends any other status asked for by GET back to the order page', async () => {
    const { order } = await anOrder();
    const res = await (await staffAgent()).get(`/admin/orders/${order.id}/status?status=paid`).expect(303);
    expect(res.headers.location).toBe(`/admin/orders/${order.id}/`);
    expect((await stored(order.id)).status).toBe('pending');
  });
});
