// U+0000 anywhere in the admin's input: PostgreSQL text cannot hold it, so the
// admin refuses it as the API does (the same check, the same message), with a
// 400 page that keeps what was typed, before anything reaches the database.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent, csrfFrom, submit, type Agent } from '../support/admin';
import { placeOrder } from '../support/shop';

const NUL = '\u0000';
const MESSAGE = 'Null characters are not allowed.';

async function staffAgent() {
  return adminAgent(await buildUser({ isStaff: true }));
}

/** Posts a product form as the browser does (multipart), with the page's CSRF token and version. */
async function submitProductForm(agent: Agent, page: string, fields: Record<string, string>) {
  const html = (await agent.get(page).expect(200)).text;
  const version = /name="version" value="([^"]+)"/.exec(html)?.[1]?.replace(/&quot;|&#34;/g, '"');
  let req = agent.post(page).field('_csrf', csrfFrom(html));
  if (version) req = req.field('version', version);
  for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
  return req;
}

describe('a NUL in the admin login', () => {
  it('answers the login form again with a 400, the username kept without the NUL and the message beside it', async () => {
    const agent = request.agent(app);
    const res = await submit(agent, '/admin/login', '/admin/login', { username: `bo${NUL}ss`, password: 'whatever-it-is' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<h1>Log in</h1>');
    expect(res.text).toMatch(/id="username"[^>]*value="boss"[^>]*aria-invalid="true" aria-describedby="username-error"/);
    expect(res.text).toContain(`<span class="field-error" id="username-error">${MESSAGE}</span>`);
    expect(res.text).not.toContain(NUL);
  });

  it('answers a NUL in the password the same way, beside the password field', async () => {
    const staff = await buildUser({ isStaff: true });
    const res = await submit(request.agent(app), '/admin/login', '/admin/login', { username: staff.username, password: `${staff.password}${NUL}` });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`<span class="field-error" id="password-error">${MESSAGE}</span>`);
    expect(res.text).toContain(`value="${staff.username}"`);
    expect(await db().adminSession.count()).toBe(0);
  });
});

describe('a NUL in an admin query string', () => {
  it.each([
    ['/admin/users/?q=a%00b', 'q', '/admin/users/?q=ab'],
    ['/admin/products/?search=a%00b&ordering=name', 'search', '/admin/products/?search=ab&amp;ordering=name'],
    ['/admin/cart-items/?username=a%00b', 'username', '/admin/cart-items/?username=ab'],
    ['/admin/orders/?status=paid%00', 'status', '/admin/orders/?status=paid'],
    ['/admin/log/?page=%001', 'page', '/admin/log/?page=1'],
  ])('%s is a 400 page naming the parameter, with a link to the same page without the NUL', async (url, name, retry) => {
    const agent = await staffAgent();
    const res = await agent.get(url);
    expect(res.status).toBe(400);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(`${MESSAGE} The query parameter “${name}” holds one.`);
    expect(res.text).toContain(`href="${retry}"`);
    expect(res.text).not.toContain(NUL);
  });

  it('is refused before the login too, for anonymous visitors', async () => {
    const res = await request(app).get('/admin/login?next=/admin/users/%3Fq%3Da%2500b&x=%00');
    expect(res.status).toBe(400);
    expect(res.text).toContain('The query parameter “x” holds one.');
  });
});

describe('a NUL in an admin form', () => {
  it('re-renders the new-product form with the API\'s message beside the name, keeps the rest, and saves nothing', async () => {
    const agent = await staffAgent();
    const res = await submitProductForm(agent, '/admin/products/new', { name: `Mu${NUL}g`, description: 'Kept <text>', price: '3.00', stock: '2' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/id="name"[^>]*value="Mug"[^>]*aria-invalid="true" aria-describedby="name-error"/);
    expect(res.text).toContain(`<span class="field-error" id="name-error">${MESSAGE}</span>`);
    expect(res.text).toContain('>Kept &lt;text&gt;</textarea>');
    expect(res.text).toContain('value="3.00"');
    expect(res.text).not.toContain(NUL);
    expect(await db().product.count()).toBe(0);

    const { auth } = await signedIn({ isStaff: true });
    const viaApi = await api().post('/api/products/').set(auth).send({ name: `Mu${NUL}g`, price: '3.00', stock: 2 }).expect(400);
    expect(viaApi.body.errors).toEqual({ name: [MESSAGE] });
  });

  it('refuses a description with a NUL on the edit form, beside the field, and changes nothing', async () => {
    const agent = await staffAgent();
    const product = await buildProduct({ name: 'Teapot', description: 'Round' });
    const page = `/admin/products/${product.id}/`;
    const res = await submitProductForm(agent, page, { name: 'Teapot', description: `Squ${NUL}are`, price: '10.00', stock: '10' });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`<span class="field-error" id="description-error">${MESSAGE}</span>`);
    expect(res.text).toContain('>Square</textarea>');
    expect(await db().product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ description: 'Round' });
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it.each([
    ['username', { username: `new${NUL}bie`, email: 'newbie@example.com', password: 'a-long-enough-secret' }],
    ['email', { username: 'newbie', email: `new${NUL}bie@example.com`, password: 'a-long-enough-secret' }],
    ['password', { username: 'newbie', email: 'newbie@example.com', password: `a-long-enough${NUL}secret` }],
  ])('refuses a NUL in the new user\'s %s beside the field, and creates no one', async (field, fields) => {
    const agent = await staffAgent();
    const res = await submit(agent, '/admin/users/new', '/admin/users/new', fields);
    expect(res.status).toBe(400);
    expect(res.text).toContain(`<span class="field-error" id="${field}-error">${MESSAGE}</span>`);
    expect(res.text).toContain('value="newbie@example.com"');
    expect(await db().user.count()).toBe(1);
  });

  it('refuses a NUL in a user\'s email or new password beside the field, and changes nothing', async () => {
    const agent = await staffAgent();
    const target = await buildUser();
    const page = `/admin/users/${target.id}/`;
    const before = await db().user.findUniqueOrThrow({ where: { id: target.id } });

    const details = await submit(agent, page, page, { email: `x${NUL}@example.com`, is_active: 'on' });
    expect(details.status).toBe(400);
    expect(details.text).toContain(`<span class="field-error" id="email-error">${MESSAGE}</span>`);
    expect(details.text).toContain('value="x@example.com"');

    const password = await submit(agent, page, `${page}password`, { password: `brand-new${NUL}secret`, password2: 'brand-newsecret' });
    expect(password.status).toBe(400);
    expect(password.text).toContain(`<span class="field-error" id="password-error">${MESSAGE}</span>`);

    expect(await db().user.findUniqueOrThrow({ where: { id: target.id } })).toEqual(before);
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it('refuses a NUL in an order\'s status change with a 400 page, and changes nothing', async () => {
    const customer = await signedIn();
    const order = await placeOrder(customer.auth, [{ product_id: (await buildProduct()).id, quantity: 1 }]);
    const agent = await staffAgent();
    const res = await submit(agent, `/admin/orders/${order.id}/`, `/admin/orders/${order.id}/status`, { status: `paid${NUL}` });
    expect(res.status).toBe(400);
    expect(res.text).toContain(MESSAGE);
    expect((await db().order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('pending');
  });
});
