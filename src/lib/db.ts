// One PrismaClient per process, opened once the database URL is known (it may
// come from an embedded PostgreSQL started at boot). Data access takes a
// `Db` parameter so a transaction can pass its `tx` down.
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { config } from '../config';
import { Prisma, PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient | Prisma.TransactionClient;

let client: PrismaClient | undefined;

export function openDb(url: string, poolSize = 10, connectTimeoutMs = config.database.connectTimeoutMs): PrismaClient {
  if (client) return client;
  // pg waits for ever, by default, both for a free pool connection and for a
  // new connection to open: with the database gone, requests would hang.
  // Bounded, either wait fails with an error the error handler answers 503.
  // The pool is ours so the catalog's hot reads (src/lib/pg.ts) can share it:
  // one set of connections, one configuration. The adapter ends it on $disconnect.
  pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: connectTimeoutMs });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  client = new PrismaClient({ adapter });
  return client;
}

let pool: Pool | undefined;

/**
 * The pg pool under `of`, when `of` is the process's client: reads given it
 * may go to the driver directly. A transaction's client (or another client)
 * has none, since its reads belong on its own connection.
 */
export function poolUnder(of: Db): Pool | undefined {
  return of === client ? pool : undefined;
}

export function db(): PrismaClient {
  if (!client) throw new Error('The database is not open: call openDb(url) at startup');
  return client;
}

export async function closeDb(): Promise<void> {
  const current = client;
  client = undefined;
  pool = undefined;
  await current?.$disconnect();
}

export { Prisma };
