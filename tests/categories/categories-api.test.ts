// /api/categories/: anyone reads, staff write. The tree's rules come from the
// database (unique slug, existing parent, no cycle even between two moves at
// once, no delete while in use), each answered as the API's error.
import { db } from '../../src/lib/db';
import { api, buildProduct, signedIn } from '../support/api';

type Category = { id: number; name: string; slug: string; parent_id: number | null };

async function buildCategory(name: string, parent?: Category, slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-')): Promise<Category> {
  const row = await db().category.create({ data: { name, slug, parentId: parent?.id ?? null } });
  return { id: row.id, name: row.name, slug: row.slug, parent_id: row.parentId };
}

async function productIn(category: Category) {
  const product = await buildProduct();
  return db().product.update({ where: { id: product.id }, data: { categoryId: category.id } });
}

const staff = () => signedIn({ isStaff: true });
const parentOf = async (id: number) => (await db().category.findUniqueOrThrow({ where: { id } })).parentId;

describe('reading categories', () => {
  it('lists every category to anyone, unpaginated, by name and then id', async () => {
    const kitchen = await buildCategory('Kitchen');
    const cups = await buildCategory('Cups', kitchen);
    const apparel = await buildCategory('Apparel');
    const secondCups = await buildCategory('Cups', apparel, 'apparel-cups');
    const res = await api().get('/api/categories/').expect(200);
    expect(res.body).toEqual([apparel, cups, secondCups, kitchen]);
    expect(cups.id).toBeLessThan(secondCups.id);
    await api().get('/api/categories').expect(200);
  });

  it('answers an empty list when there are none', async () => {
    expect((await api().get('/api/categories/').expect(200)).body).toEqual([]);
  });

  it('answers one category to anyone, and 404 for one that does not exist', async () => {
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    expect((await api().get(`/api/categories/${kettles.id}/`).expect(200)).body).toEqual({ id: kettles.id, name: 'Kettles', slug: 'kettles', parent_id: kitchen.id });
    const missing = await api().get('/api/categories/424242/').expect(404);
    expect(missing.body.detail).toBe('No category matches the given query.');
    await api().get('/api/categories/kettles/').expect(404);
  });
});

describe('writing categories is for staff only', () => {
  it('answers 401 without a token and 403 for a customer, changing nothing', async () => {
    const customer = await signedIn();
    const kitchen = await buildCategory('Kitchen');
    const body = { name: 'Garden', slug: 'garden' };
    await api().post('/api/categories/').send(body).expect(401);
    await api().put(`/api/categories/${kitchen.id}/`).send(body).expect(401);
    await api().patch(`/api/categories/${kitchen.id}/`).send(body).expect(401);
    await api().delete(`/api/categories/${kitchen.id}/`).expect(401);
    await api().post('/api/categories/').set(customer.auth).send(body).expect(403);
    await api().put(`/api/categories/${kitchen.id}/`).set(customer.auth).send(body).expect(403);
    await api().patch(`/api/categories/${kitchen.id}/`).set(customer.auth).send(body).expect(403);
    await api().delete(`/api/categories/${kitchen.id}/`).set(customer.auth).expect(403);
    expect(await db().category.findMany()).toEqual([expect.objectContaining({ id: kitchen.id, name: 'Kitchen', slug: 'kitchen' })]);
  });
});

