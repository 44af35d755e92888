// What one run of the expiry sweep costs, pinned: the statements it sends,
// read from Prisma's query log on a client of its own, and the plan of the
// statement that picks a batch, which must be served by the partial index of
// pending orders (orders_pending_created_at_idx), not a scan of all orders.
import { PrismaPg } from '@prisma/adapter-pg';
import { Client } from 'pg';
import { config } from '../../src/config';
import { PrismaClient } from '../../src/generated/prisma/client';
import { db } from '../../src/lib/db';
import { expireUnpaidOrders } from '../../src/modules/orders/order-expiry';
import { buildProduct, buildUser } from '../support/api';

interface LoggedQuery {
  query: string;
  params: string;
}

const loggingClient = () =>
  new PrismaClient({ adapter: new PrismaPg({ connectionString: config.database.url! }), log: [{ emit: 'event', level: 'query' }] });

let client: ReturnType<typeof loggingClient>;
let logged: LoggedQuery[] = [];

beforeAll(() => {
  client = loggingClient();
  client.$on('query', (event) => logged.push({ query: event.query, params: event.params }));
});

afterAll(() => client.$disconnect());

/** What a run sent, without the transaction control statements. */
async function statementsOf(run: () => Promise<unknown>): Promise<LoggedQuery[]> {
  logged = [];
  await run();
  return logged.filter(({ query }) => !/^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(query));
}

async function expiredOrders(count: number): Promise<void> {
  const user = await buildUser();
  const products = await Promise.all([1, 2].map(() => buildProduct({ stock: 10 })));
  for (let i = 0; i < count; i += 1) {
    await db().order.create({
      data: {
        userId: user.id,
        total: '20.00',
        createdAt: new Date(Date.now() - 3_600_000),
        items: { create: products.map((p) => ({ productId: p.id, productName: p.name, unitPrice: '10.00', quantity: 1 })) },
      },
    });
  }
}

const kinds = (statements: LoggedQuery[]) =>
  statements.map(({ query }) => {
    const text = query.replace(/\s+/g, ' ').trim();
    if (/^SELECT id FROM orders .* FOR UPDATE SKIP LOCKED$/.test(text)) return 'pick';
    if (/^UPDATE "public"\."orders"/.test(text)) return 'cancel';
    if (/^SELECT p\.id FROM products p .* FOR UPDATE$/.test(text)) return 'lock products';
    if (/^UPDATE products p SET stock/.test(text)) return 'restock';
    if (/^INSERT INTO mail_outbox/.test(text)) return 'queue mail';
    return text;
  });

describe('one sweep run', () => {
  it('is a single SELECT when nothing is due', async () => {
    const statements = await statementsOf(() => expireUnpaidOrders({ ttlSeconds: 1, client }));
    expect(kinds(statements)).toEqual(['pick']);
  });

  it('is five statements per batch (the customers\' mails one of them), whatever the batch holds, ending at the first batch that is not full', async () => {
    await expiredOrders(7);

    const statements = await statementsOf(async () => expect(await expireUnpaidOrders({ ttlSeconds: 1, client, batchSize: 5 })).toBe(7));

    const batch = ['pick', 'cancel', 'lock products', 'restock', 'queue mail'];
    expect(kinds(statements)).toEqual([...batch, ...batch]);
  });

  it('picks its batch through the partial index of pending orders', async () => {
    await expiredOrders(1);
    const [pick] = await statementsOf(() => expireUnpaidOrders({ ttlSeconds: 1, client }));
    const pg = new Client({ connectionString: config.database.url });
    await pg.connect();
    try {
      await pg.query('BEGIN');
      // A table this small is cheaper to scan: take that choice away to see the index serves the query.
      await pg.query('SET LOCAL enable_seqscan = off');
      const { rows } = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${pick!.query}`, JSON.parse(pick!.params));
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      // Either index of pending orders by age serves it: the partial one, or (status, created_at, id).
      expect(plan).toMatch(/Index (Only )?Scan (using|on) (orders_pending_created_at_idx|orders_status_created_at_id_idx)/);
      expect(plan).not.toMatch(/Seq Scan/);
    } finally {
      await pg.query('ROLLBACK');
      await pg.end();
    }
  });
});
