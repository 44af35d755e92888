// The catalog's list at any size: an exact count from counters the database
// keeps, search by words from the full-text index, category pages with every
// descendant, page numbers up to MAX_PAGED_ROWS rows and keyset cursors past
// them. The growth itself is measured by `npm run bench -- catalog-growth`;
// here, what a client sees, and the plans that keep it cheap.
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { config } from '../../src/config';
import { PrismaClient } from '../../src/generated/prisma/client';
import { db } from '../../src/lib/db';
import { MAX_PAGED_ROWS, selectProductPage } from '../../src/modules/products/products.queries';
import { api, buildProduct, signedIn } from '../support/api';

const list = (query = '') => api().get(`/api/products/${query}`);
const names = (res: { body: { results: { name: string }[] } }) => res.body.results.map((p) => p.name);

async function category(name: string, slug: string, parentId: number | null = null) {
  return db().category.create({ data: { name, slug, parentId } });
}

/** `count` products in one statement, created a second apart (oldest first), priced 1.00 upwards, named in id order. */
async function manyProducts(count: number): Promise<void> {
  await db().$executeRaw`
    INSERT INTO products (name, description, price, stock, created_at, updated_at)
    SELECT 'Item ' || lpad(i::text, 6, '0'), 'Generated', (1 + (i * 37) % 5000 / 100.0)::numeric(10,2), 1,
           now() - (${count}::int - i) * interval '1 second', now()
    FROM generate_series(1, ${count}::int) AS i`;
}

describe('the count', () => {
  it('stays exact through creates, deletes and category moves, with and without a category filter', async () => {
    const staff = await signedIn({ isStaff: true });
    const kitchen = await category('Kitchen', 'kitchen');
    const mugs = await category('Mugs', 'mugs', kitchen.id);
    const ids: number[] = [];
    for (const name of ['Mug', 'Cup', 'Lamp']) {
      const res = await api().post('/api/products/').set(staff.auth).send({ name, price: '5.00', category_id: name === 'Lamp' ? null : mugs.id }).expect(201);
      ids.push(res.body.id);
    }
    expect((await list().expect(200)).body.count).toBe(3);
    expect((await list('?category=kitchen').expect(200)).body.count).toBe(2);

    await api().patch(`/api/products/${ids[2]}/`).set(staff.auth).send({ category_id: kitchen.id }).expect(200);
    expect((await list('?category=kitchen').expect(200)).body.count).toBe(3);
    expect((await list(`?category=${mugs.id}`).expect(200)).body.count).toBe(2);

    await api().delete(`/api/products/${ids[0]}/`).set(staff.auth).expect(204);
    expect((await list().expect(200)).body.count).toBe(2);
    expect((await list('?category=mugs').expect(200)).body.count).toBe(1);
    // What the counters say is what counting the rows says.
    expect(await db().product.count()).toBe(2);
  });

  it('is exact for bulk writes too (one statement inserting and deleting many rows)', async () => {
    await manyProducts(250);
    await db().$executeRaw`DELETE FROM products WHERE id % 5 = 0`;
    expect((await list().expect(200)).body.count).toBe(200);
  });

  it('is exact for every price range, whole units or not, open at either end, and follows a price change', async () => {
    await manyProducts(600);
    const staff = await signedIn({ isStaff: true });
    const ranges = [['10.00', '20.00'], ['10.01', '19.99'], ['10.50', '10.70'], ['3.00', undefined], [undefined, '7.25'], ['49.99', '50.00'], ['0.01', '99999999.99']] as const;
    const check = async () => {
      for (const [min, max] of ranges) {
        const query = new URLSearchParams({ ...(min ? { min_price: min } : {}), ...(max ? { max_price: max } : {}) });
        const expected = await db().product.count({ where: { price: { ...(min ? { gte: min } : {}), ...(max ? { lte: max } : {}) } } });
        expect({ min, max, count: (await list(`?${query}`).expect(200)).body.count }).toEqual({ min, max, count: expected });
      }
    };
    await check();
    const [first] = await db().product.findMany({ where: { price: { gte: '10.00', lt: '11.00' } }, take: 1 });
    await api().patch(`/api/products/${first!.id}/`).set(staff.auth).send({ price: '19.50' }).expect(200);
    await db().$executeRaw`DELETE FROM products WHERE id % 7 = 0`;
    await check();
  });

  it('is true past the last page, which is "Invalid page."', async () => {
    await buildProduct();
    const res = await list('?page=2').expect(404);
    expect(res.body.detail).toBe('Invalid page.');
  });
});

