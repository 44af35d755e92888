// Each test starts from empty tables in this worker's own database.
import { closeDb, db, openDb } from '../../src/lib/db';
import { config } from '../../src/config';

const TABLES = ['idempotency_keys', 'order_items', 'orders', 'cart_items', 'products', 'refresh_tokens', 'users'];

beforeAll(() => {
  openDb(config.database.url!, 5);
});

beforeEach(async () => {
  await db().$executeRawUnsafe(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
});

afterAll(async () => {
  await closeDb();
});
