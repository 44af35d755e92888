// The catalog's hot reads in SQL, still through the Prisma client. Measured
// on a 2-core machine, findUnique/findMany spent most of each request in the
// ORM's query path; one raw statement per request (the page and its window
// count together) is what brings list and detail near a bare pg server. The
// detail's JSON is built by PostgreSQL and sent as it is (see selectProductText).
// The writes stay on the query API, where speed does not matter.
//
// Every query here is run against the migrated schema by
// tests/database/queries.test.ts, so a renamed column fails the suite, and
// its answer is compared with the query API's for the same rows.
import { Prisma, type Db } from '../../lib/db';
import { mediaUrl } from '../../lib/media';
import { containsPattern } from '../../lib/like-pattern';
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
 * A product as the API answers it, built by PostgreSQL: the same value
 * toProduct() makes, once parsed. `price::text` keeps numeric(10,2)'s two
 * places ("7.50"), the timestamps (millisecond precision) come out as
 * toISOString() writes them, and an image is `<base>/media/<name>` as
 * mediaUrl() makes it.
 */
function productJson(mediaBaseUrl: string): Prisma.Sql {
  return Prisma.sql`json_build_object(
    'id', p.id, 'name', p.name, 'description', p.description, 'price', p.price::text, 'stock', p.stock,
    'image', CASE WHEN p.image <> '' THEN ${mediaBaseUrl}::text || '/media/' || p.image END,
    'created_at', ${isoTimestamp(Prisma.sql`p.created_at`)}, 'updated_at', ${isoTimestamp(Prisma.sql`p.updated_at`)})`;
}

const isoTimestamp = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Milliseconds since the epoch, exact for timestamp(3), as a JS number (float8, not a BigInt). */
const epochMs = (column: Prisma.Sql) => Prisma.sql`(extract(epoch FROM ${column}) * 1000)::float8`;

// ---- one product ----------------------------------------------------------

export interface ProductText {
  /** The product's JSON, ready to send. */
  json: string;
  /** For the ETag: the same version the write paths compare If-Match with. */
  updatedAt: Date;
}

// Measured on the 2-core bench (product with a 3,200-character description):
// Node CPU per request 672-681 -> 540-559 us, whole machine 996-1024 ->
// 917-930 us, 1,546-1,568 -> 1,714-1,800 req/s.
export async function selectProductText(db: Db, id: number, mediaBaseUrl: string): Promise<ProductText | null> {
  const [row] = await db.$queryRaw<{ json: string; updated_ms: number }[]>`
    SELECT ${productJson(mediaBaseUrl)}::text AS json, ${epochMs(Prisma.sql`p.updated_at`)} AS updated_ms
    FROM products p WHERE p.id = ${id}`;
  return row ? { json: row.json, updatedAt: new Date(row.updated_ms) } : null;
}

export interface ProductRead {
  product: ProductJson;
  /** For the ETag, as in ProductText. */
  updatedAt: Date;
}

/** The same read as an object, for callers that look inside it (the admin site). */
export async function selectProduct(db: Db, id: number, mediaBaseUrl: string): Promise<ProductRead | null> {
  const read = await selectProductText(db, id, mediaBaseUrl);
  return read && { product: JSON.parse(read.json) as ProductJson, updatedAt: read.updatedAt };
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

function whereClause(filter: ListFilter): Prisma.Sql {
  const conditions: Prisma.Sql[] = [];
  if (filter.search) {
    // ILIKE on each column, so the trigram GIN indexes serve the search.
    const pattern = containsPattern(filter.search);
    conditions.push(Prisma.sql`(name ILIKE ${pattern} OR description ILIKE ${pattern})`);
  }
  if (filter.min_price) conditions.push(Prisma.sql`price >= ${filter.min_price}::numeric`);
  if (filter.max_price) conditions.push(Prisma.sql`price <= ${filter.max_price}::numeric`);
  if (filter.in_stock !== undefined) conditions.push(filter.in_stock ? Prisma.sql`stock > 0` : Prisma.sql`stock = 0`);
  if (filter.max_stock !== undefined) conditions.push(Prisma.sql`stock <= ${filter.max_stock}`);
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

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

// The list stays rows, unlike the detail: PostgreSQL 15 escapes text into
// JSON a character at a time, and a page of long descriptions cost it more
// than Node saved (whole-machine CPU per page up by a fifth on the bench).
// The timestamps still come out as the API's text, so Node makes no Dates.
export async function selectProductPage(db: Db, filter: ListFilter, page: PageRequest, mediaBaseUrl: string): Promise<ProductPage> {
  const rows = await db.$queryRaw<(ProductJson & { total: number })[]>`
    SELECT p.id, p.name, p.description, p.price::text AS price, p.stock, p.image,
           ${isoTimestamp(Prisma.sql`p.created_at`)} AS created_at, ${isoTimestamp(Prisma.sql`p.updated_at`)} AS updated_at,
           count(*) OVER ()::int AS total
    FROM products p ${whereClause(filter)}
    ORDER BY ${ORDER_BY[filter.ordering ?? '-created_at']}
    LIMIT ${page.take} OFFSET ${page.skip}`;
  return {
    count: rows[0]?.total ?? 0,
    results: rows.map(({ total: _total, image, ...product }) => ({ ...product, image: mediaUrl(mediaBaseUrl, image) })),
  };
}
