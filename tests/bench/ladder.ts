// `npm run bench -- ladder`: the product read (the side-by-side "detail"
// scenario) up the ladder from the bare yardstick to our server, one layer
// at a time: node:http + pg, Express + pg, Express + the Prisma client, then
// our server with its middleware, validation and logging. Each rung's ratio
// to the bare one says what that layer costs on this machine; it is how issue
// 9's floor for the detail was found to sit below 0.5x with Express and
// Prisma alone, before anything of ours runs.
import { reset } from './bench-seed';
import { benchRun } from './bench-run';
import { measure, type Measured } from './load';
import { startBareServer, startLadderServer, startOurServer, type Served } from './processes';
import { CONNECTIONS, progress, SECONDS, SERVER_DIR, WARMUP } from './settings';
import { detailLoad } from './side-by-side';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const RUNGS = [
  ['bare', 'node:http + pg (the yardstick)'],
  ['express-pg', 'Express, no middleware, + pg'],
  ['express-prisma', 'Express, no middleware, + Prisma `$queryRaw`'],
  ['this server', 'this server (middleware, validation, logging, ETag)'],
] as const;

export async function ladderBench(): Promise<void> {
  await benchRun(async ({ sql, data, databaseUrl, secret, logFile, started, machine }) => {
    await reset(sql, { carts: false });
    const servers = new Map<string, Served>([
      ['bare', started(await startBareServer(databaseUrl, secret, logFile('bare')))],
      ['express-pg', started(await startLadderServer('express-pg', SERVER_DIR, databaseUrl, secret, logFile('express-pg')))],
      ['express-prisma', started(await startLadderServer('express-prisma', SERVER_DIR, databaseUrl, secret, logFile('express-prisma')))],
      ['this server', started(await startOurServer(SERVER_DIR, databaseUrl, secret, logFile('server')))],
    ]);

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
      `Machine: ${await machine()}.`,
    ];
    console.log(`\n${lines.join('\n')}`);
  });
}

/** Microseconds of the server process's CPU per answered request. */
const cpuPerRequest = (m: Measured) => (m.serverCpu * 10_000) / m.rps;
