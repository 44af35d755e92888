// Picks the PostgreSQL for the suite: TEST_DATABASE_URL's server if set, else
// the local server on 127.0.0.1:5432 if it answers, else an embedded one. Then
// migrates a template database and clones one database per worker from it.
// Names carry a per-run suffix, so two runs at once never meet, and the
// teardown drops them; no other database is touched.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Config } from 'jest';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/lib/database/embedded';
import { migrate } from '../../src/lib/database/migrator';
import { TEMPLATE_ENV, databaseName, databaseUrl, workerDatabaseUrl } from '../support/test-databases';

const LOCAL_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';
const TEST_DATABASE = 'shop_test';

declare global {
  // eslint-disable-next-line no-var
  var __embeddedTestDb: EmbeddedDatabase | undefined;
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function chooseServer(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (await answers(LOCAL_SERVER)) return databaseUrl(LOCAL_SERVER, TEST_DATABASE);
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-test-pg-'));
  globalThis.__embeddedTestDb = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: 0, persistent: false });
  return globalThis.__embeddedTestDb.url(TEST_DATABASE);
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export default async function globalSetup(config: Config): Promise<void> {
  const serverUrl = await chooseServer();
  const templateUrl = databaseUrl(serverUrl, `${databaseName(serverUrl)}_${randomBytes(3).toString('hex')}`);
  const admin = new Client({ connectionString: databaseUrl(templateUrl, 'postgres') });
  await admin.connect();
  try {
    const template = databaseName(templateUrl);
    await admin.query(`CREATE DATABASE ${ident(template)}`);
    await migrate(templateUrl);
    const workers = Math.max(1, Number(config.maxWorkers ?? 1));
    for (let worker = 1; worker <= workers; worker += 1) {
      await admin.query(`CREATE DATABASE ${ident(databaseName(workerDatabaseUrl(templateUrl, worker)))} TEMPLATE ${ident(template)}`);
    }
  } finally {
    await admin.end();
  }
  process.env[TEMPLATE_ENV] = templateUrl;
}
