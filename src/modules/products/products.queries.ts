// The catalog's hot reads in SQL, on the driver through readRows (src/lib/pg.ts). Measured
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
import { readRows } from '../../lib/pg';
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
  category_id: number | null;
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
    'image', CASE WHEN p.image <> '' THEN ${mediaBaseUrl}::text || '/media/' || p.image END, 'category_id', p.category_id,
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
  const [row] = await readRows<{ json: string; updated_ms: number }>(db, Prisma.sql`
    SELECT ${productJson(mediaBaseUrl)}::text AS json, ${epochMs(Prisma.sql`p.updated_at`)} AS updated_ms
    FROM products p WHERE p.id = ${id}`);
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
//
// What a page costs does not grow with the catalog (tests/bench/catalog-growth.ts):
//   * the count is its own statement: without a search or price/stock filter
//     it is a sum over product_counts (kept by triggers), a few rows whatever
//     the catalog's size; otherwise a count that an index answers (the price
//     index, or the full-text index, whose bitmap skips the heap for pages
//     all-visible to everyone);
//   * the page is chosen by ids alone, in the index order of its ordering
//     (created_at, price or name, each with the id), then joined to the rows
//     it shows: page 500 reads 10,000 index entries, not 10,000 rows;
//   * page numbers reach the first MAX_PAGED_ROWS rows; beyond, a keyset
//     cursor (ProductCursor) goes on from the last row shown, at the cost of
//     any other page.

/** Page-number pages reach this many rows; `next` from there on is a cursor. */
export const MAX_PAGED_ROWS = 10_000;

/** The API's filters, the admin site's `max_stock`, and the categories a category filter stands for. */
export type ListFilter = Pick<ProductListQuery, 'search' | 'min_price' | 'max_price' | 'in_stock' | 'ordering'> & {
  max_stock?: number;
  /** A category and its descendants (categorySubtree). */
  categoryIds?: number[];
};

export type Ordering = NonNullable<ListFilter['ordering']>;

/** Where a keyset page starts: after (or, going back, before) this row in this ordering. */
export interface ProductCursor {
  ordering: Ordering;
  /** The row's value of the ordering's column, as the API shows it (price "7.50", an ISO time, a name). */
  value: string;
  id: number;
  direction: 'next' | 'previous';
}

interface OrderingSpec {
  column: Prisma.Sql;
  /** The column's value as a cursor keeps it, and back again as SQL. */
  cursorValue: (product: ProductJson) => string;
  castValue: (value: string) => Prisma.Sql;
  descending: boolean;
}

// The id tie-breaker keeps pages from repeating or skipping rows; the
// (price, id), (created_at, id) and (name, id) indexes serve these, in both
// directions. Qualified with `p.`: a bare `price` in ORDER BY would sort by
// the selected `price::text` ("10.00" < "5.00").
const ORDERINGS: Record<Ordering, OrderingSpec> = {
  price: { column: Prisma.sql`p.price`, cursorValue: (p) => p.price, castValue: (v) => Prisma.sql`${v}::numeric`, descending: false },
  '-price': { column: Prisma.sql`p.price`, cursorValue: (p) => p.price, castValue: (v) => Prisma.sql`${v}::numeric`, descending: true },
  name: { column: Prisma.sql`p.name`, cursorValue: (p) => p.name, castValue: (v) => Prisma.sql`${v}::text`, descending: false },
  '-name': { column: Prisma.sql`p.name`, cursorValue: (p) => p.name, castValue: (v) => Prisma.sql`${v}::text`, descending: true },
  created_at: { column: Prisma.sql`p.created_at`, cursorValue: (p) => p.created_at, castValue: (v) => Prisma.sql`${v}::timestamptz`, descending: false },
  '-created_at': { column: Prisma.sql`p.created_at`, cursorValue: (p) => p.created_at, castValue: (v) => Prisma.sql`${v}::timestamptz`, descending: true },
  // (stock, id): the admin's "low on stock", emptiest first.
  stock: { column: Prisma.sql`p.stock`, cursorValue: (p) => String(p.stock), castValue: (v) => Prisma.sql`${v}::int`, descending: false },
  '-stock': { column: Prisma.sql`p.stock`, cursorValue: (p) => String(p.stock), castValue: (v) => Prisma.sql`${v}::int`, descending: true },
};

export const DEFAULT_ORDERING: Ordering = '-created_at';

function orderBy(spec: OrderingSpec, reversed = false): Prisma.Sql {
  const direction = spec.descending !== reversed ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  return Prisma.sql`${spec.column} ${direction}, p.id ${direction}`;
}

/**
 * A search as a full-text query: each word (letters and digits; punctuation,
 * `%` and `_` separate words and match nothing) must appear in the name or
 * description; words of three or more characters also match the words they
 * begin ("kett" finds "Kettle"). The schema refuses searches with no word of
 * three characters, so no term can match most of the catalog's words.
 */
export function searchQuery(search: string): string | undefined {
  const words = searchWords(search);
  if (words.length === 0) return undefined;
  return words.map((word) => (word.length >= 3 ? `${word}:*` : word)).join(' & ');
}

