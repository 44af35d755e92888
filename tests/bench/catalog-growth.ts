// How the catalog's cost grows with its size: the same requests against 1,000
// and 1,000,000 products generated in SQL (names, 3% with a common word, 10
// with a rare one, paragraph-long descriptions, 50 categories when the schema
// has them), one request at a time through the real app, median of RUNS after
// a warm-up. The verdict is the ratio of the cost per request at 1M to that at
// 1k: at most 2x for the cheap reads, 5x for the common search and page 500.
//
//   npm run bench -- catalog-growth              both sizes
//   BENCH_GROWTH_SIZES=1000,100000 npm run bench -- catalog-growth
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { benchDatabase, ms } from './bench-database';
import { buildServer, startOurServer } from './processes';

const ROOT = path.resolve(__dirname, '../..');

const SIZES = (process.env.BENCH_GROWTH_SIZES ?? '1000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_GROWTH_RUNS ?? 15);
const WARMUP = 3;
const CATEGORIES = 50;
const COMMON_WORD = 'heirloom';
const RARE_WORD = 'zephyrine';

interface Probe {
  name: string;
  /** The most the cost at 1M may be, as a multiple of the cost at 1k. */
  target: number;
  path: (size: number, context: { categorySlug?: string; middleId: number }) => string | undefined;
}

const PROBES: Probe[] = [
  { name: 'list page 1', target: 2, path: () => '/api/products/' },
  { name: 'a price-ordered page', target: 2, path: () => '/api/products/?ordering=price&page=2' },
  { name: 'a category page', target: 2, path: (_s, c) => (c.categorySlug ? `/api/products/?category=${c.categorySlug}` : undefined) },
  // 1,000 products have 50 pages of 20: there, the deepest page is the last one.
  { name: 'page 500 (at 1k: the last, 50)', target: 5, path: (size) => `/api/products/?page=${Math.min(500, Math.ceil(size / 20))}` },
  { name: `search, common word (3%)`, target: 5, path: () => `/api/products/?search=${COMMON_WORD}` },
  { name: 'search, rare word (10 products)', target: 2, path: () => `/api/products/?search=${RARE_WORD}` },
  { name: 'price range 100-120', target: 2, path: () => '/api/products/?min_price=100&max_price=120' },
  { name: 'detail', target: 2, path: (_s, c) => `/api/products/${c.middleId}/` },
];

async function hasColumn(sql: Client, table: string, column: string): Promise<boolean> {
  const { rowCount } = await sql.query('SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', [table, column]);
  return (rowCount ?? 0) > 0;
}

/** Products in SQL; the table's secondary indexes are dropped first and built once after, as a bulk load would. */
export async function generateCatalog(sql: Client, size: number): Promise<{ categorySlug?: string; middleId: number }> {
  const withCategories = await hasColumn(sql, 'products', 'category_id');
  let categorySlug: string | undefined;
  if (withCategories) {
    // Ten top-level categories of four children each (50 in all); the probe asks for a top-level one with its subtree.
    await sql.query(`INSERT INTO categories (name, slug, parent_id) SELECT 'Department ' || i, 'department-' || i, NULL FROM generate_series(1, 10) i`);
    await sql.query(`INSERT INTO categories (name, slug, parent_id) SELECT 'Shelf ' || i, 'shelf-' || i, 1 + (i - 1) % 10 FROM generate_series(1, ${CATEGORIES - 10}) i`);
    categorySlug = 'department-3';
  }
  const indexes = (await sql.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'products' AND indexname <> 'products_pkey'`)).rows as { indexname: string; indexdef: string }[];
  for (const { indexname } of indexes) await sql.query(`DROP INDEX ${indexname}`);
  // The words table's keys too (its rows come from a trigger on the insert): built once, after.
  const withWords = await hasColumn(sql, 'product_words', 'word');
  if (withWords) {
    await sql.query('ALTER TABLE product_words DROP CONSTRAINT product_words_pkey, DROP CONSTRAINT product_words_product_id_fkey');
    await sql.query('DROP INDEX product_words_product_id_idx');
  }
  await sql.query(`
    INSERT INTO products (name, description, price, stock, updated_at ${withCategories ? ', category_id' : ''})
    SELECT (ARRAY['Walnut','Ceramic','Merino','Steel','Linen','Oak','Glass','Cotton'])[1 + i % 8] || ' ' ||
           (ARRAY['Kettle','Desk','Sweater','Lamp','Mug','Chair','Shelf','Towel','Bottle'])[1 + (i / 8) % 9] ||
           CASE WHEN i % 33 = 0 THEN ' ${COMMON_WORD}' ELSE '' END ||
           CASE WHEN i % ($1::int / 10) = 7 THEN ' ${RARE_WORD}' ELSE '' END || ' no. ' || i,
           'Made to last, for the home and the office. ' || repeat(md5(i::text) || ' ', 16) ||
           'Care: wipe clean with a soft cloth, keep away from direct heat, and it will serve for years.',
           (1 + (i::bigint * 7919) % 99900 / 100.0)::numeric(10,2), i % 40,
           now() - (($1::int - i) || ' seconds')::interval
           ${withCategories ? `, 1 + i % ${CATEGORIES}` : ''}
    FROM generate_series(1, $1::int) AS i`, [size]);
  await sql.query(`SET maintenance_work_mem = '1GB'`);
  for (const { indexdef } of indexes) await sql.query(indexdef);
  if (withWords) {
    await sql.query('ALTER TABLE product_words ADD CONSTRAINT product_words_pkey PRIMARY KEY (word, product_id)');
    await sql.query('CREATE INDEX product_words_product_id_idx ON product_words (product_id)');
    await sql.query('ALTER TABLE product_words ADD CONSTRAINT product_words_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE ON UPDATE CASCADE');
  }
  await sql.query(withWords ? 'VACUUM ANALYZE products, product_words' : 'VACUUM ANALYZE products');
  return { categorySlug, middleId: Math.ceil(size / 2) };
}

/** One request's time, whole (headers and body), ms, with its status and count. */
async function sample(base: string, path: string): Promise<{ ms: number; status: number; count?: number }> {
  const t0 = performance.now();
  const res = await fetch(base + path);
  const body = (await res.json()) as { count?: number };
  return { ms: performance.now() - t0, status: res.status, count: body.count };
}

interface Catalog {
  size: number;
  url: string;
  context: { categorySlug?: string; middleId: number };
  drop: () => Promise<void>;
}

async function prepare(size: number): Promise<Catalog> {
  const database = await benchDatabase();
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  try {
    const started = performance.now();
    const context = await generateCatalog(sql, size);
    console.log(`${size.toLocaleString('en')} products generated and indexed in ${ms(performance.now() - started)}`);
    return { size, url: database.url, context, drop: database.drop };
  } finally {
    await sql.end();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function catalogGrowthBench(): Promise<void> {
  const [small, large] = [Math.min(...SIZES), Math.max(...SIZES)];
  // Both catalogs exist at once, each behind its own production-built server,
  // and every probe alternates between them: a busy moment of the machine
  // falls on both sizes alike, so the ratio stays honest.
  const catalogs = [await prepare(small), await prepare(large)];
  buildServer(ROOT);
  const secret = randomBytes(32).toString('hex');
  const servers = await Promise.all(catalogs.map((c) => startOurServer(ROOT, c.url, secret, path.join(tmpdir(), `growth-${c.size}.log`))));
  const rows: { probe: Probe; results: { median: number; status: number; count?: number }[] }[] = [];
  try {
    for (const probe of PROBES) {
      const paths = catalogs.map((c) => probe.path(c.size, c.context));
      if (paths.some((p) => p === undefined)) continue;
      const times: number[][] = [[], []];
      const last: { status: number; count?: number }[] = [];
      for (let i = 0; i < WARMUP + RUNS; i += 1) {
        for (const side of [0, 1]) {
          const got = await sample(servers[side]!.url, paths[side]!);
          last[side] = got;
          if (i >= WARMUP) times[side]!.push(got.ms);
        }
      }
      rows.push({ probe, results: [0, 1].map((side) => ({ median: median(times[side]!), ...last[side]! })) });
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const c of catalogs) await c.drop();
  }
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));
  console.log(`\nOne request at a time, the two sizes alternating, median of ${RUNS} after ${WARMUP} warm-up requests, ms (count answered at each size):\n`);
  console.log(`| request | ${label(small)} | ${label(large)} | ratio | target | |`);
  console.log('|---|---:|---:|---:|---:|---|');
  let misses = 0;
  for (const { probe, results: [a, b] } of rows) {
    const ratio = b!.median / a!.median;
    const ok = ratio <= probe.target && a!.status === 200 && b!.status === 200;
    if (!ok) misses += 1;
    const statuses = a!.status === 200 && b!.status === 200 ? '' : ` (status ${a!.status} / ${b!.status})`;
    const counts = a!.count === undefined ? '' : ` (${a!.count} / ${b!.count})`;
    console.log(`| ${probe.name}${counts} | ${a!.median.toFixed(1)} | ${b!.median.toFixed(1)} | ${ratio.toFixed(2)}x | ${probe.target}x | ${ok ? 'met' : 'MISSED'}${statuses} |`);
  }
  const skipped = PROBES.length - rows.length;
  console.log(`\n${misses === 0 ? 'Every growth target met' : `${misses} growth targets missed`}${skipped ? `; ${skipped} not in this schema` : ''}.`);
}
