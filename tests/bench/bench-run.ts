// What every side-by-side bench does around its measurements: build the
// server, make a scratch database and seed it, then stop whatever servers
// were started, drop the database and the logs, whatever happened.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { benchDatabase } from './bench-database';
import { PRODUCTS, seed, type Seeded } from './bench-seed';
import { buildServer, machine, type Served } from './processes';
import { progress, SERVER_DIR } from './settings';

export interface BenchRun {
  sql: Client;
  data: Seeded;
  databaseUrl: string;
  secret: string;
  logFile: (name: string) => string;
  /** Stopped when the run ends. */
  started: (served: Served) => Served;
  /** The machine line for the table. */
  machine: () => Promise<string>;
}

export async function benchRun(work: (run: BenchRun) => Promise<void>): Promise<void> {
  progress(`building the server in ${SERVER_DIR} ...`);
  buildServer(SERVER_DIR);
  const database = await benchDatabase(path.join(SERVER_DIR, 'prisma/migrations'));
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  const logs = mkdtempSync(path.join(tmpdir(), 'shop-bench-logs-'));
  const servers: Served[] = [];
  try {
    const secret = randomBytes(32).toString('hex');
    const data = await seed(sql, secret);
    const load = loadavg()[0]!;
    progress(`seeded ${PRODUCTS} products, ${data.tokens.length} buyers; load average ${load.toFixed(2)}${load > 0.5 ? ' (the machine is not idle: numbers will be noisy)' : ''}`);
    await work({
      sql, data, databaseUrl: database.url, secret,
      logFile: (name) => path.join(logs, `${name}.log`),
      started: (served) => {
        servers.push(served);
        return served;
      },
      machine: async () => machine((await sql.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version),
    });
  } finally {
    for (const served of servers) await served.stop();
    await sql.end();
    await database.drop();
    rmSync(logs, { recursive: true, force: true });
  }
}
