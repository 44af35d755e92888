// Categories in the admin site: the tree with parents and product counts,
// create, edit and delete through the categories service (the API's messages,
// the 409 of a category in use shown on the page), CSRF on every POST, the
// change log; and on the products pages, the category field and filter.
import request from 'supertest';
import { db } from '../../src/lib/db';
import { api, app, buildProduct, buildUser, signedIn } from '../support/api';
import { adminAgent, csrfFrom, submit, type Agent } from '../support/admin';

type Category = { id: number; name: string; slug: string };

async function buildCategory(name: string, parent?: Category, slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')): Promise<Category> {
  return db().category.create({ data: { name, slug, parentId: parent?.id ?? null } });
}

async function productIn(category: Category | null, name?: string) {
  const product = await buildProduct({ name });
  return db().product.update({ where: { id: product.id }, data: { categoryId: category?.id ?? null } });
}

async function staffAgent() {
  const staff = await buildUser({ isStaff: true });
  return { staff, agent: await adminAgent(staff) };
}

const categoryOf = (id: number) => db().category.findUniqueOrThrow({ where: { id } });

/** The options of a select, as [value, text] in order. */
function optionsOf(html: string, selectId: string): [string, string][] {
  const select = new RegExp(`<select id="${selectId}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) throw new Error(`no select #${selectId}`);
  return [...select[1]!.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1]!, m[2]!]);
}

const selectedIn = (html: string, selectId: string) => {
  const select = new RegExp(`<select id="${selectId}"[^>]*>([\\s\\S]*?)</select>`).exec(html)![1]!;
  return [...select.matchAll(/<option value="([^"]*)" selected>/g)].map((m) => m[1]);
};

