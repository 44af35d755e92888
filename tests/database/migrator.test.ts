// The migrator against scratch databases on the test server: each test gets a
// fresh, empty database of its own (dropped afterwards) and, where it needs
// one, its own folder of small migrations in Prisma's layout.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../../src/lib/database/migrator';
import { TEMPLATE_ENV, databaseName, databaseUrl } from '../support/test-databases';

const templateUrl = process.env[TEMPLATE_ENV]!;
const scratchPrefix = `${databaseName(templateUrl)}_mig_${process.env.JEST_WORKER_ID ?? '1'}_`;

let admin: Client;
let created: string[] = [];
let folders: string[] = [];
let counter = 0;

beforeAll(async () => {
  admin = new Client({ connectionString: databaseUrl(templateUrl, 'postgres') });
  await admin.connect();
});

afterEach(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  created = [];
  folders = [];
});

afterAll(async () => {
  await admin.end();
});

/** A new empty database; returns its URL. */
async function scratchDatabase(): Promise<string> {
  counter += 1;
  const name = `${scratchPrefix}${counter}`;
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  created.push(name);
  return databaseUrl(templateUrl, name);
}

function migrationsFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-migrations-'));
  folders.push(dir);
  return dir;
}

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

async function query<T extends object = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ table_name: string }>(
    url,
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

async function appliedNames(url: string): Promise<string[]> {
  const rows = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name');
  return rows.map((row) => row.migration_name);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('readMigrations', () => {
  it('reads only folders holding a migration.sql, in name order, each with the SHA-256 of its file', () => {
    const dir = migrationsFolder();
    writeMigration(dir, '20240102000000_second', 'CREATE TABLE b (id int);');
    writeMigration(dir, '20240101000000_first', 'CREATE TABLE a (id int);');
    mkdirSync(path.join(dir, '20240103000000_empty'));
    writeFileSync(path.join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');

    const migrations = readMigrations(dir);

    expect(migrations).toEqual([
      { name: '20240101000000_first', sql: 'CREATE TABLE a (id int);', checksum: sha256('CREATE TABLE a (id int);') },
      { name: '20240102000000_second', sql: 'CREATE TABLE b (id int);', checksum: sha256('CREATE TABLE b (id int);') },
    ]);
  });
});

describe('migrate', () => {
  it('applies the project migrations to an empty database and records them the way Prisma does', async () => {
    const url = await scratchDatabase();
    const onDisk = readMigrations();

    const applied = await migrate(url);

    expect(applied).toEqual(onDisk.map((m) => m.name));
    expect(await tables(url)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'users', 'refresh_tokens', 'products', 'cart_items', 'orders', 'order_items', 'idempotency_keys']),
    );
    const rows = await query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows).toHaveLength(onDisk.length);
    rows.forEach((row, i) => {
      const file = readFileSync(path.join(MIGRATIONS_DIR, onDisk[i]!.name, 'migration.sql'));
      expect(row).toMatchObject({
        migration_name: onDisk[i]!.name,
        checksum: createHash('sha256').update(file).digest('hex'),
        applied_steps_count: 1,
        rolled_back_at: null,
      });
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.started_at).toBeInstanceOf(Date);
    });
  });

  it('creates _prisma_migrations with the column types Prisma expects', async () => {
    const url = await scratchDatabase();

    await migrate(url);

    const columns = await query<{ column_name: string; data_type: string; character_maximum_length: number | null; is_nullable: string; column_default: string | null }>(
      url,
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = '_prisma_migrations'`,
    );
    const byName = Object.fromEntries(columns.map((c) => [c.column_name, c]));
    expect(Object.keys(byName).sort()).toEqual(
      ['applied_steps_count', 'checksum', 'finished_at', 'id', 'logs', 'migration_name', 'rolled_back_at', 'started_at'],
    );
    expect(byName.id).toMatchObject({ data_type: 'character varying', character_maximum_length: 36, is_nullable: 'NO' });
    expect(byName.checksum).toMatchObject({ data_type: 'character varying', character_maximum_length: 64, is_nullable: 'NO' });
    expect(byName.migration_name).toMatchObject({ data_type: 'character varying', character_maximum_length: 255, is_nullable: 'NO' });
    expect(byName.finished_at).toMatchObject({ data_type: 'timestamp with time zone', is_nullable: 'YES' });
    expect(byName.rolled_back_at).toMatchObject({ data_type: 'timestamp with time zone', is_nullable: 'YES' });
    expect(byName.started_at).toMatchObject({ data_type: 'timestamp with time zone', is_nullable: 'NO', column_default: 'now()' });
    expect(byName.applied_steps_count).toMatchObject({ data_type: 'integer', is_nullable: 'NO', column_default: '0' });
    expect(byName.logs).toMatchObject({ data_type: 'text', is_nullable: 'YES' });
  });

  it('does nothing on a second run: returns [] and records no duplicate rows', async () => {
    const url = await scratchDatabase();
    await migrate(url);
    const before = await query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');

    const applied = await migrate(url);

    expect(applied).toEqual([]);
    expect(await query(url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name')).toEqual(before);
  });

  it('refuses to run when an applied migration was edited afterwards, naming it, and changes nothing', async () => {
    const url = await scratchDatabase();
    const dir = migrationsFolder();
    writeMigration(dir, '20240101000000_create_notes', 'CREATE TABLE notes (id int);');
    await migrate(url, dir);
    writeMigration(dir, '20240101000000_create_notes', 'CREATE TABLE notes (id int);\nCREATE TABLE edited (id int);');
    writeMigration(dir, '20240102000000_create_tags', 'CREATE TABLE tags (id int);');

    const run = migrate(url, dir);

    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(/20240101000000_create_notes.*changed/);
    expect(await tables(url)).toEqual(['_prisma_migrations', 'notes']);
    expect(await appliedNames(url)).toEqual(['20240101000000_create_notes']);
  });

  it('refuses to run past a migration recorded as started but never finished', async () => {
    const url = await scratchDatabase();
    const dir = migrationsFolder();
    writeMigration(dir, '20240101000000_create_notes', 'CREATE TABLE notes (id int);');
    await migrate(url, dir);
    await query(url, 'UPDATE "_prisma_migrations" SET finished_at = NULL');
    writeMigration(dir, '20240102000000_create_tags', 'CREATE TABLE tags (id int);');

    await expect(migrate(url, dir)).rejects.toThrow(/20240101000000_create_notes.*never finished/);

    expect(await tables(url)).not.toContain('tags');
  });

  it('rolls a failing migration back completely, keeps the earlier ones, and applies it once fixed', async () => {
    const url = await scratchDatabase();
    const dir = migrationsFolder();
    writeMigration(dir, '20240101000000_create_notes', 'CREATE TABLE notes (id int);');
    writeMigration(dir, '20240102000000_create_tags', 'CREATE TABLE tags (id int);\nINSERT INTO no_such_table VALUES (1);');
    writeMigration(dir, '20240103000000_create_labels', 'CREATE TABLE labels (id int);');

    const failed = migrate(url, dir);

    await expect(failed).rejects.toBeInstanceOf(MigrationError);
    await expect(failed).rejects.toThrow(/20240102000000_create_tags.*no_such_table/);
    expect(await tables(url)).toEqual(['_prisma_migrations', 'notes']);
    expect(await appliedNames(url)).toEqual(['20240101000000_create_notes']);

    writeMigration(dir, '20240102000000_create_tags', 'CREATE TABLE tags (id int);');
    const applied = await migrate(url, dir);

    expect(applied).toEqual(['20240102000000_create_tags', '20240103000000_create_labels']);
    expect(await tables(url)).toEqual(['_prisma_migrations', 'labels', 'notes', 'tags']);
  });

  it('applies each migration exactly once when two processes migrate the same fresh database at once', async () => {
    const url = await scratchDatabase();
    const dir = migrationsFolder();
    // Without IF NOT EXISTS, a second application would fail loudly.
    writeMigration(dir, '20240101000000_slow', 'SELECT pg_sleep(0.5);\nCREATE TABLE slow (id int);');
    writeMigration(dir, '20240102000000_after', 'CREATE TABLE after_slow (id int);');

    const results = await Promise.all([migrate(url, dir), migrate(url, dir)]);

    expect(results.flat().sort()).toEqual(['20240101000000_slow', '20240102000000_after'].sort());
    expect(results.some((names) => names.length === 0)).toBe(true);
    expect(await appliedNames(url)).toEqual(['20240101000000_slow', '20240102000000_after']);
    expect(await tables(url)).toEqual(['_prisma_migrations', 'after_slow', 'slow']);
  });

  it('applies migrations added later on the next run, in timestamp order', async () => {
    const url = await scratchDatabase();
    const dir = migrationsFolder();
    writeMigration(dir, '20240101000000_create_notes', 'CREATE TABLE notes (id int);');
    await migrate(url, dir);
    // Written newest first: the second depends on the first, so only name order works.
    writeMigration(dir, '20240103000000_index_notes_title', 'CREATE INDEX notes_title_idx ON notes (title);');
    writeMigration(dir, '20240102000000_add_notes_title', 'ALTER TABLE notes ADD COLUMN title text;');

    const applied = await migrate(url, dir);

    expect(applied).toEqual(['20240102000000_add_notes_title', '20240103000000_index_notes_title']);
    expect(await appliedNames(url)).toEqual([
      '20240101000000_create_notes',
      '20240102000000_add_notes_title',
      '20240103000000_index_notes_title',
    ]);
    const [index] = await query(url, `SELECT indexname FROM pg_indexes WHERE tablename = 'notes'`);
    expect(index).toEqual({ indexname: 'notes_title_idx' });
  });

  it('gives every login name to one account, renaming the later of existing clashes, and keeps the users', async () => {
    const url = await scratchDatabase();
    const before = migrationsFolder();
    for (const { name } of readMigrations().filter((m) => m.name < '20261202000000_login_names')) {
      writeMigration(before, name, readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8'));
    }
    await migrate(url, before);
    const users = [
      ['boss', 'boss@example.com'],
      ['Boss', 'boss2@example.com'],
      ['BOSS', 'boss3@example.com'],
      ['victim', 'victim@example.com'],
      ['VICTIM@example.com', 'lookalike@example.com'],
      ['self@example.com', 'Self@example.com'],
      ['boss-2', 'boss7@example.com'],
    ];
    for (const [username, email] of users) {
      await query(url, `INSERT INTO users (username, email, password_hash, updated_at) VALUES ($1, $2, 'x', now())`, [username, email]);
    }

    await migrate(url);

    const after = await query<{ id: number; username: string; email: string }>(url, 'SELECT id, username, email FROM users ORDER BY id');
    expect(after.map((u) => u.username)).toEqual(['boss', 'Boss-2-1', 'BOSS-3', 'victim', 'VICTIM@example.com-5', 'self@example.com', 'boss-2']);
    expect(after.map((u) => u.email)).toEqual(users.map(([, email]) => email));
    const names = await query<{ count: string }>(url, 'SELECT count(*) FROM user_login_names');
    expect(Number(names[0]!.count)).toBe(13); // seven usernames and seven emails, less self@example.com's one name
  });
});
