// A scratch database for a benchmark: on BENCH_DATABASE_URL's server, else the
// local 127.0.0.1:5432, else an embedded PostgreSQL. Dropped by `drop()`.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/lib/database/embedded';
import { migrate } from '../../src/lib/database/migrator';
import { databaseUrl } from '../support/test-databases';

const LOCAL = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function benchDatabase() {
  let server = process.env.BENCH_DATABASE_URL ?? ((await answers(LOCAL)) ? LOCAL : undefined);
  let stopEmbedded = async () => undefined as void;
  if (!server) {
    const embedded = await startEmbeddedPostgres({ dir: path.join(mkdtempSync(path.join(tmpdir(), 'shop-bench-')), 'data'), port: 0, persistent: false });
    server = embedded.url('postgres');
    stopEmbedded = embedded.stop;
  }
  const name = `shop_bench_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl(server, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = databaseUrl(server, name);
  await migrate(url);
  return {
    url,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await stopEmbedded();
    },
  };
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;
