// `npm run bench -- ladder`: the product read (the side-by-side "detail"
// scenario) up the ladder from the bare yardstick to our server, one layer
// at a time: node:http + pg, Express + pg, Express + the Prisma client, then
// our server with its middleware, validation and logging. Each rung's ratio
// to the bare one says what that layer costs on this machine; it is how issue
// 9's floor for the detail was found to sit below 0.5x with Express and
// Prisma alone, before anything of ours runs.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { benchDatabase } from './bench-database';
import { reset, seed } from './bench-seed';
import { measure, type Measured } from './load';
import { buildServer, machine, startBareServer, startLadderServer, startOurServer, type Served } from './processes';
import { detailLoad } from './side-by-side';

const env = process.env;
const SECONDS = Number(env.BENCH_SECONDS ?? 8);
const WARMUP = Number(env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 2);
const SERVER_DIR = path.resolve(env.BENCH_SERVER_DIR ?? path.join(__dirname, '../..'));
const progress = (line: string) => process.stderr.write(`${line}\n`);

const RUNGS = [
  ['bare', 'node:http + pg (the yardstick)'],
  ['express-pg', 'Express, no middleware, + pg'],
  ['express-prisma', 'Express, no middleware, + Prisma `$queryRaw`'],
  ['this server', 'this server (middleware, validation, logging, ETag)'],
] as const;

export async function ladderBench(): Promise<void> {
  progress(`building the server in ${SERVER_DIR} ...`);
  buildServer(SERVER_DIR);
  const database = await benchDatabase(path.join(SERVER_DIR, 'prisma/migrations'));
  const sql = new Client({ connectionString: database.url });
  await sql.connect();
  const logs = mkdtempSync(path.join(tmpdir(), 'shop-bench-logs-'));
  const servers = new Map<string, Served>();
  try {
    const secret = randomBytes(32).toString('hex');
    const data = await seed(sql, secret);
    await reset(sql, { carts: false });
    const log = (name: string) => path.join(logs, `${name}.log`);
    servers.set('bare', await startBareServer(database.url, secret, log('bare')));
    servers.set('express-pg', await startLadderServer('express-pg', SERVER_DIR, database.url, secret, log('express-pg')));
    servers.set('express-prisma', await startLadderServer('express-prisma', SERVER_DIR, database.url, secret, log('express-prisma')));
    servers.set('this server', await startOurServer(SERVER_DIR, database.url, secret, log('server')));
    progress(`load average ${loadavg()[0]!.toFixed(2)}${loadavg()[0]! > 0.5 ? ' (the machine is not idle: numbers will be noisy)' : ''}`);

    // Rounds interleave the rungs, so a slow patch of the machine does not fall on one rung alone.
    const runs = new Map<string, Measured[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name] of RUNGS) {
        const served = servers.get(name)!;
        if (WARMUP > 0) await measure(served.url, served.pid, detailLoad(data), CONNECTIONS, WARMUP);
        const result = await measure(served.url, served.pid, detailLoad(data), CONNECTIONS, SECONDS);
        runs.set(name, [...(runs.get(name) ?? []), result]);
        progress(`  round ${round}, ${name}: ${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${cpuPerRequest(result).toFixed(0)} us CPU/request`);
      }
    }
    const best = (name: string) => runs.get(name)!.reduce((a, b) => (b.rps > a.rps ? b : a));
    const bare = best('bare');
    const lines = [
      `\`GET /api/products/{id}/\` for random ids, ${CONNECTIONS} connections, ${SECONDS} s per run, best of ${ROUNDS} interleaved rounds.`,
      '',
      '| rung | req/s | ratio to bare | p50 / p99 ms | server CPU per request |',
      '|---|---:|---:|---:|---:|',
      ...RUNGS.map(([name, label]) => {
        const m = best(name);
        return `| ${label} | ${m.rps.toFixed(0)} | ${(m.rps / bare.rps).toFixed(2)}x | ${m.p50} / ${m.p99} | ${cpuPerRequest(m).toFixed(0)} us |`;
      }),
      '',
      `Machine: ${machine((await sql.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version)}.`,
    ];
    console.log(`\n${lines.join('\n')}`);
  } finally {
    for (const served of servers.values()) await served.stop();
    await sql.end();
    await database.drop();
    rmSync(logs, { recursive: true, force: true });
  }
}

/** Microseconds of the server process's CPU per answered request. */
const cpuPerRequest = (m: Measured) => (m.serverCpu * 10_000) / m.rps;
