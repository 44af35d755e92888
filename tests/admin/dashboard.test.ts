// The dashboard's numbers, honest: sales are orders paid for (paid, shipped,
// delivered), unpaid orders shown apart, cancelled ones nowhere; windows of
// today, 7 and 30 UTC days with the average order; best sellers; money in the
// shop's currency; stock that ran out stands out; the low-stock threshold is
// a setting.
import { createApp } from '../../src/app';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent } from '../support/admin';
import { contractChecked } from '../support/contract';
import { placeOrder } from '../support/shop';

const DAY = 86_400_000;

/** An order of `quantity` of `product`, placed `daysAgo` days ago, then moved to `status`. */
async function order(auth: Record<string, string>, productId: number, quantity: number, status: 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled', daysAgo = 0) {
  const placed = await placeOrder(auth, [{ product_id: productId, quantity }]);
  await db().order.update({ where: { id: placed.id }, data: { status, cancelReason: status === 'cancelled' ? 'staff' : null, createdAt: new Date(Date.now() - daysAgo * DAY) } });
  return placed;
}

const figure = (html: string, label: string) => {
  const block = new RegExp(`<h3>${label}</h3>([\\s\\S]*?)</li>`).exec(html)?.[1] ?? '';
  return block.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
};

describe('the dashboard', () => {
  it('counts as sales only orders paid for, shows unpaid ones apart, and leaves cancelled ones out, per window', async () => {
    const staff = await buildUser({ isStaff: true });
    const customer = await signedIn({ username: 'dana', email: 'dana@example.com' });
    const mug = await buildProduct({ name: 'Mug', price: '10.00', stock: 100 });
    const pot = await buildProduct({ name: 'Teapot', price: '40.00', stock: 100 });
    await order(customer.auth, mug.id, 1, 'paid'); // today: 10.00
    await order(customer.auth, pot.id, 1, 'shipped'); // today: 40.00
    await order(customer.auth, mug.id, 3, 'pending'); // today, unpaid: 30.00
    await order(customer.auth, pot.id, 5, 'cancelled'); // never counted
    await order(customer.auth, mug.id, 2, 'delivered', 3); // this week: 20.00
    await order(customer.auth, pot.id, 1, 'paid', 20); // this month: 40.00
    await order(customer.auth, pot.id, 9, 'paid', 40); // too old for any window

    const page = (await (await adminAgent(staff)).get('/admin/').expect(200)).text;

    expect(figure(page, 'Today')).toBe('50.00 USD from 2 orders Average order: 25.00 USD Awaiting payment: 1 (30.00 USD)');
    expect(figure(page, 'Last 7 days')).toBe('70.00 USD from 3 orders Average order: 23.33 USD Awaiting payment: 1 (30.00 USD)');
    expect(figure(page, 'Last 30 days')).toBe('110.00 USD from 4 orders Average order: 27.50 USD Awaiting payment: 1 (30.00 USD)');
    expect(page).toContain('Sales per day, last 30 days (UTC)');
  });

  it('lists the best sellers of the last 30 days by revenue, from orders paid for', async () => {
    const staff = await buildUser({ isStaff: true });
    const customer = await signedIn();
    const mug = await buildProduct({ name: 'Mug', price: '10.00', stock: 100 });
    const pot = await buildProduct({ name: 'Teapot', price: '40.00', stock: 100 });
    const tea = await buildProduct({ name: 'Tea', price: '5.00', stock: 100 });
    await order(customer.auth, mug.id, 5, 'paid'); // 50.00
    await order(customer.auth, pot.id, 1, 'delivered'); // 40.00
    await order(customer.auth, tea.id, 9, 'cancelled'); // not sold
    await order(customer.auth, tea.id, 9, 'pending'); // not sold (yet)

    const page = (await (await adminAgent(staff)).get('/admin/').expect(200)).text;
    const rows = [...page.matchAll(/<tr><td><a href="\/admin\/products\/\d+\/">([^<]+)<\/a><\/td><td>(\d+)<\/td><td>([^<]+)<\/td><\/tr>/g)].map((m) => m.slice(1));

    expect(rows).toEqual([['Mug', '5', '50.00 USD'], ['Teapot', '1', '40.00 USD']]);
  });

  it('names the customer of each latest order, and shows times with their zone', async () => {
    const staff = await buildUser({ isStaff: true });
    const customer = await signedIn({ username: 'erin', email: 'erin@example.com' });
    await order(customer.auth, (await buildProduct({ stock: 5 })).id, 1, 'pending');

    const page = (await (await adminAgent(staff)).get('/admin/').expect(200)).text;

    expect(page).toMatch(/<a href="\/admin\/users\/\d+\/">erin<\/a> &lt;erin@example.com&gt;/);
    expect(page).not.toMatch(/User #\d+/);
    expect(page).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/time>/);
  });

  it('sets products with no stock apart, and takes its low-stock threshold from LOW_STOCK_THRESHOLD', async () => {
    const staff = await buildUser({ isStaff: true });
    await buildProduct({ name: 'Empty', stock: 0 });
    await buildProduct({ name: 'Few', stock: 8 });
    await buildProduct({ name: 'Plenty', stock: 50 });
    const app = contractChecked(createApp({ config: { ...config, admin: { lowStockThreshold: 10 } } }));

    const page = (await (await adminAgent(staff, app)).get('/admin/').expect(200)).text;

    expect(page).toMatch(/<li class="out-of-stock"><a href="\/admin\/products\/\?max_stock=0&amp;ordering=name"><strong>1<\/strong> out of stock/);
    expect(page).toMatch(/<strong>2<\/strong> low on stock \(10 or fewer\)/);
    const list = (await (await adminAgent(staff, app)).get('/admin/products/?max_stock=10&ordering=stock').expect(200)).text;
    expect([...list.matchAll(/<td><a href="\/admin\/products\/\d+\/">([^<]+)<\/a><\/td>/g)].map((m) => m[1])).toEqual(['Empty', 'Few']);
    expect(list).toContain('out of stock</span>');
  });
});
