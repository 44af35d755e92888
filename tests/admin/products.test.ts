// Products in the admin site: who may use them, the list (search, filters,
// sorting, pages), the forms with their image upload and the API's messages,
// the stale-edit guard (the API's If-Match rule), deletion behind a
// confirmation page, and the change log written from the admin and the API.
import { existsSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { config } from '../../src/config';
import { db } from '../../src/lib/db';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent, csrfFrom, submit, tryAdminLogin, type Agent } from '../support/admin';
import { pngBytes } from '../support/images';
import { placeOrder, stockOf } from '../support/shop';

const logOf = (objectId: number) => db().adminLogEntry.findMany({ where: { objectType: 'product', objectId }, orderBy: { id: 'asc' } });

/** The form's hidden fields (CSRF token, version) as the page rendered them. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = { _csrf: csrfFrom(html) };
  const version = /name="version" value="([^"]+)"/.exec(html);
  if (version) fields.version = version[1]!.replace(/&quot;/g, '"').replace(/&#34;/g, '"');
  return fields;
}

/** Posts the product form as the browser does (multipart), optionally with an image file. */
async function submitProductForm(agent: Agent, page: string, action: string, fields: Record<string, string>, image?: { bytes: Buffer; filename: string }) {
  const hidden = hiddenFields((await agent.get(page).expect(200)).text);
  return postMultipart(agent, action, { ...hidden, ...fields }, image);
}

function postMultipart(agent: Agent, action: string, fields: Record<string, string>, image?: { bytes: Buffer; filename: string }) {
  let req = agent.post(action);
  for (const [name, value] of Object.entries(fields)) req = req.field(name, value);
  if (image) req = req.attach('image', image.bytes, { filename: image.filename, contentType: 'application/octet-stream' });
  return req;
}

