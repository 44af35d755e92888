import { db, Prisma } from '../../lib/db';
import { NotFoundError, PageTooDeepError, StaleVersionError, ValidationError } from '../../lib/errors';
import { detectImageType, mediaUrl, removeImage, saveImage } from '../../lib/media';
import { formatMoney } from '../../lib/money';
import type { PageRequest } from '../../http/pagination';
import { changedFields, recordChange, type Actor } from '../audit/audit.service';
import { categorySubtree } from '../categories/categories.service';
import { decodeCursor, encodeCursor } from './products.cursor';
import {
  cursorAt,
  DEFAULT_ORDERING,
  MAX_PAGED_ROWS,
  selectProduct,
  selectProductPage,
  selectProductsAfter,
  selectProductText,
  type KeysetPage,
  type ListFilter,
  type ProductCursor,
  type ProductJson,
  type ProductPage,
  type ProductRead,
  type ProductText,
} from './products.queries';
import type { CreateProductInput, ProductListQuery, UpdateProductInput } from './products.schemas';

export type Product = Prisma.ProductGetPayload<object>;

/** What a write does to the image: keep it, clear it, or replace it with uploaded bytes. */
export type ImageChange = { kind: 'keep' } | { kind: 'clear' } | { kind: 'set'; bytes: Buffer };

export function toProduct(product: Product, mediaBaseUrl: string): ProductJson {
  return {
    id: product.id,
    name: product.name,
    description: product.description,
    price: formatMoney(product.price),
    stock: product.stock,
    image: mediaUrl(mediaBaseUrl, product.image),
    category_id: product.categoryId,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}

export type ListProductsQuery = ProductListQuery & { max_stock?: number };

/** The filter a list query stands for: its category resolved to the ids of that category's subtree. */
async function listFilter(query: ListProductsQuery): Promise<ListFilter> {
  if (!query.category) return query;
  const categoryIds = await categorySubtree(db(), query.category);
  if (!categoryIds) throw ValidationError.field('category', `No category has the id or slug "${query.category}".`);
  return { ...query, categoryIds };
}

/**
 * A page of the catalog by number, filtered and ordered, in the API's shape
 * (the admin site may add `max_stock`). Page numbers reach the first
 * MAX_PAGED_ROWS products; past them a cursor page (listProductsAfter) goes on.
 */
export async function listProducts(query: ListProductsQuery, page: PageRequest, mediaBaseUrl: string): Promise<ProductPage> {
  if (page.skip + page.take > MAX_PAGED_ROWS && page.skip > 0) {
    throw new PageTooDeepError(MAX_PAGED_ROWS);
  }
  return selectProductPage(db(), await listFilter(query), page, mediaBaseUrl);
}

/** The keyset page a cursor names, in the query's filter and ordering. */
export async function listProductsAfter(query: ListProductsQuery, cursor: string, take: number, mediaBaseUrl: string): Promise<KeysetPage & { cursor: ProductCursor }> {
  const decoded = decodeCursor(cursor, query.ordering ?? DEFAULT_ORDERING);
  return { ...(await selectProductsAfter(db(), await listFilter(query), decoded, take, mediaBaseUrl)), cursor: decoded };
}

export { cursorAt, DEFAULT_ORDERING, encodeCursor, MAX_PAGED_ROWS };
export type { ProductCursor };

/** getProduct as JSON text, for the API: PostgreSQL writes the JSON, Node only sends it. */
export async function getProductText(id: number, mediaBaseUrl: string): Promise<ProductText> {
  const read = await selectProductText(db(), id, mediaBaseUrl);
  if (!read) throw new NotFoundError('No product matches the given query.');
  return read;
}

/** One product in the API's shape, with the time of its last write (its version). */
export async function getProduct(id: number, mediaBaseUrl: string): Promise<ProductRead> {
  const read = await selectProduct(db(), id, mediaBaseUrl);
  if (!read) throw new NotFoundError('No product matches the given query.');
  return read;
}

/**
 * With an `actor` (staff, through the admin or the API) the new product is
 * written to the change log in the same transaction.
 */
export function createProduct(input: CreateProductInput, image: ImageChange, actor?: Actor): Promise<Product> {
  const { image: _clear, category_id: categoryId, ...data } = input;
  return withImage(image, (newImage) =>
    db().$transaction(async (tx) => {
      const after = await tx.product.create({ data: { ...data, categoryId, image: newImage ?? null } }).catch(rethrowUnknownCategory);
      await recordChange(tx, actor, { action: 'create', objectType: 'product', objectId: after.id, objectRepr: after.name, changes: changedFields(NOTHING, logged(after)) });
      return { before: null, after };
    }),
  );
}

/** A product before it existed, for the change log's "create" entry. */
const NOTHING = { name: null, description: null, price: null, stock: null, image: null, category_id: null };

/**
 * The fields the change log compares, as the API shows them: price as its
 * two-place string, the image by its stored file name (a change is noted,
 * never the bytes).
 */
function logged(product: { name: string; description: string; price: string | Prisma.Decimal; stock: number; image: string | null } & ({ categoryId: number | null } | { category_id: number | null })) {
  const category = 'categoryId' in product ? product.categoryId : product.category_id;
  return { name: product.name, description: product.description, price: formatMoney(product.price), stock: product.stock, image: product.image, category_id: category };
}

/** The category foreign key refused the write: the id names no category (a 400, as DRF's PrimaryKeyRelatedField answers). */
function rethrowUnknownCategory(error: unknown): never {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') {
    throw ValidationError.field('category_id', 'No category has this id.');
  }
  throw error;
}

