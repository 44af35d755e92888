// Drops every database this run created (the template, the workers' clones and
// any scratch databases named after the template), then stops an embedded server.
import { Client } from 'pg';
import { TEMPLATE_ENV, databaseName, databaseUrl } from '../support/test-databases';

export default async function globalTeardown(): Promise<void> {
  const templateUrl = process.env[TEMPLATE_ENV];
  if (templateUrl && !globalThis.__testPostgres?.embedded) {
    const admin = new Client({ connectionString: databaseUrl(templateUrl, 'postgres') });
    await admin.connect();
    try {
      const prefix = databaseName(templateUrl);
      const { rows } = await admin.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || '_')`,
        [prefix],
      );
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname.replace(/"/g, '""')}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  await globalThis.__testPostgres?.stop();
}