/** The words of a search, lower-cased, at most 8 (more narrow nothing down a shopper would miss). */
export function searchWords(search: string): string[] {
  return (search.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
}

function conditions(filter: ListFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  const query = filter.search ? searchQuery(filter.search) : undefined;
  if (filter.search) where.push(query ? Prisma.sql`p.search_vector @@ to_tsquery('simple', ${query})` : Prisma.sql`false`);
  if (filter.categoryIds) where.push(Prisma.sql`p.category_id = ANY(${filter.categoryIds}::int[])`);
  if (filter.min_price) where.push(Prisma.sql`p.price >= ${filter.min_price}::numeric`);
  if (filter.max_price) where.push(Prisma.sql`p.price <= ${filter.max_price}::numeric`);
  if (filter.in_stock !== undefined) where.push(filter.in_stock ? Prisma.sql`p.stock > 0` : Prisma.sql`p.stock = 0`);
  if (filter.max_stock !== undefined) where.push(Prisma.sql`p.stock <= ${filter.max_stock}`);
  return where;
}

const whereOf = (where: Prisma.Sql[]) => (where.length ? Prisma.sql`WHERE ${Prisma.join(where, ' AND ')}` : Prisma.empty);

/** Only a search filters: the count comes from product_words. */
const onlySearch = (filter: ListFilter) =>
  Boolean(filter.search) && !filter.categoryIds && !filter.min_price && !filter.max_price && filter.in_stock === undefined && filter.max_stock === undefined;

/**
 * A search's count from product_words: each word's range of the btree
 * (a prefix for words of 3 or more, the word itself for shorter ones),
 * intersected when there are several. The same products the tsquery matches.
 */
function wordCount(search: string): Prisma.Sql {
  const ranges = searchWords(search).map((word) =>
    word.length >= 3
      ? Prisma.sql`SELECT product_id FROM product_words WHERE word LIKE ${`${word}%`}`
      : Prisma.sql`SELECT product_id FROM product_words WHERE word = ${word}`,
  );
  // One word may match several of a product's words ("kett": kettle, kettles): each product counts once.
  if (ranges.length === 1) return Prisma.sql`SELECT count(DISTINCT product_id)::int AS n FROM (${ranges[0]!}) matched`;
  return Prisma.sql`SELECT count(*)::int AS n FROM (${Prisma.join(ranges, ' INTERSECT ')}) matched`;
}

/** Only a price range filters: the count comes from product_price_counts. */
const onlyPrice = (filter: ListFilter) =>
  Boolean(filter.min_price || filter.max_price) && !filter.search && !filter.categoryIds && filter.in_stock === undefined && filter.max_stock === undefined;

/**
 * [min, max] as the whole price units inside it, from the counters, plus its
 * two partial end units, counted from the (price, id) index. An open end
 * reaches the lowest or highest price there can be.
 */
function priceRangeCount(min = '0.00', max = '99999999.99'): Prisma.Sql {
  return Prisma.sql`
    WITH bounds AS (SELECT ${min}::numeric AS lo, ${max}::numeric AS hi, floor(${min}::numeric)::int AS lo_unit, floor(${max}::numeric)::int AS hi_unit)
    SELECT ((SELECT coalesce(sum(c.products), 0) FROM product_price_counts c, bounds b WHERE c.bucket > b.lo_unit AND c.bucket < b.hi_unit)
          + (SELECT count(*) FROM products p, bounds b WHERE p.price >= b.lo AND p.price < b.lo_unit + 1 AND p.price <= b.hi)
          + (SELECT count(*) FROM products p, bounds b WHERE p.price >= greatest(b.hi_unit, b.lo_unit + 1) AND p.price <= b.hi AND p.price >= b.lo))::int AS n`;
}

/**
 * Exactly how many products match, never by reading the rows: from the
 * counters when only a category (or nothing) filters, from the price counters
 * for a price range alone, from product_words for a search alone, else
 * counted through an index (price, stock, or the GIN).
 */
export async function countProducts(db: Db, filter: ListFilter): Promise<number> {
  const onlyCategories = !filter.search && !filter.min_price && !filter.max_price && filter.in_stock === undefined && filter.max_stock === undefined;
  let statement: Prisma.Sql;
  if (onlyCategories) {
    statement = filter.categoryIds
      ? Prisma.sql`SELECT coalesce(sum(products), 0)::int AS n FROM product_counts WHERE bucket = ANY(${filter.categoryIds}::int[])`
      : Prisma.sql`SELECT coalesce(sum(products), 0)::int AS n FROM product_counts`;
  } else if (onlyPrice(filter)) {
    statement = priceRangeCount(filter.min_price, filter.max_price);
  } else if (onlySearch(filter) && searchWords(filter.search!).length > 0) {
    statement = wordCount(filter.search!);
  } else {
    statement = Prisma.sql`SELECT count(*)::int AS n FROM products p ${whereOf(conditions(filter))}`;
  }
  const [row] = await readRows<{ n: number }>(db, statement);
  return row?.n ?? 0;
}

/**
 * Below this many matches a search's page is picked from the matches
 * themselves (the GIN index, then a sort of those few); above it, by walking
 * the ordering's index and keeping matches, which finds a page quickly when
 * matches are common. PostgreSQL cannot tell the two apart for a prefix
 * (it guesses 2% of the catalog for any), so the count, taken first, decides.
 */
const FEW_MATCHES = 2_000;

export interface ProductPage {
  /** Rows matching the filter, exact. */
  count: number;
  results: ProductJson[];
}

export interface KeysetPage extends ProductPage {
  /** Whether rows follow the last one (or, for a page read backwards, precede the first). */
  more: boolean;
}

// The list stays rows, unlike the detail: PostgreSQL 15 escapes text into
// JSON a character at a time, and a page of long descriptions cost it more
// than Node saved (whole-machine CPU per page up by a fifth on the bench).
// The timestamps still come out as the API's text, so Node makes no Dates.
const pageColumns = Prisma.sql`p.id, p.name, p.description, p.price::text AS price, p.stock, p.image, p.category_id,
           ${isoTimestamp(Prisma.sql`p.created_at`)} AS created_at, ${isoTimestamp(Prisma.sql`p.updated_at`)} AS updated_at`;

type PageRow = Omit<ProductJson, 'image'> & { image: string | null };

const toJson = (mediaBaseUrl: string) => ({ image, ...product }: PageRow): ProductJson => ({ ...product, image: mediaUrl(mediaBaseUrl, image) });

/** The ids of a page, in the ordering's index order, or (few matches) from the matches themselves. */
function chosenIds(filter: ListFilter, spec: OrderingSpec, limit: number, offset: number, fewMatches: boolean): Prisma.Sql {
  const where = whereOf(conditions(filter));
  if (!fewMatches) return Prisma.sql`SELECT p.id FROM products p ${where} ORDER BY ${orderBy(spec)} LIMIT ${limit} OFFSET ${offset}`;
  return Prisma.sql`
    WITH matches AS MATERIALIZED (SELECT p.id, ${spec.column} AS key FROM products p ${where})
    SELECT p.id FROM matches p ORDER BY p.key ${spec.descending ? Prisma.sql`DESC` : Prisma.sql`ASC`}, p.id ${spec.descending ? Prisma.sql`DESC` : Prisma.sql`ASC`} LIMIT ${limit} OFFSET ${offset}`;
}

/**
 * A page by number (its offset at most MAX_PAGED_ROWS), and the count: side
 * by side, or for a search the count first, since it decides how the page is found.
 */
export async function selectProductPage(db: Db, filter: ListFilter, page: PageRequest, mediaBaseUrl: string): Promise<ProductPage> {
  const spec = ORDERINGS[filter.ordering ?? DEFAULT_ORDERING];
  const read = (fewMatches: boolean) => readRows<PageRow>(db, Prisma.sql`
      SELECT ${pageColumns}
      FROM (${chosenIds(filter, spec, page.take, page.skip, fewMatches)}) chosen
      JOIN products p ON p.id = chosen.id
      ORDER BY ${orderBy(spec)}`);
  let count: number;
  let rows: PageRow[];
  if (filter.search) {
    count = await countProducts(db, filter);
    rows = count === 0 || page.skip >= count ? [] : await read(count <= FEW_MATCHES);
  } else {
    [count, rows] = await Promise.all([countProducts(db, filter), read(false)]);
  }
  return { count, results: rows.map(toJson(mediaBaseUrl)) };
}

/** The page after (or before) a cursor's row, in the cursor's ordering: an index range, whatever the depth. */
export async function selectProductsAfter(db: Db, filter: ListFilter, cursor: ProductCursor, take: number, mediaBaseUrl: string): Promise<KeysetPage> {
  const spec = ORDERINGS[cursor.ordering];
  const backwards = cursor.direction === 'previous';
  const comparison = spec.descending !== backwards ? Prisma.sql`<` : Prisma.sql`>`;
  const where = [...conditions(filter), Prisma.sql`(${spec.column}, p.id) ${comparison} (${spec.castValue(cursor.value)}, ${cursor.id}::int)`];
  const [count, rows] = await Promise.all([
    countProducts(db, filter),
    readRows<PageRow>(db, Prisma.sql`
      SELECT ${pageColumns} FROM products p ${whereOf(where)}
      ORDER BY ${orderBy(spec, backwards)} LIMIT ${take + 1}`),
  ]);
  const shown = rows.slice(0, take);
  if (backwards) shown.reverse();
  return { count, results: shown.map(toJson(mediaBaseUrl)), more: rows.length > take };
}

/** The cursor that continues after (or goes back before) `product` in `ordering`. */
export function cursorAt(ordering: Ordering, product: ProductJson, direction: ProductCursor['direction']): ProductCursor {
  return { ordering, value: ORDERINGS[ordering].cursorValue(product), id: product.id, direction };
}
