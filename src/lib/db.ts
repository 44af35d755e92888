// One PrismaClient per process, opened once the database URL is known (it may
// come from an embedded PostgreSQL started at boot). Data access takes a
// `Db` parameter so a transaction can pass its `tx` down.
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient | Prisma.TransactionClient;

let client: PrismaClient | undefined;

export function openDb(url: string, poolSize = 10): PrismaClient {
  if (client) return client;
  const adapter = new PrismaPg({ connectionString: url, max: poolSize });
  client = new PrismaClient({ adapter });
  return client;
}

export function db(): PrismaClient {
  if (!client) throw new Error('The database is not open: call openDb(url) at startup');
  return client;
}

export async function closeDb(): Promise<void> {
  const current = client;
  client = undefined;
  await current?.$disconnect();
}

export { Prisma };