describe('POST /api/categories/', () => {
  it('creates a top-level category (parent_id defaults to null) and one under it, with trimmed strings', async () => {
    const { auth } = await staff();
    const top = await api().post('/api/categories/').set(auth).send({ name: '  Kitchen ', slug: ' kitchen ' }).expect(201);
    expect(top.body).toEqual({ id: expect.any(Number), name: 'Kitchen', slug: 'kitchen', parent_id: null });
    const child = await api().post('/api/categories/').set(auth).send({ name: 'Kettles', slug: 'kettles', parent_id: top.body.id }).expect(201);
    expect(child.body).toEqual({ id: expect.any(Number), name: 'Kettles', slug: 'kettles', parent_id: top.body.id });
    expect(await parentOf(child.body.id)).toBe(top.body.id);
  });

  it.each([
    ['a missing name', { slug: 'a' }, 'name', 'This field is required.'],
    ['a blank name', { name: '   ', slug: 'a' }, 'name', 'This field may not be blank.'],
    ['a name of 101 characters', { name: 'x'.repeat(101), slug: 'a' }, 'name', 'Ensure this field has no more than 100 characters.'],
    ['a missing slug', { name: 'A' }, 'slug', 'This field is required.'],
    ['an empty slug', { name: 'A', slug: '' }, 'slug', 'This field may not be blank.'],
    ['a slug in upper case', { name: 'A', slug: 'Kitchen' }, 'slug', expect.stringMatching(/lower-case letters, numbers and single hyphens/)],
    ['a slug with a space', { name: 'A', slug: 'home garden' }, 'slug', expect.stringMatching(/lower-case/)],
    ['a slug with two hyphens in a row', { name: 'A', slug: 'home--garden' }, 'slug', expect.stringMatching(/single hyphens/)],
    ['a slug ending in a hyphen', { name: 'A', slug: 'home-' }, 'slug', expect.stringMatching(/no hyphen at either end/)],
    ['a slug with an underscore', { name: 'A', slug: 'home_garden' }, 'slug', expect.stringMatching(/lower-case/)],
    ['a slug of digits only (?category= would read it as an id)', { name: 'A', slug: '2024' }, 'slug', expect.stringMatching(/must contain a letter/)],
    ['a slug of 101 characters', { name: 'A', slug: 'a'.repeat(101) }, 'slug', 'Ensure this field has no more than 100 characters.'],
    ['a parent_id that is not a number', { name: 'A', slug: 'a', parent_id: '1' }, 'parent_id', 'A valid integer is required.'],
    ['a parent_id of 0', { name: 'A', slug: 'a', parent_id: 0 }, 'parent_id', expect.stringMatching(/greater than or equal to 1/)],
    ['an unknown field', { name: 'A', slug: 'a', id: 7 }, 'id', 'Unknown field.'],
  ])('answers 400 for %s, creating nothing', async (_case, body, field, message) => {
    const { auth } = await staff();
    const res = await api().post('/api/categories/').set(auth).send(body).expect(400);
    expect(res.body.errors[field]).toEqual([message]);
    expect(await db().category.count()).toBe(0);
  });

  it('accepts a slug of digits and letters, and one of 100 characters', async () => {
    const { auth } = await staff();
    await api().post('/api/categories/').set(auth).send({ name: 'Season', slug: '2024-sale' }).expect(201);
    await api().post('/api/categories/').set(auth).send({ name: 'x'.repeat(100), slug: 'a'.repeat(100) }).expect(201);
  });

  it('answers 400 with errors.slug when the slug is taken, and keeps one category', async () => {
    const { auth } = await staff();
    await buildCategory('Kitchen');
    const res = await api().post('/api/categories/').set(auth).send({ name: 'Cooking', slug: 'kitchen' }).expect(400);
    expect(res.body.errors).toEqual({ slug: ['A category with this slug already exists.'] });
    expect(await db().category.count()).toBe(1);
  });

  it('answers 400 with errors.slug for one of two concurrent creates with the same slug', async () => {
    const { auth } = await staff();
    const statuses = await Promise.all([1, 2].map((n) => api().post('/api/categories/').set(auth).send({ name: `Kitchen ${n}`, slug: 'kitchen' }).then((r) => r.status)));
    expect(statuses.sort()).toEqual([201, 400]);
    expect(await db().category.count()).toBe(1);
  });

  it('answers 400 with errors.parent_id for a parent that does not exist', async () => {
    const { auth } = await staff();
    const res = await api().post('/api/categories/').set(auth).send({ name: 'Kettles', slug: 'kettles', parent_id: 424242 }).expect(400);
    expect(res.body.errors).toEqual({ parent_id: ['Invalid pk "424242" - object does not exist.'] });
    expect(await db().category.count()).toBe(0);
  });

  it('answers 400 (not 500) for a parent_id that is the id the new category would get', async () => {
    const { auth } = await staff();
    // In an empty table the first category gets id 1: as its own parent, the CHECK refuses it.
    const res = await api().post('/api/categories/').set(auth).send({ name: 'Kettles', slug: 'kettles', parent_id: 1 }).expect(400);
    expect(res.body.errors).toEqual({ parent_id: ['Invalid pk "1" - object does not exist.'] });
    expect(await db().category.count()).toBe(0);
  });
});

