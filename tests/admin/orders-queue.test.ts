// The admin's orders list as a work queue: who bought, where it ships, how it
// was paid and how long it has waited; search, filters and sorts; the "to
// ship" view; bulk status changes that skip, with the reason, what the rules
// refuse; a bulk cancel behind a confirmation; and a CSV export of the filter.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { Prisma } from '../../src/lib/db';
import { adminOrderBatches, pageIdsQuery } from '../../src/modules/orders/orders.admin';
import { HOME } from '../support/addresses';
import { adminAgent, csrfFrom, submit, type Agent } from '../support/admin';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { stockOf } from '../support/shop';

interface OrderOptions {
  username?: string;
  email?: string;
  /** Ships to HOME with this name (and city, country); without it, no address. */
  name?: string;
  city?: string;
  country?: string;
  price?: string;
  quantity?: number;
  stock?: number;
}

async function anOrder(options: OrderOptions = {}) {
  const customer = await signedIn({ username: options.username, email: options.email });
  const product = await buildProduct({ name: 'Blue Teapot', price: options.price ?? '12.50', stock: options.stock ?? 10 });
  const address = options.name ? { shipping_address: { ...HOME, full_name: options.name, city: options.city ?? HOME.city, country: options.country ?? HOME.country } } : {};
  const res = await api().post('/api/orders/').set(customer.auth).send({ items: [{ product_id: product.id, quantity: options.quantity ?? 1 }], ...address }).expect(201);
  return { customer, product, id: res.body.id as number };
}

const setStatus = (id: number, status: 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled') => db().order.update({ where: { id }, data: { status } });
const placedAt = (id: number, createdAt: Date) => db().order.update({ where: { id }, data: { createdAt } });
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);

/** A card payment of the order, written as Stripe's webhook would have left it (setup, not the payments flow under test). */
async function cardPayment(orderId: number, status: string, refund?: 'pending' | 'succeeded' | 'failed') {
  const payment = await db().payment.create({ data: { orderId, paymentIntentId: `pi_${orderId}`, clientSecret: `pi_${orderId}_secret`, amount: '12.50', currency: 'usd', status } });
  if (refund) await db().refund.create({ data: { paymentId: payment.id, amount: '12.50', reason: 'staff_cancel', status: refund } });
}

async function staffAgent() {
  const staff = await buildUser({ isStaff: true });
  return { staff, agent: await adminAgent(staff) };
}

