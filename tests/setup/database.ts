// Each test starts from empty tables in this worker's own database.
import { closeDb, db, openDb } from '../../src/lib/db';
import { config } from '../../src/config';
import { takeContractViolations } from '../support/contract';

const TABLES = ['admin_log_entries', 'admin_sessions', 'idempotency_keys', 'order_items', 'orders', 'cart_items', 'products', 'categories', 'product_counts', 'product_price_counts', 'product_words', 'refresh_tokens', 'user_login_names', 'users', 'payment_events', 'refunds', 'payments', 'addresses', 'mail_outbox'];

beforeAll(() => {
  openDb(config.database.url!, 5);
});

beforeEach(async () => {
  await db().$executeRawUnsafe(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
});

// Any response that strayed from /openapi.json fails the test that caused it.
afterEach(() => {
  expect(takeContractViolations()).toEqual([]);
});

afterAll(async () => {
  await closeDb();
});