/** The text of each product link in the products list, in order. */
const productNamesIn = (html: string) => [...html.matchAll(/<td><a href="\/admin\/products\/\d+\/">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

describe('admin categories: who may use them', () => {
  it('sends anonymous visitors to the login page, and an anonymous POST changes nothing', async () => {
    const kitchen = await buildCategory('Kitchen');
    const list = await request(app).get('/admin/categories/').expect(303);
    expect(list.headers.location).toBe('/admin/login?next=%2Fadmin%2Fcategories%2F');
    await request(app).post('/admin/categories/new').type('form').send({ name: 'Sneaky', slug: 'sneaky' }).expect(303);
    await request(app).post(`/admin/categories/${kitchen.id}/`).type('form').send({ name: 'Hijacked', slug: 'kitchen' }).expect(303);
    await request(app).post(`/admin/categories/${kitchen.id}/delete`).type('form').send({}).expect(303);
    expect(await db().category.findMany()).toEqual([expect.objectContaining({ name: 'Kitchen' })]);
  });

  it('refuses every POST without the CSRF token, and nothing is saved or deleted', async () => {
    const { agent } = await staffAgent();
    const kitchen = await buildCategory('Kitchen');
    await agent.post('/admin/categories/new').type('form').send({ name: 'Sneaky', slug: 'sneaky' }).expect(403);
    await agent.post(`/admin/categories/${kitchen.id}/`).type('form').send({ name: 'Changed', slug: 'changed' }).expect(403);
    await agent.post(`/admin/categories/${kitchen.id}/delete`).type('form').send({ _csrf: 'forged' }).expect(403);
    expect(await db().category.findMany()).toEqual([expect.objectContaining({ id: kitchen.id, name: 'Kitchen', slug: 'kitchen' })]);
    expect(await db().adminLogEntry.count()).toBe(0);
  });

  it('is linked from every page\'s navigation', async () => {
    const { agent } = await staffAgent();
    expect((await agent.get('/admin/').expect(200)).text).toContain('<a href="/admin/categories/">Categories</a>');
  });
});

describe('admin categories: the list', () => {
  it('shows the tree, each category followed by those under it, with its parent and the products directly in it', async () => {
    const { agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const bath = await buildCategory('Bath', home);
    const apparel = await buildCategory('Apparel');
    await productIn(kitchen);
    await productIn(kitchen);
    await productIn(home);
    await productIn(null);

    const page = await agent.get('/admin/categories/').expect(200);
    const rows = [...page.text.matchAll(/<tr>\s*<td><a href="\/admin\/categories\/(\d+)\/">([^<]*)<\/a><\/td>\s*<td>([^<]*)<\/td>\s*<td>([^<]*)<\/td>\s*<td><a href="\/admin\/products\/\?category=\d+">(\d+)/g)]
      .map((m) => [Number(m[1]), m[2], m[3], m[4], Number(m[5])]);
    expect(rows).toEqual([
      [apparel.id, 'Apparel', 'apparel', '(top level)', 0],
      [home.id, 'Home', 'home', '(top level)', 1],
      [bath.id, 'Home / Bath', 'bath', 'Home', 0],
      [kitchen.id, 'Home / Kitchen', 'kitchen', 'Home', 2],
    ]);
    expect(page.text).toContain('4 categories');
  });

  it('sorts by product count or slug with the column headers, ties in tree order, and back to the tree by name', async () => {
    const { agent } = await staffAgent();
    const home = await buildCategory('Home', undefined, 'z-home');
    const kitchen = await buildCategory('Kitchen', home, 'a-kitchen');
    const apparel = await buildCategory('Apparel', undefined, 'm-apparel');
    await productIn(kitchen);
    await productIn(kitchen);
    await productIn(apparel);
    const namesOf = (html: string) => [...html.matchAll(/<td><a href="\/admin\/categories\/\d+\/">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);

    const tree = (await agent.get('/admin/categories/').expect(200)).text;
    expect(namesOf(tree)).toEqual(['Apparel', 'Home', 'Home / Kitchen']);
    expect(tree).toContain('<th scope="col" aria-sort="ascending"><a href="/admin/categories/?sort=-name">Name</a>');
    expect(tree).toContain('<a href="/admin/categories/?sort=products">Products</a>');

    const most = (await agent.get('/admin/categories/?sort=-products').expect(200)).text;
    expect(namesOf(most)).toEqual(['Home / Kitchen', 'Apparel', 'Home']);
    expect(most).toContain('aria-sort="descending"><a href="/admin/categories/?sort=products">Products</a>');
    expect(namesOf((await agent.get('/admin/categories/?sort=products').expect(200)).text)).toEqual(['Home', 'Apparel', 'Home / Kitchen']);
    expect(namesOf((await agent.get('/admin/categories/?sort=slug').expect(200)).text)).toEqual(['Home / Kitchen', 'Apparel', 'Home']);
    expect(namesOf((await agent.get('/admin/categories/?sort=-name').expect(200)).text)).toEqual(['Home / Kitchen', 'Home', 'Apparel']);
    // An unknown sort is the tree, not an error.
    expect(namesOf((await agent.get('/admin/categories/?sort=drop%20table').expect(200)).text)).toEqual(['Apparel', 'Home', 'Home / Kitchen']);
  });

  it('says so when there are none', async () => {
    const { agent } = await staffAgent();
    expect((await agent.get('/admin/categories/').expect(200)).text).toContain('No categories yet.');
  });
});

describe('admin categories: create and edit', () => {
  it('creates a category under a parent chosen from every category, logged as the admin\'s change', async () => {
    const { staff, agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const form = await agent.get('/admin/categories/new').expect(200);
    expect(optionsOf(form.text, 'parent_id')).toEqual([['', 'None (top level)'], [String(home.id), 'Home'], [String(kitchen.id), 'Home / Kitchen']]);

    const res = await submit(agent, '/admin/categories/new', '/admin/categories/new', { name: ' Kettles ', slug: 'kettles', parent_id: String(kitchen.id) });
    expect(res.status).toBe(303);
    const id = Number(/^\/admin\/categories\/(\d+)\/\?notice=created$/.exec(res.headers.location!)![1]);
    expect(await categoryOf(id)).toMatchObject({ name: 'Kettles', slug: 'kettles', parentId: kitchen.id });
    expect((await api().get(`/api/categories/${id}/`).expect(200)).body).toEqual({ id, name: 'Kettles', slug: 'kettles', parent_id: kitchen.id });

    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('The category was created.');
    expect(page.text).toContain('Home / Kitchen / Kettles');
    expect(await db().adminLogEntry.findMany({ where: { objectType: 'category', objectId: id } })).toEqual([
      expect.objectContaining({ action: 'create', actorId: staff.id, via: 'admin', objectRepr: 'Kettles', changes: { name: [null, 'Kettles'], slug: [null, 'kettles'], parent_id: [null, kitchen.id] } }),
    ]);
  });

  it('creates a top-level category when no parent is chosen', async () => {
    const { agent } = await staffAgent();
    const res = await submit(agent, '/admin/categories/new', '/admin/categories/new', { name: 'Garden', slug: 'garden', parent_id: '' });
    expect(res.status).toBe(303);
    const id = Number(/(\d+)/.exec(res.headers.location!)![1]);
    expect((await categoryOf(id)).parentId).toBeNull();
  });

  it('shows the API\'s messages beside the fields, keeps what was entered, and saves nothing', async () => {
    const { agent } = await staffAgent();
    await buildCategory('Kitchen');
    const res = await submit(agent, '/admin/categories/new', '/admin/categories/new', { name: '  ', slug: 'Bad Slug', parent_id: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Please correct the errors below; nothing was saved.');
    const { auth } = await signedIn({ isStaff: true });
    const viaApi = await api().post('/api/categories/').set(auth).send({ name: '  ', slug: 'Bad Slug' }).expect(400);
    expect(res.text).toContain(`<span class="field-error" id="name-error">${viaApi.body.errors.name[0]}</span>`);
    expect(res.text).toContain(`<span class="field-error" id="slug-error">${viaApi.body.errors.slug[0].replaceAll('"', '&quot;')}</span>`);
    expect(res.text).toMatch(/id="slug"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('value="Bad Slug"');

    const taken = await submit(agent, '/admin/categories/new', '/admin/categories/new', { name: 'Cooking', slug: 'kitchen', parent_id: '' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('<span class="field-error" id="slug-error">A category with this slug already exists.</span>');
    expect(await db().category.count()).toBe(1);
  });

  it('edits name, slug and parent; the parent select leaves out the category and those under it', async () => {
    const { staff, agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const kettles = await buildCategory('Kettles', kitchen);
    const garden = await buildCategory('Garden');

    const page = await agent.get(`/admin/categories/${kitchen.id}/`).expect(200);
    expect(optionsOf(page.text, 'parent_id')).toEqual([['', 'None (top level)'], [String(garden.id), 'Garden'], [String(home.id), 'Home']]);
    expect(selectedIn(page.text, 'parent_id')).toEqual([String(home.id)]);
    expect(page.text).toContain('value="Kitchen"');

    const res = await submit(agent, `/admin/categories/${kitchen.id}/`, `/admin/categories/${kitchen.id}/`, { name: 'Cooking', slug: 'cooking', parent_id: String(garden.id) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/categories/${kitchen.id}/?notice=saved`);
    expect(await categoryOf(kitchen.id)).toMatchObject({ name: 'Cooking', slug: 'cooking', parentId: garden.id });
    expect(await categoryOf(kettles.id)).toMatchObject({ parentId: kitchen.id });

    const saved = await agent.get(res.headers.location!).expect(200);
    expect(saved.text).toContain('The changes were saved.');
    expect(saved.text).toContain('Garden / Cooking');
    expect(saved.text).toMatch(/name: &quot;Kitchen&quot; → &quot;Cooking&quot;/);
    expect(await db().adminLogEntry.findMany({ where: { objectType: 'category', objectId: kitchen.id } })).toEqual([
      expect.objectContaining({ action: 'update', actorId: staff.id, via: 'admin', changes: { name: ['Kitchen', 'Cooking'], slug: ['kitchen', 'cooking'], parent_id: [home.id, garden.id] } }),
    ]);
  });

  it('refuses a move under the category\'s own subcategory (a form from before a change, or a crafted one) with the API\'s message', async () => {
    const { agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const res = await submit(agent, `/admin/categories/${home.id}/`, `/admin/categories/${home.id}/`, { name: 'Home', slug: 'home', parent_id: String(kitchen.id) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<span class="field-error" id="parent_id-error">A category cannot be placed under itself or under one of its own subcategories.</span>');
    expect((await categoryOf(home.id)).parentId).toBeNull();

    const unknown = await submit(agent, `/admin/categories/${home.id}/`, `/admin/categories/${home.id}/`, { name: 'Home', slug: 'home', parent_id: '424242' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Invalid pk &quot;424242&quot; - object does not exist.');
    const garbage = await submit(agent, `/admin/categories/${home.id}/`, `/admin/categories/${home.id}/`, { name: 'Home', slug: 'home', parent_id: 'kitchen' });
    expect(garbage.status).toBe(400);
    expect(garbage.text).toContain('<span class="field-error" id="parent_id-error">A valid integer is required.</span>');
  });

  it('answers a 404 page for a category that does not exist', async () => {
    const { agent } = await staffAgent();
    expect((await agent.get('/admin/categories/424242/').expect(404)).text).toContain('No category matches the given query.');
    await agent.get('/admin/categories/nope/').expect(404);
    await agent.get('/admin/categories/424242/delete').expect(404);
  });
});

describe('admin categories: delete', () => {
  it('deletes an empty category behind a confirmation page, logged', async () => {
    const { agent } = await staffAgent();
    const garden = await buildCategory('Garden');
    const confirm = await agent.get(`/admin/categories/${garden.id}/delete`).expect(200);
    expect(confirm.text).toContain('No product is in it.');
    const res = await submit(agent, `/admin/categories/${garden.id}/delete`, `/admin/categories/${garden.id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/categories/?notice=deleted');
    expect(await db().category.count()).toBe(0);
    expect((await agent.get(res.headers.location!).expect(200)).text).toContain('The category was deleted.');
    expect(await db().adminLogEntry.findMany({ where: { objectType: 'category' } })).toEqual([expect.objectContaining({ action: 'delete', objectId: garden.id, objectRepr: 'Garden', via: 'admin' })]);
  });

  it('shows the 409 as a message when the category still holds products or other categories, and keeps it', async () => {
    const { agent } = await staffAgent();
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    await productIn(kettles);

    const withChild = await submit(agent, `/admin/categories/${kitchen.id}/delete`, `/admin/categories/${kitchen.id}/delete`);
    expect(withChild.status).toBe(409);
    expect(withChild.text).toContain('<p class="error" role="alert">The category &quot;Kitchen&quot; still holds other categories; move or delete them first.</p>');
    const withProduct = await submit(agent, `/admin/categories/${kettles.id}/delete`, `/admin/categories/${kettles.id}/delete`);
    expect(withProduct.status).toBe(409);
    expect(withProduct.text).toContain('The category &quot;Kettles&quot; still holds products; move them to another category or delete them first.');
    expect(await db().category.count()).toBe(2);
    expect(await db().adminLogEntry.count()).toBe(0);
  });
});

describe('admin products: the category', () => {
  async function productForm(agent: Agent, page: string) {
    const html = (await agent.get(page).expect(200)).text;
    const version = /name="version" value="([^"]+)"/.exec(html)?.[1]?.replace(/&quot;|&#34;/g, '"');
    return { html, hidden: { _csrf: csrfFrom(html), ...(version ? { version } : {}) } };
  }

  it('offers none and every category ("Parent / Child") on the product form, and saves the choice', async () => {
    const { agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const { html, hidden } = await productForm(agent, '/admin/products/new');
    expect(optionsOf(html, 'category_id')).toEqual([['', 'None'], [String(home.id), 'Home'], [String(kitchen.id), 'Home / Kitchen']]);

    const created = await agent.post('/admin/products/new').type('form').send({ ...hidden, name: 'Kettle', description: '', price: '20.00', stock: '3', category_id: String(kitchen.id) });
    expect(created.status).toBe(303);
    const id = Number(/^\/admin\/products\/(\d+)\//.exec(created.headers.location!)![1]);
    expect((await db().product.findUniqueOrThrow({ where: { id } })).categoryId).toBe(kitchen.id);

    const edit = await productForm(agent, `/admin/products/${id}/`);
    expect(selectedIn(edit.html, 'category_id')).toEqual([String(kitchen.id)]);
    const moved = await agent.post(`/admin/products/${id}/`).type('form').send({ ...edit.hidden, name: 'Kettle', description: '', price: '20.00', stock: '3', category_id: '' });
    expect(moved.status).toBe(303);
    expect((await db().product.findUniqueOrThrow({ where: { id } })).categoryId).toBeNull();
  });

  it('shows the API\'s message for a category that does not exist, and saves nothing', async () => {
    const { agent } = await staffAgent();
    const { hidden } = await productForm(agent, '/admin/products/new');
    const res = await agent.post('/admin/products/new').type('form').send({ ...hidden, name: 'Kettle', description: '', price: '20.00', stock: '3', category_id: '424242' });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<span class="field-error" id="category_id-error">[^<]+<\/span>/);
    expect(await db().product.count()).toBe(0);
  });

  it('filters the product list by a category and those under it, and keeps the choice in the select', async () => {
    const { agent } = await staffAgent();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const garden = await buildCategory('Garden');
    await productIn(home, 'Lamp');
    await productIn(kitchen, 'Kettle');
    await productIn(garden, 'Spade');
    await productIn(null, 'Gift Card');

    const all = await agent.get('/admin/products/?ordering=name').expect(200);
    expect(productNamesIn(all.text)).toEqual(['Gift Card', 'Kettle', 'Lamp', 'Spade']);
    expect(optionsOf(all.text, 'category')).toEqual([['', 'Any'], [String(garden.id), 'Garden'], [String(home.id), 'Home'], [String(kitchen.id), 'Home / Kitchen']]);
    expect(all.text).toContain('<td>Home / Kitchen</td>');

    const inHome = await agent.get(`/admin/products/?category=${home.id}&ordering=name`).expect(200);
    expect(productNamesIn(inHome.text)).toEqual(['Kettle', 'Lamp']);
    expect(selectedIn(inHome.text, 'category')).toEqual([String(home.id)]);
    expect(inHome.text).toContain(`href="/admin/products/?category=${home.id}&amp;ordering=-name">Name</a>`);

    const bySlug = await agent.get('/admin/products/?category=kitchen').expect(200);
    expect(productNamesIn(bySlug.text)).toEqual(['Kettle']);
    expect(selectedIn(bySlug.text, 'category')).toEqual([String(kitchen.id)]);
  });

  it('shows the API\'s message beside the filter for a category that does not exist, instead of failing', async () => {
    const { agent } = await staffAgent();
    await productIn(null, 'Gift Card');
    const { body } = await api().get('/api/products/?category=nowhere').expect(400);
    const res = await agent.get('/admin/products/?category=nowhere').expect(400);
    expect(res.text).toContain(`<span class="field-error" id="category-error">${body.errors.category[0].replaceAll('"', '&quot;')}</span>`);
    expect(res.text).toMatch(/id="category"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('<option value="nowhere" selected>nowhere (no such category)</option>');
    expect(productNamesIn(res.text)).toEqual([]);
  });
});
