// The superusers migration on a database that already has accounts: every
// staff member becomes a superuser, since all of them could manage staff
// before, so no shop is left without one; customers do not, and the database
// refuses a superuser who is not staff.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../src/lib/database/migrator';
import { TEMPLATE_ENV, databaseName, databaseUrl } from '../support/test-databases';

const SUPERUSERS = '20261203040000_superusers';
const templateUrl = process.env[TEMPLATE_ENV]!;
const scratch = `${databaseName(templateUrl)}_superusers_${process.env.JEST_WORKER_ID ?? '1'}`;

let admin: Client;
let dir: string;

beforeAll(async () => {
  admin = new Client({ connectionString: databaseUrl(templateUrl, 'postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${scratch}"`);
  dir = mkdtempSync(path.join(tmpdir(), 'shop-superusers-'));
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Copies the repository's migrations that `keep` picks into the scratch folder. */
function copyMigrations(keep: (name: string) => boolean): void {
  for (const name of readdirSync(MIGRATIONS_DIR)) {
    if (/^\d{14}_/.test(name) && keep(name)) cpSync(path.join(MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
  }
}

it('makes every existing staff member a superuser, active or not, and no customer', async () => {
  const url = databaseUrl(templateUrl, scratch);
  copyMigrations((name) => name < SUPERUSERS);
  await migrate(url, dir);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      INSERT INTO users (username, email, password_hash, is_staff, is_active, updated_at) VALUES
        ('owner', 'owner@example.com', 'x', true, true, now()),
        ('former', 'former@example.com', 'x', true, false, now()),
        ('buyer', 'buyer@example.com', 'x', false, true, now())`);

    copyMigrations((name) => name === SUPERUSERS);
    expect(await migrate(url, dir)).toEqual([SUPERUSERS]);

    const { rows } = await client.query('SELECT username, is_superuser FROM users ORDER BY id');
    expect(rows).toEqual([
      { username: 'owner', is_superuser: true },
      { username: 'former', is_superuser: true },
      { username: 'buyer', is_superuser: false },
    ]);
    await expect(client.query(`UPDATE users SET is_superuser = true WHERE username = 'buyer'`)).rejects.toThrow(/users_superuser_is_staff/);
    await expect(client.query(`UPDATE users SET is_staff = false WHERE username = 'owner'`)).rejects.toThrow(/users_superuser_is_staff/);
  } finally {
    await client.end();
  }
});