describe('the category filter', () => {
  it('takes an id or a slug, and includes the products of every category under it', async () => {
    const home = await category('Home', 'home');
    const kitchen = await category('Kitchen', 'kitchen', home.id);
    const teapots = await category('Teapots', 'teapots', kitchen.id);
    const garden = await category('Garden', 'garden');
    const staff = await signedIn({ isStaff: true });
    for (const [name, cat] of [['Sofa', home], ['Pan', kitchen], ['Teapot', teapots], ['Rake', garden]] as const) {
      await api().post('/api/products/').set(staff.auth).send({ name, price: '9.00', category_id: cat.id }).expect(201);
    }
    await buildProduct({ name: 'Loose' });

    expect(names(await list('?category=home&ordering=name').expect(200))).toEqual(['Pan', 'Sofa', 'Teapot']);
    expect(names(await list(`?category=${kitchen.id}&ordering=name`).expect(200))).toEqual(['Pan', 'Teapot']);
    expect(names(await list('?category=teapots').expect(200))).toEqual(['Teapot']);
    expect((await list('?category=home').expect(200)).body.results[0]).toHaveProperty('category_id');
  });

  it('answers 400 for a category that does not exist, and for something that is no id or slug', async () => {
    const missing = await list('?category=nowhere').expect(400);
    expect(missing.body.errors.category).toEqual(['No category has the id or slug "nowhere".']);
    expect((await list('?category=999').expect(400)).body.errors).toHaveProperty('category');
    expect((await list('?category=Not%20A%20Slug').expect(400)).body.errors.category).toEqual(['Enter a category id or slug.']);
  });

  it('refuses a product in a category that does not exist (400), and changes nothing', async () => {
    const staff = await signedIn({ isStaff: true });
    const res = await api().post('/api/products/').set(staff.auth).send({ name: 'Ghost', price: '1.00', category_id: 4242 }).expect(400);
    expect(res.body.errors.category_id).toEqual(['No category has this id.']);
    expect(await db().product.count()).toBe(0);
  });

  it('keeps the category of a product replaced by a PUT that does not mention it (clients written before categories)', async () => {
    const staff = await signedIn({ isStaff: true });
    const kitchen = await category('Kitchen', 'kitchen');
    const created = await api().post('/api/products/').set(staff.auth).send({ name: 'Pan', price: '9.00', category_id: kitchen.id }).expect(201);
    const replaced = await api().put(`/api/products/${created.body.id}/`).set(staff.auth).send({ name: 'Pan', price: '9.50', stock: 3 }).expect(200);
    expect(replaced.body.category_id).toBe(kitchen.id);
    const cleared = await api().patch(`/api/products/${created.body.id}/`).set(staff.auth).send({ category_id: null }).expect(200);
    expect(cleared.body.category_id).toBeNull();
  });
});

