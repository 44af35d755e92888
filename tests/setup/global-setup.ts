// Picks the PostgreSQL for the suite: TEST_DATABASE_URL if set, else the local
// server on 127.0.0.1:5432 if it answers, else an embedded one. Then migrates a
// template database and clones one database per worker from it. Only databases
// named after the test database are ever created or dropped.
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

async function chooseTemplateUrl(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  if (await answers(LOCAL_SERVER)) return databaseUrl(LOCAL_SERVER, TEST_DATABASE);
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-test-pg-'));
  globalThis.__embeddedTestDb = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: 0, persistent: false });
  return globalThis.__embeddedTestDb.url(TEST_DATABASE);
}

async function recreate(admin: Client, name: string, template?: string): Promise<void> {
  const ident = `"${name.replace(/"/g, '""')}"`;
  await admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${ident}${template ? ` TEMPLATE "${template.replace(/"/g, '""')}"` : ''}`);
}

export default async function globalSetup(config: Config): Promise<void> {
  const templateUrl = await chooseTemplateUrl();
  const admin = new Client({ connectionString: databaseUrl(templateUrl, 'postgres') });
  await admin.connect();
  try {
    const template = databaseName(templateUrl);
    await recreate(admin, template);
    await migrate(templateUrl);
    const workers = Math.max(1, Number(config.maxWorkers ?? 1));
    for (let worker = 1; worker <= workers; worker += 1) {
      await recreate(admin, databaseName(workerDatabaseUrl(templateUrl, worker)), template);
    }
  } finally {
    await admin.end();
  }
  process.env[TEMPLATE_ENV] = templateUrl;
}