/** The text of each product link in the list's table, in order. */
const namesIn = (html: string) => [...html.matchAll(/<td><a href="\/admin\/products\/\d+\/">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

async function staffAgent() {
  const staff = await buildUser({ isStaff: true });
  return { staff, agent: await adminAgent(staff) };
}

describe('admin products: who may use them', () => {
  it('sends anonymous visitors to the login page, and an anonymous POST changes nothing', async () => {
    const product = await buildProduct({ stock: 4 });
    const list = await request(app).get('/admin/products/').expect(303);
    expect(list.headers.location).toBe('/admin/login?next=%2Fadmin%2Fproducts%2F');
    await request(app).get(`/admin/products/${product.id}/`).expect(303);
    await request(app).post(`/admin/products/${product.id}/`).type('form').send({ name: 'Hijacked', price: '1', stock: '0' }).expect(303);
    await request(app).post(`/admin/products/${product.id}/delete`).type('form').send({}).expect(303);
    expect(await db().product.findUnique({ where: { id: product.id } })).toMatchObject({ name: product.name, stock: 4 });
  });

  it('lets no non-staff account in, so its browser is sent to the login page too', async () => {
    const { agent, res } = await tryAdminLogin(await buildUser());
    expect(res.status).toBe(401);
    await agent.get('/admin/products/').expect(303);
    await agent.get('/admin/products/new').expect(303);
  });

  it('refuses a POST without the CSRF token, form-encoded or multipart, and nothing is saved or deleted', async () => {
    const { agent } = await staffAgent();
    const product = await buildProduct({ name: 'Untouched', stock: 4 });
    await agent.post('/admin/products/new').type('form').send({ name: 'Sneaky', price: '1.00', stock: '1' }).expect(403);
    await postMultipart(agent, '/admin/products/new', { name: 'Sneaky', price: '1.00', stock: '1' }, { bytes: pngBytes(), filename: 'a.png' }).expect(403);
    await agent.post(`/admin/products/${product.id}/`).type('form').send({ name: 'Changed', price: '1.00', stock: '0' }).expect(403);
    await agent.post(`/admin/products/${product.id}/delete`).type('form').send({ _csrf: 'forged' }).expect(403);
    expect(await db().product.findMany()).toEqual([expect.objectContaining({ id: product.id, name: 'Untouched', stock: 4 })]);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

describe('admin products: the list', () => {
  it('searches, filters by price and stock, and keeps the filters in its links', async () => {
    const { agent } = await staffAgent();
    await buildProduct({ name: 'Red Mug', price: '8.00', stock: 3 });
    await buildProduct({ name: 'Blue Mug', price: '15.00', stock: 0 });
    await buildProduct({ name: 'Teapot', description: 'Goes with any mug', price: '30.00', stock: 20 });
    await buildProduct({ name: 'Spoon', price: '2.00', stock: 100 });

    const mugs = await agent.get('/admin/products/?search=MUG&ordering=name').expect(200);
    expect(namesIn(mugs.text)).toEqual(['Blue Mug', 'Red Mug', 'Teapot']);
    expect(mugs.text).toContain('3 products matching “MUG”');
    expect(mugs.text).toContain('value="MUG"');

    const inStock = await agent.get('/admin/products/?search=mug&in_stock=true&min_price=5&max_price=20').expect(200);
    expect(namesIn(inStock.text)).toEqual(['Red Mug']);
    expect(inStock.text).toContain('<option value="true" selected>');

    const outOfStock = await agent.get('/admin/products/?in_stock=false').expect(200);
    expect(namesIn(outOfStock.text)).toEqual(['Blue Mug']);

    // The dashboard's low-stock link.
    const dashboard = await agent.get('/admin/').expect(200);
    expect(dashboard.text).toContain('href="/admin/products/?max_stock=5&amp;ordering=stock"');
    const low = await agent.get('/admin/products/?max_stock=5&ordering=price').expect(200);
    expect(namesIn(low.text)).toEqual(['Red Mug', 'Blue Mug']);
  });

  it('shows the API\'s message beside an invalid filter instead of failing', async () => {
    const { agent } = await staffAgent();
    await buildProduct({ name: 'Anything' });
    const bad = await agent.get('/admin/products/?min_price=abc&in_stock=maybe').expect(400);
    expect(bad.text).toContain('Enter a number with at most 2 decimal places.');
    expect(bad.text).toMatch(/id="min_price"[^>]*aria-invalid="true"/);
    expect(bad.text).toMatch(/id="in_stock"[^>]*aria-invalid="true"/);
    expect(bad.text).toContain('value="abc"');
    expect(namesIn(bad.text)).toEqual([]);

    const crossed = await agent.get('/admin/products/?min_price=20&max_price=10').expect(400);
    expect(crossed.text).toContain('min_price must not be greater than max_price.');
    // A page past the rows page numbers reach is said so above the list, not a server error.
    const deep = await agent.get('/admin/products/?page=401').expect(400);
    expect(deep.text).toContain('Page numbers reach the first 10000 items');
    const badOrdering = await agent.get('/admin/products/?ordering=popularity').expect(400);
    expect(badOrdering.text).toContain('Sort order:');
  });

  it('sorts by clickable column headers that keep the other parameters, and pages by 25', async () => {
    const { agent } = await staffAgent();
    for (let i = 0; i < 30; i += 1) {
      await buildProduct({ name: `Widget ${String(i).padStart(2, '0')}`, price: `${i + 1}.00`, stock: i % 2 });
    }
    await buildProduct({ name: 'Gadget', price: '99.00' });

    const first = await agent.get('/admin/products/?search=widget&ordering=price').expect(200);
    expect(first.text).toContain('30 products matching');
    expect(namesIn(first.text)).toHaveLength(25);
    expect(namesIn(first.text)[0]).toBe('Widget 00');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toMatch(/<th scope="col" aria-sort="ascending"><a href="\/admin\/products\/\?search=widget&amp;ordering=-price">Price<\/a>/);
    expect(first.text).toContain('href="/admin/products/?search=widget&amp;ordering=name">Name</a>');
    expect(first.text).toContain('href="/admin/products/?search=widget&amp;ordering=price&amp;page=2">Next page</a>');

    const second = await agent.get('/admin/products/?search=widget&ordering=price&page=2').expect(200);
    expect(namesIn(second.text)).toEqual(['Widget 25', 'Widget 26', 'Widget 27', 'Widget 28', 'Widget 29']);
    expect(second.text).toContain('href="/admin/products/?search=widget&amp;ordering=price&amp;page=1">Previous page</a>');

    const descending = await agent.get('/admin/products/?search=widget&ordering=-price').expect(200);
    expect(namesIn(descending.text)[0]).toBe('Widget 29');
    expect(descending.text).toMatch(/aria-sort="descending"><a href="\/admin\/products\/\?search=widget&amp;ordering=price">Price/);

    const pastTheEnd = await agent.get('/admin/products/?search=widget&page=9').expect(404);
    expect(pastTheEnd.text).toContain('Page 9 does not exist.');
    expect(pastTheEnd.text).toContain('href="/admin/products/?search=widget&amp;page=2">Go to the last page (page 2)</a>');
  });
});

describe('admin products: create and edit', () => {
  it('creates a product with an image, visible through the API, and shows a preview of it', async () => {
    const { staff, agent } = await staffAgent();
    const form = await agent.get('/admin/products/new').expect(200);
    expect(form.text).toContain('enctype="multipart/form-data"');
    expect(form.text).toContain('accept="image/jpeg,image/png,image/webp,image/gif"');
    for (const id of ['name', 'description', 'price', 'stock', 'image']) expect(form.text).toContain(`<label for="${id}">`);

    const res = await submitProductForm(agent, '/admin/products/new', '/admin/products/new',
      { name: 'Pictured Mug', description: 'Blue & white <glazed>', price: '12.5', stock: '7' },
      { bytes: pngBytes(), filename: 'mug.png' });
    expect(res.status).toBe(303);
    const id = Number(/^\/admin\/products\/(\d+)\/\?notice=created$/.exec(res.headers.location!)![1]);

    const viaApi = await api().get(`/api/products/${id}/`).expect(200);
    expect(viaApi.body).toMatchObject({ name: 'Pictured Mug', description: 'Blue & white <glazed>', price: '12.50', stock: 7 });
    expect(viaApi.body.image).toMatch(/\/media\/[0-9a-f-]{36}\.png$/);
    const served = await api().get(new URL(viaApi.body.image).pathname).expect(200);
    expect(Buffer.compare(served.body, pngBytes())).toBe(0);

    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('The product was created.');
    expect(page.text).toContain(`<img class="preview" src="${new URL(viaApi.body.image).pathname}" alt="The current image of Pictured Mug">`);
    expect(page.text).toContain('Blue &amp; white &lt;glazed&gt;');
    expect(page.text).toContain('<label for="remove_image">Remove the current image</label>');

    const [entry] = await logOf(id);
    expect(entry).toMatchObject({ action: 'create', actorId: staff.id, actorUsername: staff.username, via: 'admin', objectRepr: 'Pictured Mug' });
    expect(entry!.changes).toMatchObject({ name: [null, 'Pictured Mug'], price: [null, '12.50'], stock: [null, 7] });
  });

  it('shows the API\'s messages beside the fields, keeps what was entered, and saves nothing', async () => {
    const { agent } = await staffAgent();
    const res = await submitProductForm(agent, '/admin/products/new', '/admin/products/new', { name: '  ', description: 'Kept <text>', price: 'abc', stock: 'many' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Please correct the errors below; nothing was saved.');
    expect(res.text).toMatch(/id="name"[^>]*aria-invalid="true" aria-describedby="name-error"/);
    expect(res.text).toContain('<span class="field-error" id="name-error">This field may not be blank.</span>');
    expect(res.text).toContain('<span class="field-error" id="price-error">Enter a positive number with at most 8 digits before and 2 after the decimal point.</span>');
    expect(res.text).toMatch(/id="stock"[^>]*aria-invalid="true" aria-describedby="stock-error"/);
    expect(res.text).toContain('value="abc"');
    expect(res.text).toContain('>Kept &lt;text&gt;</textarea>');
    expect(await db().product.count()).toBe(0);

    // The same messages the API gives for the same input.
    const { auth } = await signedIn({ isStaff: true });
    const viaApi = await api().post('/api/products/').set(auth).send({ name: '  ', price: 'abc', stock: 'many' }).expect(400);
    expect(res.text).toContain(viaApi.body.errors.price[0]);
    expect(res.text).toContain(viaApi.body.errors.name[0]);
    expect(res.text).toContain(`<span class="field-error" id="stock-error">${viaApi.body.errors.stock[0]}</span>`);
  });

  it('refuses an uploaded non-image with the API\'s message, storing nothing', async () => {
    const { agent } = await staffAgent();
    const product = await buildProduct({ name: 'Plain', stock: 2 });
    const created = await submitProductForm(agent, '/admin/products/new', '/admin/products/new', { name: 'Fake', price: '1.00', stock: '1' },
      { bytes: Buffer.from('not an image at all'), filename: 'photo.png' });
    expect(created.status).toBe(400);
    expect(created.text).toContain('<span class="field-error" id="image-error">Upload a valid image: JPEG, PNG, WebP or GIF.</span>');
    expect(created.text).toContain('value="Fake"');

    const edited = await submitProductForm(agent, `/admin/products/${product.id}/`, `/admin/products/${product.id}/`, { name: 'Renamed', price: '1.00', stock: '1' },
      { bytes: Buffer.from('still not an image'), filename: 'photo.gif' });
    expect(edited.status).toBe(400);
    expect(edited.text).toContain('Upload a valid image: JPEG, PNG, WebP or GIF.');
    expect(await db().product.findMany()).toEqual([expect.objectContaining({ name: 'Plain', image: null })]);
  });

  it('shows an image over the size limit beside the image field (413), keeps the other fields, and saves nothing', async () => {
    const { agent } = await staffAgent();
    const tooLarge = { bytes: Buffer.concat([pngBytes(), Buffer.alloc(config.uploads.maxBytes)]), filename: 'huge.png' };
    const message = `The file is too large: at most ${config.uploads.maxBytes} bytes.`;
    const created = await submitProductForm(agent, '/admin/products/new', '/admin/products/new',
      { name: 'Big Mug', description: 'Kept <text>', price: '12.50', stock: '7' }, tooLarge);
    expect(created.status).toBe(413);
    expect(created.text).toContain('Please correct the errors below; nothing was saved.');
    expect(created.text).toMatch(/id="image"[^>]*aria-describedby="image-hint image-error" aria-invalid="true"/);
    expect(created.text).toContain(`<span class="field-error" id="image-error">${message}</span>`);
    expect(created.text).toContain('value="Big Mug"');
    expect(created.text).toContain('>Kept &lt;text&gt;</textarea>');
    expect(created.text).toContain('value="12.50"');
    expect(await db().product.count()).toBe(0);

    // On the edit form too, with the file sent before the other fields and an invalid price beside it.
    const product = await buildProduct({ name: 'Plain', price: '5.00', stock: 2 });
    const page = `/admin/products/${product.id}/`;
    const hidden = hiddenFields((await agent.get(page).expect(200)).text);
    let req = agent.post(page).attach('image', tooLarge.bytes, { filename: 'huge.png', contentType: 'image/png' });
    for (const [name, value] of Object.entries({ ...hidden, name: 'Renamed', description: '', price: 'abc', stock: '3' })) req = req.field(name, value);
    const edited = await req;
    expect(edited.status).toBe(413);
    expect(edited.text).toContain(`<span class="field-error" id="image-error">${message}</span>`);
    expect(edited.text).toContain('<span class="field-error" id="price-error">');
    expect(edited.text).toContain('value="Renamed"');
    expect(await db().product.findUniqueOrThrow({ where: { id: product.id } })).toMatchObject({ name: 'Plain', image: null });
    expect(await db().adminLogEntry.count()).toBe(0);

    // The CSRF token is still required.
    await postMultipart(agent, '/admin/products/new', { name: 'Sneaky', price: '1.00', stock: '1' }, tooLarge).expect(403);
    expect(await db().product.count()).toBe(1);
  });

  it('saves an edit, logs each changed field before and after, and replaces then removes the image', async () => {
    const { staff, agent } = await staffAgent();
    const product = await buildProduct({ name: 'Old name', description: 'Same', price: '10.00', stock: 5 });
    const page = `/admin/products/${product.id}/`;
    const form = await agent.get(page).expect(200);
    expect(form.text).toContain('value="Old name"');
    expect(form.text).toContain('This product has no image.');

    const saved = await submitProductForm(agent, page, page, { name: 'New name', description: 'Same', price: '12', stock: '5' }, { bytes: pngBytes(), filename: 'new.png' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`${page}?notice=saved`);
    const stored = await db().product.findUniqueOrThrow({ where: { id: product.id } });
    expect(stored).toMatchObject({ name: 'New name', stock: 5 });
    expect(stored.image).toMatch(/\.png$/);
    expect(existsSync(path.join(config.uploads.dir, stored.image!))).toBe(true);

    const removed = await submitProductForm(agent, page, page, { name: 'New name', description: 'Same', price: '12.00', stock: '5', remove_image: 'on' });
    expect(removed.status).toBe(303);
    expect((await db().product.findUniqueOrThrow({ where: { id: product.id } })).image).toBeNull();
    expect(existsSync(path.join(config.uploads.dir, stored.image!))).toBe(false);

    const [first, second] = await logOf(product.id);
    expect(first).toMatchObject({ action: 'update', actorId: staff.id, actorUsername: staff.username, via: 'admin', objectRepr: 'New name' });
    expect(first!.changes).toEqual({ name: ['Old name', 'New name'], price: ['10.00', '12.00'], image: [null, stored.image] });
    expect(second!.changes).toEqual({ image: [stored.image, null] });

    // The product's page shows its own history.
    const history = await agent.get(page).expect(200);
    expect(history.text).toContain('Changes staff made to New name');
    expect(history.text).toContain('name: &quot;Old name&quot; → &quot;New name&quot;');
  });

  it('refuses a form loaded before a sale, keeping the stock the sale left, and shows the current values', async () => {
    const { agent } = await staffAgent();
    const product = await buildProduct({ name: 'Scarce', price: '5.00', stock: 10 });
    const page = `/admin/products/${product.id}/`;
    const hidden = hiddenFields((await agent.get(page).expect(200)).text);
    expect(hidden.version).toMatch(/^"\d+-\d+"$/);

    const shopper = await signedIn();
    await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 3 }]);
    expect(await stockOf(product.id)).toBe(7);

    const stale = await postMultipart(agent, page, { ...hidden, name: 'Scarce', description: '', price: '5.00', stock: '10' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('This product changed after you loaded the form');
    expect(stale.text).toContain('nothing was saved');
    expect(stale.text).toMatch(/id="stock"[^>]*value="7"/);
    expect(stale.text).toContain('What you entered (not saved)');
    expect(await stockOf(product.id)).toBe(7);
    expect(await logOf(product.id)).toHaveLength(0);

    // A stock change made directly counts too; a form without its version is refused as well.
    const reloaded = hiddenFields(stale.text);
    await db().product.update({ where: { id: product.id }, data: { stock: 6 } });
    expect((await postMultipart(agent, page, { ...reloaded, name: 'Scarce', price: '5.00', stock: '7' })).status).toBe(409);
    expect((await postMultipart(agent, page, { _csrf: reloaded._csrf!, name: 'Scarce', price: '5.00', stock: '7' })).status).toBe(409);
    expect(await stockOf(product.id)).toBe(6);

    // The form as reloaded now is current, and saves.
    const fresh = await submitProductForm(agent, page, page, { name: 'Scarce', price: '5.00', stock: '20' });
    expect(fresh.status).toBe(303);
    expect(await stockOf(product.id)).toBe(20);
  });

  it('answers 404 pages for a product that does not exist', async () => {
    const { agent } = await staffAgent();
    for (const url of ['/admin/products/999999/', '/admin/products/abc/', '/admin/products/999999/delete']) {
      const res = await agent.get(url).expect(404);
      expect(res.text).toContain('No product matches the given query.');
    }
  });
});

describe('admin products: delete', () => {
  it('asks first (the GET changes nothing), then deletes; orders keep their lines', async () => {
    const { staff, agent } = await staffAgent();
    const product = await buildProduct({ name: 'Doomed', price: '4.00', stock: 10 });
    const shopper = await signedIn();
    const order = await placeOrder(shopper.auth, [{ product_id: product.id, quantity: 2 }]);

    const edit = await agent.get(`/admin/products/${product.id}/`).expect(200);
    expect(edit.text).toContain(`href="/admin/products/${product.id}/delete">Delete product Doomed</a>`);
    const confirm = await agent.get(`/admin/products/${product.id}/delete`).expect(200);
    expect(confirm.text).toContain('Delete product Doomed?');
    expect(confirm.text).toContain(`action="/admin/products/${product.id}/delete"`);
    expect(confirm.text).toContain('<button class="danger" type="submit">Yes, delete Doomed</button>');
    expect(await db().product.findUnique({ where: { id: product.id } })).not.toBeNull();

    const res = await submit(agent, `/admin/products/${product.id}/delete`, `/admin/products/${product.id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/products/?notice=deleted');
    expect((await agent.get(res.headers.location!).expect(200)).text).toContain('The product was deleted');
    expect(await db().product.findUnique({ where: { id: product.id } })).toBeNull();
    await api().get(`/api/products/${product.id}/`).expect(404);

    const kept = await api().get(`/api/orders/${order.id}/`).set(shopper.auth).expect(200);
    expect(kept.body.items).toEqual([expect.objectContaining({ product_id: null, product_name: 'Doomed', unit_price: '4.00', quantity: 2 })]);

    const [entry] = await logOf(product.id);
    expect(entry).toMatchObject({ action: 'delete', actorUsername: staff.username, via: 'admin', objectRepr: 'Doomed' });
  });
});

describe('admin products: the change log covers the staff API too', () => {
  it('records create, update and delete through the API with who, what and via', async () => {
    const { user, auth } = await signedIn({ isStaff: true });
    const created = await api().post('/api/products/').set(auth).send({ name: 'From API', price: '3.00', stock: 4 }).expect(201);
    const id = created.body.id as number;
    await api().patch(`/api/products/${id}/`).set(auth).send({ stock: 9 }).expect(200);
    await api().put(`/api/products/${id}/`).set(auth).send({ name: 'From API', price: '3.00', stock: 9 }).expect(200); // no change: not logged
    await api().delete(`/api/products/${id}/`).set(auth).expect(204);

    const entries = await logOf(id);
    expect(entries.map((e) => e.action)).toEqual(['create', 'update', 'delete']);
    for (const entry of entries) expect(entry).toMatchObject({ actorId: user.id, actorUsername: user.username, via: 'api', objectRepr: 'From API' });
    expect(entries[1]!.changes).toEqual({ stock: [4, 9] });

    // The dashboard shows them.
    const staffAgentFor = await adminAgent(user);
    const dashboard = await staffAgentFor.get('/admin/').expect(200);
    expect(dashboard.text).toContain('product #' + id + ': From API');
  });

  it('writes nothing to the log when the change itself fails', async () => {
    const { auth } = await signedIn({ isStaff: true });
    const product = await buildProduct({ stock: 3 });
    const res = await api().get(`/api/products/${product.id}/`).expect(200);
    await api().patch(`/api/products/${product.id}/`).set(auth).send({ stock: 1 }).expect(200);
    await api().patch(`/api/products/${product.id}/`).set(auth).set('If-Match', res.headers.etag!).send({ stock: 8 }).expect(412);
    expect((await logOf(product.id)).map((e) => e.changes)).toEqual([{ stock: [3, 1] }]);
  });
});
