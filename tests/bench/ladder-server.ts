// The rungs between the bare yardstick and our server, for `npm run bench --
// ladder`: the product read with Express and no middleware over pg
// (LADDER=express-pg), then the same over the Prisma client built from src
// (LADDER=express-prisma, $queryRaw as products.queries.ts runs it). Each
// answers exactly what bare-server.ts answers. Nothing here is our server's
// code path except the Prisma client and the HTTP server it listens with: the
// point is what Express and Prisma cost before any middleware, validation or
// logging is added.
import path from 'node:path';
import express from 'express';
import { Pool } from 'pg';

const env = process.env;
const PUBLIC_URL = env.PUBLIC_URL!;
const SQL = 'SELECT id, name, description, price, stock, image, created_at, updated_at FROM products WHERE id = $1';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const product = (p: Row) => ({
  id: p.id, name: p.name, description: p.description, price: String(p.price), stock: p.stock,
  image: p.image ? `${PUBLIC_URL}/media/${p.image}` : null, created_at: new Date(p.created_at).toISOString(), updated_at: new Date(p.updated_at).toISOString(),
});

function readProduct(): (id: number) => Promise<Row | undefined> {
  if (env.LADDER === 'express-pg') {
    const pool = new Pool({ connectionString: env.DATABASE_URL, max: 10 });
    return async (id) => (await pool.query(SQL, [id])).rows[0];
  }
  // The server's own build: dist/lib/db.js opens the same Prisma client, adapter and pool.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openDb } = require(path.join(env.LADDER_SERVER_DIR!, 'dist/lib/db.js'));
  const db = openDb(env.DATABASE_URL);
  return async (id) => (await db.$queryRawUnsafe(SQL.replace('price', 'price::text AS price'), id))[0];
}

const read = readProduct();
const app = express();
app.set('etag', false);
app.get('/ready', (_req, res) => {
  res.json({ status: 'ready' });
});
app.get('/api/products/:id/', async (req, res) => {
  const row = await read(Number(req.params.id));
  if (!row) return void res.status(404).json({ detail: 'No product matches the given query.' });
  res.setHeader('ETag', `"${row.id}-${new Date(row.updated_at).getTime()}"`);
  res.json(product(row));
});
// Served the way src/server.ts serves our app (requests built from Express's
// own prototypes), so the rungs differ by one layer each and not also by
// Express's per-request re-parenting, which our server no longer pays.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createHttpServer } = require(path.join(env.LADDER_SERVER_DIR!, 'dist/http/http-server.js'));
createHttpServer(app).listen(Number(env.PORT), env.HOST ?? '127.0.0.1');