/** The order numbers of a list page, in the order shown. */
async function listed(agent: Agent, url: string, status = 200): Promise<number[]> {
  const page = (await agent.get(url).expect(status)).text;
  return [...page.matchAll(/>Order #(\d+)<\/a>/g)].map((m) => Number(m[1]));
}

/** Ticks `ids` on the list at `list` and presses one of its buttons, sending the form's CSRF token and its list field. */
async function bulk(agent: Agent, action: string, ids: number[], list = '/admin/orders/') {
  const page = (await agent.get(list).expect(200)).text;
  const back = (/name="list" value="([^"]*)"/.exec(page)?.[1] ?? '').replaceAll('&amp;', '&');
  const fields: [string, string][] = [...ids.map((id): [string, string] => ['ids', String(id)]), ['action', action], ['list', back], ['_csrf', csrfFrom(page)]];
  return agent.post('/admin/orders/bulk').type('form').send(new URLSearchParams(fields).toString());
}

describe('the orders list as a work queue', () => {
  it('shows the customer by the name the order ships to (else the username) with the email, city, country, payment, total with the currency, and age', async () => {
    const named = await anOrder({ name: 'Ada Lovelace', city: 'London', country: 'GB', email: 'ada@example.com', price: '20.00' });
    const plain = await anOrder({ username: 'bob_builder' });
    await placedAt(named.id, hoursAgo(3.2));
    await placedAt(plain.id, hoursAgo(50));
    await cardPayment(named.id, 'succeeded');
    const { agent } = await staffAgent();

    const page = (await agent.get('/admin/orders/').expect(200)).text;
    const row = (id: number) => page.slice(page.indexOf(`>Order #${id}</a>`), page.indexOf('</tr>', page.indexOf(`>Order #${id}</a>`)));
    expect(row(named.id)).toMatch(/Ada Lovelace<\/a><\/td>\s*<td>ada@example.com<\/td>\s*<td>London<\/td>\s*<td>GB<\/td>/);
    expect(row(named.id)).toContain('paid by card');
    expect(row(named.id)).toContain('20.00 USD');
    expect(row(named.id)).toMatch(/>3 h<\/time>/);
    expect(row(plain.id)).toContain('>bob_builder</a>');
    expect(row(plain.id)).toContain('no address');
    expect(row(plain.id)).toMatch(/>2 d<\/time>/);
    expect(row(plain.id)).toMatch(/<td><span class="payment payment-none">none<\/span><\/td>/);
  });

  it('finds an order by its number, with or without #, and by customer name, username or email, case-insensitively', async () => {
    const ada = await anOrder({ name: 'Ada Lovelace', username: 'countess', email: 'ada@analytical.example' });
    const other = await anOrder({ name: 'Charles Babbage', username: 'engine', email: 'cb@difference.example' });
    const { agent } = await staffAgent();

    expect(await listed(agent, `/admin/orders/?q=%23${ada.id}`)).toEqual([ada.id]);
    expect(await listed(agent, `/admin/orders/?q=${other.id}`)).toContain(other.id);
    expect(await listed(agent, '/admin/orders/?q=lovelace')).toEqual([ada.id]);
    expect(await listed(agent, '/admin/orders/?q=COUNTESS')).toEqual([ada.id]);
    expect(await listed(agent, '/admin/orders/?q=difference.example')).toEqual([other.id]);
    const none = (await agent.get('/admin/orders/?q=nobody-at-all').expect(200)).text;
    expect(none).toContain('No orders for this filter.');
    expect(none).toContain('value="nobody-at-all"');
  });

  it("keeps a deleted account's order under the username and email it was placed with, and finds it by them", async () => {
    const gone = await anOrder({ username: 'leaving_soon', email: 'leaving@example.com' });
    await db().user.delete({ where: { id: gone.customer.user.id } });
    const { agent } = await staffAgent();

    const page = (await agent.get('/admin/orders/?q=leaving%40example').expect(200)).text;
    expect([...page.matchAll(/>Order #(\d+)<\/a>/g)].map((m) => Number(m[1]))).toEqual([gone.id]);
    expect(page).toMatch(/leaving_soon <span class="hint">\(deleted account\)<\/span><\/td>\s*<td>leaving@example.com<\/td>/);
  });

  it('takes _ and % in a search literally', async () => {
    const underscore = await anOrder({ username: 'ab_cd' });
    await anOrder({ username: 'abxcd' });
    const percent = await anOrder({ name: '100% Cotton' });
    await anOrder({ name: '1000 Cotton' });
    const { agent } = await staffAgent();

    expect(await listed(agent, '/admin/orders/?q=b_c')).toEqual([underscore.id]);
    expect(await listed(agent, '/admin/orders/?q=0%25%20c')).toEqual([percent.id]);
  });

  it('filters by status, payment state and a range of UTC days, both ends included', async () => {
    const [a, b, c, d] = [await anOrder(), await anOrder(), await anOrder(), await anOrder()];
    await setStatus(a.id, 'paid');
    await cardPayment(a.id, 'succeeded');
    await cardPayment(b.id, 'requires_payment_method');
    await setStatus(c.id, 'cancelled');
    await cardPayment(c.id, 'succeeded', 'succeeded');
    await placedAt(a.id, new Date('2026-03-01T00:00:00Z'));
    await placedAt(b.id, new Date('2026-03-02T23:59:59Z'));
    await placedAt(c.id, new Date('2026-03-03T00:00:00Z'));
    await placedAt(d.id, new Date('2026-02-28T23:59:59Z'));
    const { agent } = await staffAgent();

    expect(await listed(agent, '/admin/orders/?status=paid')).toEqual([a.id]);
    expect(await listed(agent, '/admin/orders/?payment=paid')).toEqual([a.id]);
    expect(await listed(agent, '/admin/orders/?payment=pending')).toEqual([b.id]);
    expect(await listed(agent, '/admin/orders/?payment=refunded')).toEqual([c.id]);
    expect(await listed(agent, '/admin/orders/?payment=none')).toEqual([d.id]);
    expect(await listed(agent, '/admin/orders/?from=2026-03-01&to=2026-03-02')).toEqual([b.id, a.id]);
    expect((await agent.get('/admin/orders/?status=delivered').expect(200)).text).toContain('No orders for this filter.');
  });

  it('refuses a filter it cannot read with a 400 that says which and why, keeping what was typed', async () => {
    await anOrder();
    const { agent } = await staffAgent();
    const res = await agent.get('/admin/orders/?from=2026-02-30&to=yesterday&payment=maybe&sort=-password').expect(400);
    expect(res.text).toContain('Enter a real date.');
    expect(res.text).toContain('Enter a date as YYYY-MM-DD.');
    expect(res.text).toContain('Select a valid choice. “maybe” is not one of the available choices.');
    expect(res.text).toContain('Sort order: Select a valid choice.');
    expect(res.text).toContain('value="2026-02-30"');
    expect(res.text).not.toContain('>Order #');
    expect((await agent.get('/admin/orders/?from=2026-03-02&to=2026-03-01').expect(400)).text).toContain('The end date is before the start date.');
  });

  it('sorts by any column both ways, ties broken by order number, newest first unless told', async () => {
    const zed = await anOrder({ name: 'Zed', price: '5.00' });
    const amy = await anOrder({ name: 'amy', price: '50.00' });
    const bea = await anOrder({ name: 'Bea', price: '20.00' });
    const same = new Date('2026-01-01T12:00:00Z');
    for (const o of [zed, amy, bea]) await placedAt(o.id, same);
    const { agent } = await staffAgent();

    expect(await listed(agent, '/admin/orders/')).toEqual([bea.id, amy.id, zed.id]);
    expect(await listed(agent, '/admin/orders/?sort=created_at')).toEqual([zed.id, amy.id, bea.id]);
    expect(await listed(agent, '/admin/orders/?sort=customer')).toEqual([amy.id, bea.id, zed.id]);
    expect(await listed(agent, '/admin/orders/?sort=-customer')).toEqual([zed.id, bea.id, amy.id]);
    expect(await listed(agent, '/admin/orders/?sort=total')).toEqual([zed.id, bea.id, amy.id]);
    const page = (await agent.get('/admin/orders/?sort=total&q=e').expect(200)).text;
    expect(page).toMatch(/<th scope="col" aria-sort="ascending"><a href="\/admin\/orders\/\?q=e&amp;sort=-total">Total<\/a>/);
    expect(page).toContain('href="/admin/orders/?q=e&amp;sort=customer">Customer</a>');
  });

  it('"to ship" is the paid orders, oldest first, as ?view=to-ship or ?status=paid&sort=created_at', async () => {
    const [older, pending, newer, shipped] = [await anOrder(), await anOrder(), await anOrder(), await anOrder()];
    for (const o of [older, newer]) await setStatus(o.id, 'paid');
    await setStatus(shipped.id, 'shipped');
    await placedAt(older.id, hoursAgo(30));
    await placedAt(newer.id, hoursAgo(2));
    await placedAt(pending.id, hoursAgo(40));
    const { agent } = await staffAgent();

    expect(await listed(agent, '/admin/orders/?view=to-ship')).toEqual([older.id, newer.id]);
    expect(await listed(agent, '/admin/orders/?status=paid&sort=created_at')).toEqual([older.id, newer.id]);
    const page = (await agent.get('/admin/orders/?view=to-ship').expect(200)).text;
    expect(page).toContain('<h1>Orders to ship</h1>');
    expect(page).toContain('2 orders to ship, oldest first');
  });

  it('numbers its pages with first and last links and a true "page X of Y"; past the end says so and links to the last', async () => {
    const customer = await buildUser();
    await db().order.createMany({ data: [...Array(51)].map(() => ({ userId: customer.id, total: '1.00', status: 'paid' as const })) });
    const { agent } = await staffAgent();

    const second = (await agent.get('/admin/orders/?status=paid&page=2').expect(200)).text;
    expect(second).toContain('Page 2 of 3');
    expect(second).toContain('<a href="/admin/orders/?status=paid&amp;page=1">First page</a>');
    expect(second).toContain('<a href="/admin/orders/?status=paid&amp;page=3">Last page (3)</a>');
    expect(second).toContain('<a href="/admin/orders/?status=paid&amp;page=2" aria-current="page">2</a>');
    expect(await listed(agent, '/admin/orders/?status=paid&page=3')).toHaveLength(1);
    const past = (await agent.get('/admin/orders/?status=paid&page=4').expect(404)).text;
    expect(past).toContain('Page 4 does not exist.');
    expect(past).toContain('<a href="/admin/orders/?status=paid&amp;page=3">Go to the last page (page 3)</a>');
  });
});

describe("a page's ids", () => {
  /** The plan's node types, read with sequential scans off so the tiny test tables still show which index could serve. */
  async function planOf(query: Prisma.Sql): Promise<string> {
    return db().$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
      const [row] = await tx.$queryRaw<{ 'QUERY PLAN': unknown }[]>`EXPLAIN (FORMAT JSON) ${query}`;
      return JSON.stringify(row!['QUERY PLAN']);
    });
  }

  it.each([
    ['newest first', {}, undefined, 'orders_created_at_id_idx'],
    ['to ship', { status: 'paid' as const }, 'created_at', 'orders_status_created_at_id_idx'],
  ])('%s: come from an index in its order, with no sort and no join read', async (_name, filter, sort, index) => {
    const plan = await planOf(pageIdsQuery(filter, sort, { skip: 50, take: 25 }));
    expect(plan).toContain(index);
    expect(plan).not.toContain('"Node Type":"Sort"');
    expect(plan).not.toMatch(/users|payments|refunds/);
  });
});

describe('bulk status changes', () => {
  it('marks the ticked orders paid where the rules allow, skips the others with the reason, and logs each change', async () => {
    const [first, second, shipped, untouched] = [await anOrder(), await anOrder(), await anOrder(), await anOrder()];
    await setStatus(shipped.id, 'shipped');
    const { staff, agent } = await staffAgent();

    const res = await bulk(agent, 'paid', [first.id, shipped.id, second.id]);
    expect(res.status).toBe(200);
    expect(res.text).toContain('2 orders changed to paid, 1 skipped.');
    expect(res.text).toContain(`Order #${shipped.id}</a>: A shipped order cannot become paid. Allowed: delivered.`);
    const statuses = await db().order.findMany({ orderBy: { id: 'asc' }, select: { id: true, status: true } });
    expect(statuses).toEqual([
      { id: first.id, status: 'paid' }, { id: second.id, status: 'paid' }, { id: shipped.id, status: 'shipped' }, { id: untouched.id, status: 'pending' },
    ]);
    const log = await db().adminLogEntry.findMany({ where: { objectType: 'order' }, orderBy: { objectId: 'asc' } });
    expect(log).toEqual([first.id, second.id].map((id) => expect.objectContaining({ objectId: id, actorUsername: staff.username, via: 'admin', changes: { status: ['pending', 'paid'] } })));
  });

  it('marks paid orders shipped and skips a pending one, saying why', async () => {
    const [paid, pending] = [await anOrder(), await anOrder()];
    await setStatus(paid.id, 'paid');
    const { agent } = await staffAgent();

    const res = await bulk(agent, 'shipped', [paid.id, pending.id], '/admin/orders/?view=to-ship');
    expect(res.text).toContain('1 order changed to shipped, 1 skipped.');
    expect(res.text).toContain(`Order #${pending.id}</a>: A pending order cannot become shipped.`);
    expect(res.text).toContain('href="/admin/orders/?status=paid&amp;sort=created_at">Back to the orders</a>');
    expect((await db().order.findUniqueOrThrow({ where: { id: paid.id } })).status).toBe('shipped');
  });

  it('answers 400 when no order is ticked or the action is unknown, changing nothing', async () => {
    const { id } = await anOrder();
    const { agent } = await staffAgent();
    expect((await bulk(agent, 'paid', [])).status).toBe(400);
    const unknown = await bulk(agent, 'delivered', [id]);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Choose what to do with the selected orders.');
    expect((await db().order.findUniqueOrThrow({ where: { id } })).status).toBe('pending');
  });

  it('cancels only after a confirmation listing what goes back into stock and whether a refund is made, then restocks once', async () => {
    const pending = await anOrder({ quantity: 3, stock: 10 });
    const byHand = await anOrder({ quantity: 2, stock: 5 });
    const shipped = await anOrder();
    await setStatus(byHand.id, 'paid');
    await setStatus(shipped.id, 'shipped');
    const { staff, agent } = await staffAgent();

    const confirm = await bulk(agent, 'cancel', [pending.id, byHand.id, shipped.id]);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('2 of 3 selected orders will be cancelled');
    expect(confirm.text).toContain('3 × Blue Teapot');
    expect(confirm.text).toContain('No refund: not paid');
    expect(confirm.text).toContain('Paid without a card payment: no refund is made here');
    expect(confirm.text).toContain('Left as it is: A shipped order cannot be cancelled.');
    expect(await stockOf(pending.product.id)).toBe(7);
    expect(await db().order.count({ where: { status: 'cancelled' } })).toBe(0);

    const ids = [...confirm.text.matchAll(/name="ids" value="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([pending.id, byHand.id]);
    const send = () => agent.post('/admin/orders/bulk/cancel').type('form').send(`ids=${ids[0]}&ids=${ids[1]}&_csrf=${encodeURIComponent(csrfFrom(confirm.text))}`);
    const done = await send();
    expect(done.text).toContain('2 orders changed to cancelled, 0 skipped.');
    expect(await stockOf(pending.product.id)).toBe(10);
    expect(await stockOf(byHand.product.id)).toBe(5);

    const again = await send();
    expect(again.text).toContain('0 orders changed to cancelled, 2 skipped.');
    expect(again.text).toContain('A cancelled order cannot become cancelled.');
    expect(await stockOf(pending.product.id)).toBe(10);
    expect(await db().adminLogEntry.count({ where: { objectType: 'order', actorUsername: staff.username } })).toBe(2);
  });

  it('says on the confirmation that an order paid by card will be refunded in full', async () => {
    const paid = await anOrder({ price: '12.50' });
    await setStatus(paid.id, 'paid');
    await cardPayment(paid.id, 'succeeded');
    const { agent } = await staffAgent();
    const confirm = await bulk(agent, 'cancel', [paid.id]);
    expect(confirm.text).toContain('<strong>A refund of 12.50 USD will be made</strong> through Stripe');
    expect(await db().refund.count()).toBe(0);
  });

  it('refuses a bulk change or cancel without the CSRF token', async () => {
    const { id } = await anOrder();
    const { agent } = await staffAgent();
    await agent.post('/admin/orders/bulk').type('form').send({ ids: String(id), action: 'paid' }).expect(403);
    await agent.post('/admin/orders/bulk/cancel').type('form').send({ ids: String(id) }).expect(403);
    await request(app).post('/admin/orders/bulk/cancel').type('form').send({ ids: String(id) }).expect(303);
    expect((await db().order.findUniqueOrThrow({ where: { id } })).status).toBe('pending');
  });
});

describe('the CSV export', () => {
  it('streams the filtered list as an attachment, cells quoted and formulas defused', async () => {
    const tricky = await anOrder({ name: 'Placeholder', email: 'x@example.com' });
    const minus = await anOrder({ name: '-2+3' });
    await anOrder({ name: 'Not Paid' });
    for (const o of [tricky, minus]) await setStatus(o.id, 'paid');
    await db().order.update({ where: { id: tricky.id }, data: { shippingAddress: { ...HOME, full_name: '=HYPERLINK("http://evil.example","Click")', city: 'Paris, "Centre"\nNord', country: 'FR' } } });
    const { agent } = await staffAgent();

    const res = await agent.get('/admin/orders/export.csv?status=paid').expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="orders-\d{4}-\d{2}-\d{2}\.csv"$/);
    const body = res.text;
    const lines = body.split('\r\n');
    expect(lines[0]).toBe('order,placed_at,status,cancel_reason,payment,customer,username,email,city,country,lines,total,currency');
    expect(body).toContain(`${tricky.id},`);
    expect(body).toContain(`,paid,,none,"'=HYPERLINK(""http://evil.example"",""Click"")",${tricky.customer.user.username},x@example.com,"Paris, ""Centre""\nNord",FR,1,12.50,USD\r\n`);
    expect(body).toContain(",'-2+3,");
    expect(body).not.toContain('Not Paid');
    expect(body.endsWith('\r\n')).toBe(true);
    expect(lines.filter((l) => /^\d+,/.test(l))).toHaveLength(2);
  });

  it('reads the filter in keyset batches on (created_at, id): every order once, in order, across batches', async () => {
    const customer = await buildUser();
    const same = new Date('2026-05-05T10:00:00.123Z');
    await db().order.createMany({ data: [...Array(5)].map((_, i) => ({ userId: customer.id, total: '1.00', createdAt: i < 3 ? same : new Date(same.getTime() + i * 1000) })) });
    const batches: number[][] = [];
    for await (const batch of adminOrderBatches({}, false, 2)) batches.push(batch.map((o) => o.id));
    expect(batches).toEqual([[5, 4], [3, 2], [1]]);
    const oldestFirst: number[] = [];
    for await (const batch of adminOrderBatches({ user: customer.id }, true, 2)) oldestFirst.push(...batch.map((o) => o.id));
    expect(oldestFirst).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses an unreadable filter with a 400 page rather than exporting every order', async () => {
    const { agent } = await staffAgent();
    const res = await agent.get('/admin/orders/export.csv?status=lost').expect(400);
    expect(res.type).toBe('text/html');
  });
});
