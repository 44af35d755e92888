import { db, Prisma } from '../../lib/db';
import { NotFoundError, StaleVersionError, ValidationError } from '../../lib/errors';
import { detectImageType, mediaUrl, removeImage, saveImage } from '../../lib/media';
import { formatMoney } from '../../lib/money';
import type { PageRequest } from '../../http/pagination';
import type { CreateProductInput, ProductListQuery, UpdateProductInput } from './products.schemas';

export type Product = Prisma.ProductGetPayload<object>;

/** What a write does to the image: keep it, clear it, or replace it with uploaded bytes. */
export type ImageChange = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; bytes: Buffer };

export function toProduct(product: Product, mediaBaseUrl: string) {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: formatMoney(product.price),
    stock: product.stock,
    image: mediaUrl(mediaBaseUrl, product.image),
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}

const ORDER_BY: Record<NonNullable<ProductListQuery['ordering']>, Prisma.ProductOrderByWithRelationInput[]> = {
  price: [{ price: 'asc' }, { id: 'asc' }],
  '-price': [{ price: 'desc' }, { id: 'desc' }],
  name: [{ name: 'asc' }, { id: 'asc' }],
  '-name': [{ name: 'desc' }, { id: 'desc' }],
  created_at: [{ createdAt: 'asc' }, { id: 'asc' }],
  '-created_at': [{ createdAt: 'desc' }, { id: 'desc' }],
};

function listFilter(query: ProductListQuery): Prisma.ProductWhereInput {
  const where: Prisma.ProductWhereInput = {};
  if (query.search) {
    // ILIKE '%term%' on both columns; the trigram GIN indexes serve it. Prisma
    // passes LIKE wildcards through, so the user's % and _ are escaped here.
    const term = query.search.replace(/[\\%_]/g, (c) => `\\${c}`);
    where.OR = [
      { name: { contains: term, mode: 'insensitive' } },
      { description: { contains: term, mode: 'insensitive' } },
    ];
  }
  if (query.min_price || query.max_price) where.price = { gte: query.min_price, lte: query.max_price };
  if (query.in_stock !== undefined) where.stock = query.in_stock ? { gt: 0 } : { equals: 0 };
  return where;
}

export async function listProducts(query: ProductListQuery, page: PageRequest) {
  const where = listFilter(query);
  const [count, results] = await Promise.all([
    db().product.count({ where }),
    db().product.findMany({ where, orderBy: ORDER_BY[query.ordering ?? '-created_at'], skip: page.skip, take: page.take }),
  ]);
  return { count, results };
}

export async function getProduct(id: number): Promise<Product> {
  const product = await db().product.findUnique({ where: { id } });
  if (!product) throw new NotFoundError('No product matches the given query.');
  return product;
}

export function createProduct(input: CreateProductInput, image: ImageChange): Promise<Product> {
  const { image: _clear, ...data } = input;
  return withImage(image, async (newImage) => ({
    before: null,
    after: await db().product.create({ data: { ...data, image: newImage ?? null } }),
  }));
}

/** A product's version, sent as its ETag: it changes with every write. */
export function productVersion(product: Pick<Product, 'id' | 'updatedAt'>): string {
  return `"${product.id}-${product.updatedAt.getTime()}"`;
}

/**
 * PUT and PATCH. The row is locked, so concurrent image swaps each clean up
 * their own predecessor, and `expectedVersion` (the client's If-Match) is
 * compared under that lock: an admin form loaded before three sales cannot
 * silently put the old stock back.
 */
export function updateProduct(id: number, input: UpdateProductInput, image: ImageChange, expectedVersion?: string): Promise<Product> {
  const { image: _clear, ...data } = input;
  return withImage(image, (newImage) =>
    db().$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ image: string | null; updated_at: Date }[]>`
        SELECT image, updated_at FROM products WHERE id = ${id} FOR UPDATE`;
      if (!current) throw new NotFoundError('No product matches the given query.');
      if (expectedVersion && expectedVersion !== productVersion({ id, updatedAt: current.updated_at })) throw new StaleVersionError();
      const imageUpdate = image.kind === 'keep' ? {} : { image: newImage ?? null };
      const after = await tx.product.update({ where: { id }, data: { ...data, ...imageUpdate } });
      return { before: image.kind === 'keep' ? null : current.image, after };
    }),
  );
}

/** Order lines keep their snapshots (their product_id becomes null); cart lines go. */
export async function deleteProduct(id: number): Promise<void> {
  const [deleted] = await db().$queryRaw<{ image: string | null }[]>`DELETE FROM products WHERE id = ${id} RETURNING image`;
  if (!deleted) throw new NotFoundError('No product matches the given query.');
  await removeImage(deleted.image);
}

type Written = { before: string | null; after: Product };

/**
 * Stores an uploaded image before the database write and removes it again if
 * that write fails, so no request leaves an orphan file; the replaced image is
 * removed only once the new row is committed.
 */
async function withImage(image: ImageChange, write: (newImage: string | undefined) => Promise<Written>): Promise<Product> {
  let newImage: string | undefined;
  if (image.kind === 'set') {
    const type = detectImageType(image.bytes);
    if (!type) throw ValidationError.field('image', 'Upload a valid image: JPEG, PNG, WebP or GIF.');
    newImage = await saveImage(image.bytes, type);
  }
  let result: Written;
  try {
    result = await write(newImage);
  } catch (error) {
    await removeImage(newImage);
    throw error;
  }
  if (result.before && result.before !== result.after.image) await removeImage(result.before);
  return result.after;
}
