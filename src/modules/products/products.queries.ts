// The catalog's hot reads in SQL, still through the Prisma client. Measured
// on a 2-core machine, findUnique/findMany spent most of each request in the
// ORM's query path; one raw statement per request (the page and its window
// count together) is what brings list and detail near a bare pg server. The
// writes stay on the query API, where speed does not matter.
//
// Every query here is run against the migrated schema by
// tests/database/queries.test.ts, so a renamed column fails the suite.
import { Prisma, type Db } from '../../lib/db';
import { mediaUrl } from '../../lib/media';
import type { PageRequest } from '../../http/pagination';
import type { ProductListQuery } from './products.schemas';

/** A product as the API answers it. */
export interface ProductJson {
  id: number;
  name: string;
  description: string;
  price: string;
  stock: number;
  image: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The columns both reads select, and their row type: `price::text` keeps the
 * two places of numeric(10,2) ("7.50") without a Decimal in between.
 */
const PRODUCT_COLUMNS = Prisma.sql`id, name, description, price::text AS price, stock, image, created_at, updated_at`;
/** As the API answers it, but with the stored image name and the timestamps still Dates. */
type ProductRow = Omit<ProductJson, 'created_at' | 'updated_at'> & { created_at: Date; updated_at: Date };

function toProductJson(row: ProductRow, mediaBaseUrl: string): ProductJson {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    price: row.price,
    stock: row.stock,
    image: mediaUrl(mediaBaseUrl, row.image),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

// ---- one product ----------------------------------------------------------

export interface ProductRead {
  product: ProductJson;
  /** For the ETag: the same version the write paths compare If-Match with. */
  updatedAt: Date;
}

export async function selectProduct(db: Db, id: number, mediaBaseUrl: string): Promise<ProductRead | null> {
  const [row] = await db.$queryRaw<ProductRow[]>`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ${id}`;
  return row ? { product: toProductJson(row, mediaBaseUrl), updatedAt: row.updated_at } : null;
}

// ---- a page of the list ---------------------------------------------------

/** The API's filters, and the admin site's `max_stock` (at most this many in stock). */
type ListFilter = Pick<ProductListQuery, 'search' | 'min_price' | 'max_price' | 'in_stock' | 'ordering'> & { max_stock?: number };

// The id tie-breaker keeps pages from repeating or skipping rows; the
// (price, id) and (created_at, id) indexes serve these. Qualified with `p.`:
// a bare `price` here would sort by the selected `price::text` ("10.00" < "5.00").
const ORDER_BY: Record<NonNullable<ListFilter['ordering']>, Prisma.Sql> = {
  price: Prisma.sql`p.price ASC, p.id ASC`,
  '-price': Prisma.sql`p.price DESC, p.id DESC`,
  name: Prisma.sql`p.name ASC, p.id ASC`,
  '-name': Prisma.sql`p.name DESC, p.id DESC`,
  created_at: Prisma.sql`p.created_at ASC, p.id ASC`,
  '-created_at': Prisma.sql`p.created_at DESC, p.id DESC`,
};

/** The user's %, _ and \ match themselves: backslash is LIKE's default escape. */
export const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function whereClause(filter: ListFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (filter.search) {
    // ILIKE on each column, so the trigram GIN indexes serve the search.
    const pattern = likePattern(filter.search);
    conditions.push(Prisma.sql`(name ILIKE ${pattern} OR description ILIKE ${pattern})`);
  }
  if (filter.min_price) conditions.push(Prisma.sql`price >= ${filter.min_price}::numeric`);
  if (filter.max_price) conditions.push(Prisma.sql`price <= ${filter.max_price}::numeric`);
  if (filter.in_stock !== undefined) conditions.push(filter.in_stock ? Prisma.sql`stock > 0` : Prisma.sql`stock = 0`);
  if (filter.max_stock !== undefined) conditions.push(Prisma.sql`stock <= ${filter.max_stock}`);
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

type ListRow = ProductRow & { total: number };

export interface ProductPage {
  /**
   * Rows matching the filter, counted by the same statement (a window count).
   * An empty page has no row to carry it: then it is 0, which is the truth on
   * page 1, and past the end it is at most `skip`, so the page is still
   * recognised as past the end ("Invalid page.") without a second query.
   */
  count: number;
  results: ProductJson[];
}

export async function selectProductPage(db: Db, filter: ListFilter, page: PageRequest, mediaBaseUrl: string): Promise<ProductPage> {
  const rows = await db.$queryRaw<ListRow[]>`
    SELECT ${PRODUCT_COLUMNS}, count(*) OVER ()::int AS total
    FROM products p ${whereClause(filter)}
    ORDER BY ${ORDER_BY[filter.ordering ?? '-created_at']}
    LIMIT ${page.take} OFFSET ${page.skip}`;
  return toProductPage(rows, mediaBaseUrl);
}

function toProductPage(rows: ListRow[], mediaBaseUrl: string): ProductPage {
  return { count: rows[0]?.total ?? 0, results: rows.map((row) => toProductJson(row, mediaBaseUrl)) };
}
