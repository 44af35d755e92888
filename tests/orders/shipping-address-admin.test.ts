// Staff see where an order ships: the address as given on the order page, and
// city and country in the order list; what the customer typed is shown as
// text, never as markup.
import { HOME } from '../support/addresses';
import { api, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent } from '../support/admin';

async function orderShippingTo(shippingAddress?: object) {
  const customer = await signedIn();
  const product = await buildProduct({ stock: 10 });
  const body = { items: [{ product_id: product.id, quantity: 1 }], ...(shippingAddress ? { shipping_address: shippingAddress } : {}) };
  return (await api().post('/api/orders/').set(customer.auth).send(body).expect(201)).body as { id: number };
}

describe('the admin site and shipping addresses', () => {
  it('shows the address as given on the order page', async () => {
    const order = await orderShippingTo({ ...HOME, line2: '3rd floor', region: 'NRW', phone: '+49 221 1234567' });
    const agent = await adminAgent(await buildUser({ isStaff: true }));

    const page = (await agent.get(`/admin/orders/${order.id}/`).expect(200)).text;

    expect(page).toContain('<h2>Shipping address, as given</h2>');
    for (const text of ['Erika Mustermann', 'Heidestraße 17<br>3rd floor', '51147 Köln', 'NRW', '<dd>DE</dd>', '+49 221 1234567']) expect(page).toContain(text);
  });

  it('says so when an order has no address', async () => {
    const order = await orderShippingTo();
    const agent = await adminAgent(await buildUser({ isStaff: true }));
    expect((await agent.get(`/admin/orders/${order.id}/`).expect(200)).text).toContain('No shipping address was given with this order.');
    expect((await agent.get('/admin/orders/').expect(200)).text).toContain('no address');
  });

  it('lists the city and country of each order', async () => {
    await orderShippingTo({ ...HOME, city: 'Lyon', postal_code: '69001', country: 'FR' });
    await orderShippingTo(HOME);
    const agent = await adminAgent(await buildUser({ isStaff: true }));

    const list = (await agent.get('/admin/orders/').expect(200)).text;

    // City and country, each its own (sortable) column of the work queue.
    expect(list).toMatch(/<th scope="col"[^>]*><a [^>]*>City<\/a>/);
    expect(list).toMatch(/<td>Köln<\/td>\s*<td>DE<\/td>/);
    expect(list).toMatch(/<td>Lyon<\/td>\s*<td>FR<\/td>/);
  });

  it('escapes what the customer typed', async () => {
    const order = await orderShippingTo({ ...HOME, full_name: '<script>alert(1)</script>', city: '<b>Köln</b>' });
    const agent = await adminAgent(await buildUser({ isStaff: true }));

    const page = (await agent.get(`/admin/orders/${order.id}/`).expect(200)).text;
    const list = (await agent.get('/admin/orders/').expect(200)).text;

    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(list).not.toContain('<b>Köln</b>');
    expect(list).toContain('<td>&lt;b&gt;Köln&lt;/b&gt;</td>');
  });
});
