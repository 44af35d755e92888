// `npm start` on a machine with no DATABASE_URL: the server starts its own
// PostgreSQL, migrates it, seeds the demo shop, and a SIGKILLed run's leftover
// postmaster does not stop the next start.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { config } from '../../src/config';
import { startServerProcess } from '../support/server-process';

describe('starting without DATABASE_URL', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'shop-embedded-start-'));
  chmodSync(root, 0o755); // the postgres OS user must reach the data folder
  const dataDir = path.join(root, 'postgres');
  const env = { NODE_ENV: 'development', DATABASE_URL: '', EMBEDDED_DB_DIR: dataDir, MIGRATE_ON_START: 'true', UPLOAD_DIR: path.join(root, 'uploads') };

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function productCount(url: string): Promise<number> {
    return ((await (await fetch(`${url}/api/products/`)).json()) as { count: number }).count;
  }

  it('serves a migrated, seeded demo shop whose admin can log in, and survives a SIGKILL', async () => {
    const first = await startServerProcess({ env });
    const count = await productCount(first.url);
    expect(count).toBeGreaterThanOrEqual(50);
    const { username, password } = config.demoAdmin;
    const login = await fetch(`${first.url}/api/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(login.status).toBe(200);
    expect((await fetch(`${first.url}/docs/`)).status).toBe(200);

    // A crash leaves the postmaster running and holding the data folder.
    first.signal('SIGKILL');
    await first.exited;
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(true);

    const second = await startServerProcess({ env });
    expect(await productCount(second.url)).toBe(count);
    await second.stop();
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);

    // A clean stop and start: still the same data, the seed adds nothing twice.
    const third = await startServerProcess({ env });
    expect(await productCount(third.url)).toBe(count);
    await third.stop();
  }, 120_000);
});

describe('a production start without DATABASE_URL', () => {
  it('refuses, naming DATABASE_URL, and never starts the embedded database with its demo admin', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'shop-production-start-'));
    try {
      const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/server.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env: {
          ...process.env,
          NODE_ENV: 'production',
          DATABASE_URL: '',
          JWT_SECRET: 'x'.repeat(40),
          PUBLIC_URL: 'https://shop.example.com',
          EMBEDDED_DB_DIR: path.join(root, 'postgres'),
          LOG_LEVEL: 'info',
          PORT: '0',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr + run.stdout).toMatch(/DATABASE_URL is required/);
      expect(run.stderr + run.stdout).not.toMatch(/Demo admin|shop-admin-demo/);
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
