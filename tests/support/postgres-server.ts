// Which PostgreSQL server the suite and the benchmarks use: an explicit URL,
// else the machine's server on 127.0.0.1:5432 if it answers, else an embedded
// one in a temporary folder (stopped and removed by `stop`).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/lib/database/embedded';
import { databaseUrl } from './test-databases';

const LOCAL_SERVER = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface PostgresServer {
  /** A URL on that server whose database name is `database`. */
  url: string;
  embedded: boolean;
  stop: () => Promise<void>;
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

export async function pickPostgresServer(explicitUrl: string | undefined, database: string): Promise<PostgresServer> {
  if (explicitUrl) return { url: explicitUrl, embedded: false, stop: async () => undefined };
  if (await answers(LOCAL_SERVER)) return { url: databaseUrl(LOCAL_SERVER, database), embedded: false, stop: async () => undefined };
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-pg-'));
  chmodSync(dir, 0o755); // mkdtemp makes it 0700; PostgreSQL runs as another OS user
  const embedded = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: 0, persistent: false });
  const stop = async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: embedded.url(database), embedded: true, stop };
}
