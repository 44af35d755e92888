// The two servers under test, each in its own process: ours built the
// production way (`npm run build`, then `node dist/server.js`), and the bare
// yardstick transpiled to plain JavaScript (so neither carries ts-node or the
// TypeScript compiler in its memory). Peak RSS and CPU time come from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { findFreePort } from '../../src/lib/database/embedded';

const ROOT = path.resolve(__dirname, '../..');

export interface Served {
  name: string;
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** Production-like settings for both servers; throttles off, since they would answer 429s. */
export function serverEnv(databaseUrl: string, port: number, secret: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    LOG_LEVEL: 'info',
    MIGRATE_ON_START: 'false',
    AUTH_RATE_LIMIT_PER_MIN: '0',
    LOGIN_FAILURES_PER_ACCOUNT: '0',
    CURRENT_PASSWORD_ATTEMPTS: '0',
    // Buyers rotate, but a short run over few buyers would spend their order actions.
    ORDER_ACTIONS_PER_MINUTE: '0',
    BCRYPT_ROUNDS: '12',
    // The bench mints its tokens before a scenario; a run may outlast the 5-minute default.
    ACCESS_TOKEN_LIFETIME_SECONDS: '3600',
  };
}

/** How production starts node (package.json's start, the Dockerfile): the bench starts our server the same way. */
export const PRODUCTION_NODE_FLAGS: string[] = ['--heap-growing-percent=15', '--max-semi-space-size=8'];
export const PRODUCTION_MALLOC_ARENA_MAX = '2';

/** `npm run build` in `dir` (the repository, or BENCH_SERVER_DIR: e.g. an export of another commit). */
export function buildServer(dir: string): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startOurServer(dir: string, databaseUrl: string, secret: string, logFile: string): Promise<Served> {
  const port = await findFreePort();
  const log = openSync(logFile, 'w');
  // BENCH_NODE_FLAGS / BENCH_MALLOC_ARENA_MAX: try other memory settings than production's.
  const flags = (process.env.BENCH_NODE_FLAGS ?? PRODUCTION_NODE_FLAGS.join(' ')).split(' ').filter(Boolean);
  const env = { ...serverEnv(databaseUrl, port, secret), MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX ?? PRODUCTION_MALLOC_ARENA_MAX };
  const child = spawn(process.execPath, [...flags, 'dist/server.js'], { cwd: dir, env, stdio: ['ignore', log, log] });
  return ready('this server', child, port, () => readFileSync(logFile, 'utf8').slice(-2000));
}

export async function startBareServer(databaseUrl: string, secret: string, logFile: string): Promise<Served> {
  return startTranspiled('bare-server.ts', 'bare', databaseUrl, secret, logFile);
}

/** One rung of `npm run bench -- ladder` (ladder-server.ts): Express over pg, or over the Prisma client built in `serverDir`. */
export async function startLadderServer(rung: 'express-pg' | 'express-prisma', serverDir: string, databaseUrl: string, secret: string, logFile: string): Promise<Served> {
  return startTranspiled('ladder-server.ts', rung, databaseUrl, secret, logFile, { LADDER: rung, LADDER_SERVER_DIR: serverDir });
}

/** A one-file server from this folder, transpiled to plain JavaScript, in its own process. */
async function startTranspiled(source: string, name: string, databaseUrl: string, secret: string, logFile: string, extraEnv: Record<string, string> = {}): Promise<Served> {
  const js = ts.transpileModule(readFileSync(path.join(__dirname, source), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const dir = mkdtempSync(path.join(tmpdir(), 'shop-bench-'));
  const file = path.join(dir, source.replace(/\.ts$/, '.js'));
  writeFileSync(file, js);
  const port = await findFreePort();
  const log = openSync(logFile, 'w');
  const env = { ...serverEnv(databaseUrl, port, secret), NODE_PATH: path.join(ROOT, 'node_modules'), ...extraEnv };
  const child = spawn(process.execPath, [file], { cwd: ROOT, env, stdio: ['ignore', log, log] });
  const served = await ready(name, child, port, () => readFileSync(logFile, 'utf8').slice(-2000));
  return { ...served, stop: async () => { await served.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

async function ready(name: string, child: ChildProcess, port: number, output: () => string): Promise<Served> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited during start:\n${output()}`);
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become ready:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name,
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** VmHWM: the most resident memory the process has had since start or the last reset, in MB. */
export function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

const earlierPeaks = new Map<number, number>();

/** Starts VmHWM afresh from the current RSS (Linux 4.0+), so one scenario's peak is its own; the run's peak is kept. */
export function resetPeakRss(pid: number): void {
  earlierPeaks.set(pid, wholeRunPeakRssMb(pid));
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** The most resident memory the process has had since it started, across resets. */
export function wholeRunPeakRssMb(pid: number): number {
  return Math.max(earlierPeaks.get(pid) ?? 0, peakRssMb(pid));
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * Waits until the whole machine has been nearly idle (under 20% of a core)
 * for a second, at most 60 s: a scenario's leftovers, such as logins still
 * hashing on either server after their clients left, must not fall into the
 * next measurement.
 */
export async function settled(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const before = machineBusySeconds();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (machineBusySeconds() - before < 0.2 || Date.now() > deadline) return;
  }
}

/** CPU seconds the whole machine has been busy (every process, ours and anyone else's; steal included). */
export function machineBusySeconds(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** The machine a table was measured on. */
export function machine(postgresVersion: string): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? 'unknown CPU';
  const cores = cpuinfo.match(/^processor\s*:/gm)?.length ?? 0;
  const memory = Number(readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s*(\d+)/)?.[1] ?? 0) / 1024 / 1024;
  return `${model}, ${cores} cores, ${memory.toFixed(1)} GB RAM, Node ${process.version}, PostgreSQL ${postgresVersion}`;
}
