// A scratch database for a benchmark: on BENCH_DATABASE_URL's server, else the
// local 127.0.0.1:5432, else an embedded PostgreSQL. Dropped by `drop()`.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrate } from '../../src/lib/database/migrator';
import { pickPostgresServer } from '../support/postgres-server';
import { databaseUrl } from '../support/test-databases';

/** `migrations`: another checkout's prisma/migrations, when benchmarking that checkout's server. */
export async function benchDatabase(migrations?: string) {
  const server = await pickPostgresServer(process.env.BENCH_DATABASE_URL, 'postgres');
  const name = `shop_bench_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl(server.url, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = databaseUrl(server.url, name);
  await migrate(url, migrations);
  return {
    url,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await server.stop();
    },
  };
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;