describe('search', () => {
  it('finds words and the words a term begins, in the name or the description, every word required', async () => {
    await buildProduct({ name: 'Red Kettle', description: 'Boils fast' });
    await buildProduct({ name: 'Teapot', description: 'Pairs with a kettle' });
    await buildProduct({ name: 'Kettlebell', description: 'Iron' });
    await buildProduct({ name: 'Mug', description: 'Ceramic' });

    expect(names(await list('?search=KETT&ordering=name').expect(200))).toEqual(['Kettlebell', 'Red Kettle', 'Teapot']);
    expect(names(await list('?search=kettle%20boils').expect(200))).toEqual(['Red Kettle']);
    expect(names(await list('?search=ceramic').expect(200))).toEqual(['Mug']);
    expect(names(await list('?search=xyzzy').expect(200))).toEqual([]);
  });

  it('counts exactly what it finds, through renames and deletes, a product once however many of its words a term begins', async () => {
    const staff = await signedIn({ isStaff: true });
    const kettle = await api().post('/api/products/').set(staff.auth).send({ name: 'Kettle', description: 'Kettles boil; kettledrums do not', price: '5.00' }).expect(201);
    await buildProduct({ name: 'Red kettle', description: 'Enamel' });
    await buildProduct({ name: 'Mug', description: 'Enamel' });
    expect((await list('?search=kett').expect(200)).body.count).toBe(2);
    expect((await list('?search=kettle%20enamel').expect(200)).body.count).toBe(1);

    await api().patch(`/api/products/${kettle.body.id}/`).set(staff.auth).send({ name: 'Teapot', description: 'Enamel' }).expect(200);
    expect(names(await list('?search=kett').expect(200))).toEqual(['Red kettle']);
    expect((await list('?search=enamel').expect(200)).body.count).toBe(3);

    await api().delete(`/api/products/${kettle.body.id}/`).set(staff.auth).expect(204);
    expect((await list('?search=enamel').expect(200)).body.count).toBe(2);
    expect((await list('?search=teapot').expect(200)).body).toMatchObject({ count: 0, results: [] });
  });

  it('finds a rare word and a common one alike, newest first, paged', async () => {
    await manyProducts(2500);
    await db().$executeRaw`UPDATE products SET name = name || ' heirloom' WHERE id % 2 = 0`;
    await db().$executeRaw`UPDATE products SET description = 'A zephyrine piece' WHERE id IN (7, 1500)`;
    const common = await list('?search=heirloom&page=2').expect(200);
    expect(common.body.count).toBe(1250);
    expect(common.body.results.map((p: { id: number }) => p.id)).toEqual(Array.from({ length: 20 }, (_, i) => 2500 - 40 - 2 * i));
    const rare = await list('?search=zephyrine').expect(200);
    expect(rare.body).toMatchObject({ count: 2, next: null });
    expect(rare.body.results.map((p: { id: number }) => p.id)).toEqual([1500, 7]);
  });

  it('refuses a search with no word of three characters (it would match most of the catalog), but takes short words beside a long one', async () => {
    await buildProduct({ name: 'TV stand' });
    for (const term of ['a', 'tv', 'a%20b', '%25%25']) {
      const res = await list(`?search=${term}`).expect(400);
      expect(res.body.errors.search).toEqual(['Enter a word of at least 3 letters or digits.']);
    }
    expect(names(await list('?search=tv%20stand').expect(200))).toEqual(['TV stand']);
  });
});

describe('deep pages', () => {
  const rows = MAX_PAGED_ROWS + 50;

  beforeEach(() => manyProducts(rows));

  it('refuses a page number past the first MAX_PAGED_ROWS products, saying how to go on', async () => {
    const res = await list(`?page=${MAX_PAGED_ROWS / 100 + 1}&page_size=100`).expect(400);
    expect(res.body.code).toBe('page_too_deep');
    expect(res.body.detail).toMatch(/follow the `next` link/);
  });

  it.each(['-created_at', 'price', '-name'])('goes on past page numbers through cursors, every product once, in order (%s)', async (ordering) => {
    const expected = await db().$queryRawUnsafe<{ id: number }[]>(
      `SELECT id FROM products ORDER BY ${ordering.replace(/^-(\w+)$/, '$1 DESC')}, id ${ordering.startsWith('-') ? 'DESC' : 'ASC'}`,
    );
    const last = await list(`?ordering=${ordering}&page_size=100&page=${MAX_PAGED_ROWS / 100}`).expect(200);
    expect(last.body.count).toBe(rows);
    expect(last.body.next).toMatch(/[?&]cursor=/);
    expect(last.body.next).not.toMatch(/[?&]page=/);

    const beyond = await api().get(new URL(last.body.next as string).pathname + new URL(last.body.next as string).search).expect(200);
    expect(beyond.body.count).toBe(rows);
    expect(beyond.body.results.map((p: { id: number }) => p.id)).toEqual(expected.slice(MAX_PAGED_ROWS, MAX_PAGED_ROWS + 50).map((r) => r.id));
    expect(beyond.body.next).toBeNull();

    // And back: the page before the cursor page is the last numbered page.
    const back = new URL(beyond.body.previous as string);
    const previous = await api().get(back.pathname + back.search).expect(200);
    expect(previous.body.results.map((p: { id: number }) => p.id)).toEqual(last.body.results.map((p: { id: number }) => p.id));
    const path = (url: string) => { const u = new URL(url); return u.pathname + u.search; };
    expect(path(previous.body.next)).toBe(path(last.body.next));
  });

  it('answers 404 "Invalid cursor." for a cursor not made here, or made for another ordering', async () => {
    const last = await list(`?page_size=100&page=${MAX_PAGED_ROWS / 100}`).expect(200);
    const cursor = new URL(last.body.next as string).searchParams.get('cursor')!;
    for (const bad of ['garbage', Buffer.from('["price","1; DROP TABLE products",1,0]').toString('base64url'), Buffer.from('["-created_at","not a time",1,0]').toString('base64url')]) {
      expect((await list(`?cursor=${bad}`).expect(404)).body.detail).toBe('Invalid cursor.');
    }
    expect((await list(`?cursor=${cursor}&ordering=price`).expect(404)).body.detail).toBe('Invalid cursor.');
    expect(await db().product.count()).toBe(rows);
  });
});

