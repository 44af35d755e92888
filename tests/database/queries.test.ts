// Every raw query of the catalog runs here against the migrated schema, with
// every filter and ordering fragment it can contain, and answers what the
// Prisma query API answers for the same rows. A column renamed in the schema
// (and its migration) makes these queries fail here, not in production.
import { db, Prisma } from '../../src/lib/db';
import { ORDERINGS } from '../../src/modules/products/products.schemas';
import { selectProduct, selectProductPage, selectProductText } from '../../src/modules/products/products.queries';
import { toProduct } from '../../src/modules/products/products.service';
import { buildProduct } from '../support/api';

const BASE = 'https://shop.example.com';
const page = { skip: 0, take: 100 };

/** The same product, read through the query API and shaped by the write paths' mapping. */
async function viaQueryApi(id: number) {
  return toProduct(await db().product.findUniqueOrThrow({ where: { id } }), BASE);
}

describe('selectProduct', () => {
  it('answers exactly what the query API answers for the same row, image URL included', async () => {
    const product = await buildProduct({ name: 'Mug', price: '7.5', stock: 3, image: 'abc.png' });

    const read = await selectProduct(db(), product.id, BASE);

    expect(read!.product).toEqual(await viaQueryApi(product.id));
    expect(read!.product).toMatchObject({ price: '7.50', image: `${BASE}/media/abc.png` });
    expect(read!.updatedAt).toEqual(product.updatedAt);
  });

  it('writes, in PostgreSQL, the JSON that JSON.stringify would: quotes, backslashes, control characters, emoji', async () => {
    const awkward = 'Say "hi" \\ C:\\path\ttab\nline \u0001\u001f \u2028 é 😀 </script>';
    const product = await buildProduct({ name: awkward, description: awkward, price: '1234.5', image: 'we ird.png' });

    const text = await selectProductText(db(), product.id, BASE);

    expect(JSON.parse(text!.json)).toEqual(await viaQueryApi(product.id));
    expect(text!.updatedAt).toEqual(product.updatedAt);
  });

  it('answers null for a missing id', async () => {
    expect(await selectProduct(db(), 424242, BASE)).toBeNull();
  });
});

describe('selectProductPage', () => {
  const everyFilter = { search: 'lamp a%_\\', min_price: '1.00', max_price: '99.00', in_stock: true };

  it.each(ORDERINGS)('runs with every filter, ordered by %s', async (ordering) => {
    const lamp = await buildProduct({ name: 'a%_\\ lamp', price: '5.00', stock: 1 });
    const category = await db().category.create({ data: { name: 'Lamps', slug: 'lamps' } });
    await db().product.update({ where: { id: lamp.id }, data: { categoryId: category.id } });

    const result = await selectProductPage(db(), { ...everyFilter, categoryIds: [category.id], ordering }, page, BASE);

    expect(result.count).toBe(1);
    expect(result.results).toHaveLength(1);
  });

  it('answers the rows the query API answers, in the same order, with the total count', async () => {
    for (const price of ['3.00', '1.10', '2.25']) await buildProduct({ price, image: price === '1.10' ? 'x.webp' : null });
    const expected = await Promise.all(
      (await db().product.findMany({ orderBy: [{ price: 'asc' }, { id: 'asc' }], skip: 1, take: 1 })).map((p) => viaQueryApi(p.id)),
    );

    const result = await selectProductPage(db(), { ordering: 'price' }, { skip: 1, take: 1 }, BASE);

    expect(result).toEqual({ count: 3, results: expected });
  });

  it('answers the true count and no rows past the end, which the paginator turns into "Invalid page."', async () => {
    await buildProduct();
    expect(await selectProductPage(db(), {}, { skip: 20, take: 20 }, BASE)).toEqual({ count: 1, results: [] });
  });
});

describe('a schema change under the raw queries', () => {
  // The migration is simulated inside a transaction that is rolled back.
  async function withRenamedColumn(column: string, run: (tx: Prisma.TransactionClient) => Promise<void>) {
    const rollback = new Error('rollback');
    await db()
      .$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`ALTER TABLE products RENAME COLUMN ${column} TO ${column}_renamed`);
        await run(tx);
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
  }

  it.each(['name', 'description', 'price', 'stock', 'image', 'created_at', 'updated_at'])(
    'fails both reads when products.%s is renamed',
    async (column) => {
      const product = await buildProduct();
      await withRenamedColumn(column, async (tx) => {
        await expect(selectProduct(tx, product.id, BASE)).rejects.toThrow(/column/);
      });
      await withRenamedColumn(column, async (tx) => {
        await expect(selectProductPage(tx, { min_price: '1.00', ordering: 'price' }, page, BASE)).rejects.toThrow(/column/);
      });
      // A search matching few products picks its page from the matches: that statement too.
      await withRenamedColumn(column, async (tx) => {
        await expect(selectProductPage(tx, { search: 'product', ordering: 'price' }, page, BASE)).rejects.toThrow(/column/);
      });
    },
  );
});
