// Orders in the admin site: filtered lists, the order as bought, and only the
// status changes the rules allow, through the same service as the API.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent, csrfFrom, submit } from '../support/admin';
import { placeOrder, stockOf } from '../support/shop';

async function anOrder(stock = 10, quantity = 3) {
  const customer = await signedIn();
  const product = await buildProduct({ name: 'Blue Teapot', price: '12.50', stock });
  const order = await placeOrder(customer.auth, [{ product_id: product.id, quantity }]);
  return { customer, product, order };
}

describe('admin orders', () => {
  it('is closed to anonymous visitors, whose POSTs change nothing', async () => {
    const { order } = await anOrder();
    await request(app).get('/admin/orders/').expect(303);
    await request(app).post(`/admin/orders/${order.id}/status`).type('form').send({ status: 'cancelled' }).expect(303);
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('pending');
  });

  it('lists orders newest first, filtered by status and by customer', async () => {
    const first = await anOrder();
    const second = await anOrder();
    await db().order.update({ where: { id: first.order.id }, data: { status: 'paid' } });
    const agent = await adminAgent(await buildUser({ isStaff: true }));

    const all = (await agent.get('/admin/orders/').expect(200)).text;
    expect(all.indexOf(`Order #${second.order.id}<`)).toBeLessThan(all.indexOf(`Order #${first.order.id}<`));
    const paid = (await agent.get('/admin/orders/?status=paid').expect(200)).text;
    expect(paid).toContain(`Order #${first.order.id}<`);
    expect(paid).not.toContain(`Order #${second.order.id}<`);
    const mine = (await agent.get(`/admin/orders/?user=${second.customer.user.id}`).expect(200)).text;
    expect(mine).toContain(`Order #${second.order.id}<`);
    expect(mine).not.toContain(`Order #${first.order.id}<`);
  });

  it('reads a customer filter that is not an id as naming no one: an empty list, never every order', async () => {
    const { order } = await anOrder();
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    for (const user of ['not-an-id', '99999999999', '0', '-1', '1.0']) {
      const res = await agent.get(`/admin/orders/?user=${user}`).expect(200);
      expect(res.text).not.toContain(`Order #${order.id}<`);
      expect(res.text).toContain('No orders for this filter.');
    }
  });

  it('shows the lines with the name and price as bought, and the customer', async () => {
    const { order, product, customer } = await anOrder();
    await db().product.update({ where: { id: product.id }, data: { name: 'Renamed Teapot', price: '99.00' } });
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const page = (await agent.get(`/admin/orders/${order.id}/`).expect(200)).text;
    expect(page).toContain('Blue Teapot');
    expect(page).toContain('12.50');
    expect(page).toContain('37.50');
    expect(page).not.toContain('Renamed Teapot');
    expect(page).toContain(customer.user.username);
    await agent.get('/admin/orders/999999/').expect(404);
    await agent.get('/admin/orders/abc/').expect(404);
  });

  it('offers exactly the changes the status rules allow staff', async () => {
    const { order } = await anOrder();
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const buttons = async () => [...(await agent.get(`/admin/orders/${order.id}/`).expect(200)).text.matchAll(/name="status" value="(\w+)"/g)].map((m) => m[1]);
    expect(await buttons()).toEqual(['paid', 'cancelled']);
    await db().order.update({ where: { id: order.id }, data: { status: 'shipped' } });
    expect(await buttons()).toEqual(['delivered']);
    await db().order.update({ where: { id: order.id }, data: { status: 'delivered' } });
    expect(await buttons()).toEqual([]);
  });

  it('refuses a change the rules do not allow, whatever the form says, and changes nothing', async () => {
    const { order, product } = await anOrder(10, 3);
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    const res = await submit(agent, `/admin/orders/${order.id}/`, `/admin/orders/${order.id}/status`, { status: 'delivered' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('cannot become delivered');
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('pending');
    expect(await stockOf(product.id)).toBe(7);
  });

  it('cancels once, putting the stock back once, and logs who did it', async () => {
    const { order, product } = await anOrder(10, 3);
    const staff = await buildUser({ isStaff: true });
    const agent = await adminAgent(staff);
    const page = (await agent.get(`/admin/orders/${order.id}/`).expect(200)).text;
    const token = csrfFrom(page);
    const cancel = () => agent.post(`/admin/orders/${order.id}/status`).type('form').send({ status: 'cancelled', _csrf: token });
    expect((await cancel()).status).toBe(303);
    expect(await stockOf(product.id)).toBe(10);
    expect((await cancel()).status).toBe(409);
    expect(await stockOf(product.id)).toBe(10);

    const entries = await db().adminLogEntry.findMany({ where: { objectType: 'order', objectId: order.id } });
    expect(entries).toEqual([expect.objectContaining({ actorUsername: staff.username, via: 'admin', action: 'status', changes: { status: ['pending', 'cancelled'] } })]);
    expect((await agent.get(`/admin/orders/${order.id}/`).expect(200)).text).toContain(staff.username);
  });

  it("logs staff status changes made through the API, not a customer's own cancel", async () => {
    const staff = await signedIn({ isStaff: true });
    const paid = await anOrder();
    await api().patch(`/api/orders/${paid.order.id}/`).set(staff.auth).send({ status: 'paid' }).expect(200);
    const cancelled = await anOrder();
    await api().delete(`/api/orders/${cancelled.order.id}/`).set(cancelled.customer.auth).expect(204);

    const entries = await db().adminLogEntry.findMany();
    expect(entries).toEqual([expect.objectContaining({ objectId: paid.order.id, actorUsername: staff.user.username, via: 'api' })]);
  });

  it('refuses a status change without the CSRF token', async () => {
    const { order } = await anOrder();
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    await agent.post(`/admin/orders/${order.id}/status`).type('form').send({ status: 'paid' }).expect(403);
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('pending');
  });
});