describe('the statements behind a page', () => {
  const loggingClient = () =>
    new PrismaClient({ adapter: new PrismaPg({ connectionString: config.database.url! }), log: [{ emit: 'event', level: 'query' }] });
  let client: ReturnType<typeof loggingClient>;
  let logged: { query: string; params: string }[] = [];
  beforeAll(() => {
    client = loggingClient();
    client.$on('query', (event) => logged.push({ query: event.query, params: event.params }));
  });
  afterAll(() => client.$disconnect());

  async function plan(query: string, params: string): Promise<string> {
    const pg = new Client({ connectionString: config.database.url });
    await pg.connect();
    try {
      await pg.query('VACUUM ANALYZE products, product_words');
      const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`, JSON.parse(params));
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await pg.end();
    }
  }

  it('counts an unfiltered list from the counters and picks a deep page\'s ids from an index, never sorting the catalog', async () => {
    await manyProducts(3000);
    logged = [];
    const page = await selectProductPage(client, {}, { skip: 2900, take: 20 }, '');
    expect(page.count).toBe(3000);
    const [count, rows] = [logged.find((q) => /product_counts/.test(q.query)), logged.find((q) => /FROM products/.test(q.query))];
    expect(count).toBeDefined();
    expect(logged.some((q) => /count\(\*\)/.test(q.query))).toBe(false);
    const chosen = await plan(rows!.query, rows!.params);
    // The page's 20 ids come straight off the index, in its order: nothing sorts or scans the 3,000 rows to find them
    // (joining the 20 back to their rows is the planner's choice at this size).
    expect(chosen).toMatch(/Limit .*\n\s*->\s+Index Only Scan Backward using products_created_at_id_idx/);
    expect(chosen).not.toMatch(/Sort .*rows=3000/);
  });

  it('counts a search from the word index, never by visiting the matching rows', async () => {
    await manyProducts(3000);
    logged = [];
    expect((await selectProductPage(client, { search: 'item' }, { skip: 0, take: 20 }, '')).count).toBe(3000);
    const count = logged.find((q) => /product_words/.test(q.query));
    expect(count).toBeDefined();
    expect(logged.some((q) => /count\(\*\)::int AS n FROM products/.test(q.query))).toBe(false);
    expect(await plan(count!.query, count!.params)).toMatch(/Index Only Scan using product_words_pkey/);
  });

  it('answers a search from the full-text index', async () => {
    await manyProducts(3000);
    await buildProduct({ name: 'Zephyrine lamp' });
    logged = [];
    expect((await selectProductPage(client, { search: 'zephyrine' }, { skip: 0, take: 20 }, '')).count).toBe(1);
    for (const statement of logged.filter((q) => /search_vector/.test(q.query))) {
      expect(await plan(statement.query, statement.params)).toMatch(/Bitmap Index Scan on products_search_vector_idx/);
    }
  });
});
