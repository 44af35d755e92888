// Every list of the admin site pages the same way: a page number past the
// last one is a 404 page that says so and links to the last page, with the
// list's filters kept; an empty list on its first page still says it is empty.
import { db } from '../../src/lib/db';
import { buildProduct, buildUser } from '../support/api';
import { adminAgent } from '../support/admin';
import { buildCartLine } from '../support/shop';

async function staffAgent() {
  const staff = await buildUser({ isStaff: true });
  return { staff, agent: await adminAgent(staff) };
}

function expectPastTheEnd(html: string, page: number, lastHref: string, last: number) {
  expect(html).toContain(`Page ${page} does not exist.`);
  expect(html).toContain(`<a href="${lastHref}">Go to the last page (page ${last})</a>`);
  expect(html).not.toContain(`Page ${page} of`);
  expect(html).not.toMatch(/No (orders|users|products|cart lines|changes)/);
}

describe('admin lists past their last page', () => {
  it('users: a 404 page linking to the last page, the search kept', async () => {
    const { agent } = await staffAgent();
    for (let i = 0; i < 26; i += 1) await db().user.create({ data: { username: `bulk${i}`, email: `bulk${i}@example.com`, passwordHash: 'x' } });
    const res = await agent.get('/admin/users/?q=bulk&page=9').expect(404);
    expectPastTheEnd(res.text, 9, '/admin/users/?q=bulk&amp;page=2', 2);
    expect(res.text).toContain('value="bulk"');
    expect((await agent.get('/admin/users/?q=bulk&page=2').expect(200)).text).toContain('Page 2 of 2');
  });

  it('products: a 404 page linking to the last page, the filters kept', async () => {
    const { agent } = await staffAgent();
    await buildProduct({ name: 'Widget' });
    const res = await agent.get('/admin/products/?search=widget&ordering=name&page=3').expect(404);
    expectPastTheEnd(res.text, 3, '/admin/products/?search=widget&amp;ordering=name&amp;page=1', 1);
  });

  it('orders: a 404 page linking to page 1 when there are none, which says "No orders."', async () => {
    const { agent } = await staffAgent();
    const res = await agent.get('/admin/orders/?status=paid&page=9').expect(404);
    expectPastTheEnd(res.text, 9, '/admin/orders/?status=paid&amp;page=1', 1);
    const first = await agent.get('/admin/orders/?status=paid&page=1').expect(200);
    expect(first.text).toContain('No orders for this filter.');
    expect((await agent.get('/admin/orders/').expect(200)).text).toContain('No orders.');
  });

  it('cart items: a 404 page linking to the last page', async () => {
    const { agent } = await staffAgent();
    const owner = await buildUser();
    await buildCartLine(owner.id, (await buildProduct()).id);
    const res = await agent.get(`/admin/cart-items/?user=${owner.id}&page=2`).expect(404);
    expectPastTheEnd(res.text, 2, `/admin/cart-items/?user=${owner.id}&amp;page=1`, 1);
    expect((await agent.get('/admin/cart-items/?user=999999').expect(200)).text).toContain('No cart lines for this filter.');
  });

  it('the change log: a 404 page linking to the last page', async () => {
    const { agent } = await staffAgent();
    const res = await agent.get('/admin/log/?page=4').expect(404);
    expectPastTheEnd(res.text, 4, '/admin/log/?page=1', 1);
    expect((await agent.get('/admin/log/').expect(200)).text).toContain('No changes recorded yet.');
  });
});