/** A product's version, sent as its ETag: it changes with every write. */
export function productVersion(product: Pick<Product, 'id' | 'updatedAt'>): string {
  return `"${product.id}-${product.updatedAt.getTime()}"`;
}

/**
 * PUT and PATCH. The row is locked, so concurrent image swaps each clean up
 * their own predecessor, and `expectedVersion` (the client's If-Match) is
 * compared under that lock: an admin form loaded before three sales cannot
 * silently put the old stock back. With an `actor`, the fields that changed
 * (before and after) are written to the change log in the same transaction.
 */
export function updateProduct(id: number, input: UpdateProductInput, image: ImageChange, expectedVersion?: string, actor?: Actor): Promise<Product> {
  const { image: _clear, category_id: categoryId, ...data } = input;
  return withImage(image, (newImage) =>
    db().$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ name: string; description: string; price: string; stock: number; image: string | null; category_id: number | null; updated_at: Date }[]>`
        SELECT name, description, price::text AS price, stock, image, category_id, updated_at FROM products WHERE id = ${id} FOR UPDATE`;
      if (!current) throw new NotFoundError('No product matches the given query.');
      if (expectedVersion && expectedVersion !== productVersion({ id, updatedAt: current.updated_at })) throw new StaleVersionError();
      const imageUpdate = image.kind === 'keep' ? {} : { image: newImage ?? null };
      const after = await tx.product.update({ where: { id }, data: { ...data, categoryId, ...imageUpdate } }).catch(rethrowUnknownCategory);
      const changes = changedFields(logged(current), logged(after));
      await recordChange(tx, actor, { action: 'update', objectType: 'product', objectId: id, objectRepr: after.name, changes });
      return { before: image.kind === 'keep' ? null : current.image, after };
    }),
  );
}

/** Order lines keep their snapshots (their product_id becomes null); cart lines go. */
export async function deleteProduct(id: number, actor?: Actor): Promise<void> {
  const deleted = await db().$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ name: string; image: string | null }[]>`DELETE FROM products WHERE id = ${id} RETURNING name, image`;
    if (!row) throw new NotFoundError('No product matches the given query.');
    await recordChange(tx, actor, { action: 'delete', objectType: 'product', objectId: id, objectRepr: row.name });
    return row;
  });
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
