// Picks the PostgreSQL for the suite: TEST_DATABASE_URL's server if set, else
// the local server on 127.0.0.1:5432 if it answers, else an embedded one. Then
// migrates a template database and clones one database per worker from it.
// Names carry a per-run suffix, so two runs at once never meet, and the
// teardown drops them; no other database is touched.
import { randomBytes } from 'node:crypto';
import type { Config } from 'jest';
import { Client } from 'pg';
import { migrate } from '../../src/lib/database/migrator';
import { pickPostgresServer, type PostgresServer } from '../support/postgres-server';
import { TEMPLATE_ENV, databaseName, databaseUrl, workerDatabaseUrl } from '../support/test-databases';

declare global {
  // eslint-disable-next-line no-var
  var __testPostgres: PostgresServer | undefined;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export default async function globalSetup(config: Config): Promise<void> {
  globalThis.__testPostgres = await pickPostgresServer(process.env.TEST_DATABASE_URL, 'shop_test');
  const serverUrl = globalThis.__testPostgres.url;
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