describe('PUT and PATCH /api/categories/{id}/', () => {
  it('PUT replaces every field, and an omitted parent_id makes the category top-level', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    const moved = await api().put(`/api/categories/${kettles.id}/`).set(auth).send({ name: 'Tea Kettles', slug: 'tea-kettles' }).expect(200);
    expect(moved.body).toEqual({ id: kettles.id, name: 'Tea Kettles', slug: 'tea-kettles', parent_id: null });
    const back = await api().put(`/api/categories/${kettles.id}`).set(auth).send({ name: 'Kettles', slug: 'kettles', parent_id: kitchen.id }).expect(200);
    expect(back.body.parent_id).toBe(kitchen.id);
  });

  it('PUT answers 400 without a name or a slug', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const res = await api().put(`/api/categories/${kitchen.id}/`).set(auth).send({ parent_id: null }).expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['name', 'slug']);
  });

  it('PATCH changes only the fields given', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    const renamed = await api().patch(`/api/categories/${kettles.id}/`).set(auth).send({ name: 'Tea Kettles' }).expect(200);
    expect(renamed.body).toEqual({ id: kettles.id, name: 'Tea Kettles', slug: 'kettles', parent_id: kitchen.id });
    const topLevel = await api().patch(`/api/categories/${kettles.id}/`).set(auth).send({ parent_id: null }).expect(200);
    expect(topLevel.body).toEqual({ id: kettles.id, name: 'Tea Kettles', slug: 'kettles', parent_id: null });
  });

  it('answers 404 for a category that does not exist', async () => {
    const { auth } = await staff();
    await api().patch('/api/categories/424242/').set(auth).send({ name: 'Nothing' }).expect(404);
    await api().put('/api/categories/424242/').set(auth).send({ name: 'Nothing', slug: 'nothing' }).expect(404);
  });

  it('answers 400 with errors.slug when another category has the slug; keeping its own slug is fine', async () => {
    const { auth } = await staff();
    await buildCategory('Kitchen');
    const garden = await buildCategory('Garden');
    const res = await api().patch(`/api/categories/${garden.id}/`).set(auth).send({ slug: 'kitchen' }).expect(400);
    expect(res.body.errors).toEqual({ slug: ['A category with this slug already exists.'] });
    await api().put(`/api/categories/${garden.id}/`).set(auth).send({ name: 'Gardening', slug: 'garden' }).expect(200);
    expect((await db().category.findUniqueOrThrow({ where: { id: garden.id } })).slug).toBe('garden');
  });

  it('answers 400 with errors.parent_id for a parent that does not exist, leaving the category where it was', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    const res = await api().patch(`/api/categories/${kettles.id}/`).set(auth).send({ parent_id: 424242 }).expect(400);
    expect(res.body.errors).toEqual({ parent_id: ['Invalid pk "424242" - object does not exist.'] });
    expect(await parentOf(kettles.id)).toBe(kitchen.id);
  });

  it.each([
    ['itself', (tree: Category[]) => tree[0]!],
    ['its child', (tree: Category[]) => tree[1]!],
    ['its grandchild', (tree: Category[]) => tree[2]!],
  ])('answers 400 with errors.parent_id when a category would sit under %s, and nothing moves', async (_case, pick) => {
    const { auth } = await staff();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const kettles = await buildCategory('Kettles', kitchen);
    const parent = pick([home, kitchen, kettles]);
    for (const method of ['patch', 'put'] as const) {
      const res = await api()[method](`/api/categories/${home.id}/`).set(auth).send({ name: 'Home', slug: 'home', parent_id: parent.id }).expect(400);
      expect(res.body.errors).toEqual({ parent_id: ['A category cannot be placed under itself or under one of its own subcategories.'] });
    }
    expect(await Promise.all([home, kitchen, kettles].map((c) => parentOf(c.id)))).toEqual([null, home.id, kitchen.id]);
  });

  it('moves a category under a sibling\'s child: only its own subtree is refused', async () => {
    const { auth } = await staff();
    const home = await buildCategory('Home');
    const kitchen = await buildCategory('Kitchen', home);
    const garden = await buildCategory('Garden', home);
    const tools = await buildCategory('Tools', garden);
    await api().patch(`/api/categories/${kitchen.id}/`).set(auth).send({ parent_id: tools.id }).expect(200);
    expect(await parentOf(kitchen.id)).toBe(tools.id);
  });

  it('of two crossed moves at once (A under B, B under A), one succeeds and the other is a 400: never a cycle', async () => {
    const { auth } = await staff();
    const a = await buildCategory('A');
    const b = await buildCategory('B');
    // Hold the trigger's lock, so both moves are inside their UPDATE (each
    // row locked, each statement's snapshot taken) before either may look
    // for a cycle: without the lock and a fresh look, both would succeed.
    let moves: Promise<{ status: number; body: { errors?: unknown } }[]> | undefined;
    await db().$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('categories_tree'))`;
      moves = Promise.all([
        api().patch(`/api/categories/${a.id}/`).set(auth).send({ parent_id: b.id }).then((r) => r),
        api().patch(`/api/categories/${b.id}/`).set(auth).send({ parent_id: a.id }).then((r) => r),
      ]);
      await waitForAdvisoryWaiters(2);
    }, { timeout: 20_000 });
    const answers = await moves!;
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(answers.find((r) => r.status === 400)!.body.errors).toEqual({ parent_id: ['A category cannot be placed under itself or under one of its own subcategories.'] });
    const parents = [await parentOf(a.id), await parentOf(b.id)];
    expect(parents.filter((p) => p === null)).toHaveLength(1);
  });
});

/** Until `count` sessions of this database wait for an advisory lock. */
async function waitForAdvisoryWaiters(count: number): Promise<void> {
  for (let tries = 0; tries < 200; tries += 1) {
    const [row] = await db().$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    if (row!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`fewer than ${count} sessions came to wait for the lock`);
}

describe('DELETE /api/categories/{id}/', () => {
  it('deletes an empty category: 204, then 404', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(204);
    expect(await db().category.count()).toBe(0);
    await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(404);
    await api().get(`/api/categories/${kitchen.id}/`).expect(404);
  });

  it('answers 409 category_in_use while the category holds a product, and deletes it once the product has gone', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const kettle = await productIn(kitchen);
    const res = await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(409);
    expect(res.body).toMatchObject({ status: 409, code: 'category_in_use', detail: 'The category "Kitchen" still holds products; move them to another category or delete them first.' });
    expect(await db().category.count()).toBe(1);
    await db().product.delete({ where: { id: kettle.id } });
    await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(204);
  });

  it('answers 409 category_in_use while another category sits under it', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    await buildCategory('Kettles', kitchen);
    const res = await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(409);
    expect(res.body).toMatchObject({ code: 'category_in_use', detail: 'The category "Kitchen" still holds other categories; move or delete them first.' });
    expect(await db().category.count()).toBe(2);
  });

  it('deletes a category whose subcategory holds products, once the subcategory has moved out', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    const kettles = await buildCategory('Kettles', kitchen);
    await productIn(kettles);
    await api().patch(`/api/categories/${kettles.id}/`).set(auth).send({ parent_id: null }).expect(200);
    await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(204);
  });
});

describe('the change log', () => {
  const entries = () => db().adminLogEntry.findMany({ where: { objectType: 'category' }, orderBy: { id: 'asc' } });

  it('records each change staff make through the API, with what changed, and nothing for a refused or empty change', async () => {
    const { auth, user } = await staff();
    const home = await buildCategory('Home');
    const created = await api().post('/api/categories/').set(auth).send({ name: 'Kitchen', slug: 'kitchen', parent_id: home.id }).expect(201);
    const id = created.body.id;
    await api().patch(`/api/categories/${id}/`).set(auth).send({ name: 'Cooking', parent_id: null }).expect(200);
    await api().patch(`/api/categories/${id}/`).set(auth).send({ name: 'Cooking' }).expect(200);
    await api().patch(`/api/categories/${id}/`).set(auth).send({ parent_id: id }).expect(400);
    await api().post('/api/categories/').set(auth).send({ name: 'Home again', slug: 'home' }).expect(400);
    await api().delete(`/api/categories/${home.id}/`).set(auth).expect(204);
    expect(await entries()).toEqual([
      expect.objectContaining({ action: 'create', objectId: id, objectRepr: 'Kitchen', actorId: user.id, via: 'api', changes: { name: [null, 'Kitchen'], slug: [null, 'kitchen'], parent_id: [null, home.id] } }),
      expect.objectContaining({ action: 'update', objectId: id, objectRepr: 'Cooking', changes: { name: ['Kitchen', 'Cooking'], parent_id: [home.id, null] } }),
      expect.objectContaining({ action: 'delete', objectId: home.id, objectRepr: 'Home', via: 'api' }),
    ]);
  });

  it('records nothing for a delete refused because the category is in use', async () => {
    const { auth } = await staff();
    const kitchen = await buildCategory('Kitchen');
    await productIn(kitchen);
    await api().delete(`/api/categories/${kitchen.id}/`).set(auth).expect(409);
    expect(await entries()).toEqual([]);
  });
});
