// `npm run bench`: our server against the bare yardstick (bare-server.ts),
// the same routes over the same database, one scenario at a time, each side
// from the same seeded state, then a login flood. Prints a markdown table;
// BENCH_WRITE=1 also writes it under tests/bench/results/. No targets are
// asserted here or in the tests: README's Benchmarks section states them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import type { Client } from 'pg';
import { LOGIN, ORDER_PRODUCTS, SEARCH_TERM, orderBody, reset, type Seeded } from './bench-seed';
import { benchRun } from './bench-run';
import type autocannon from 'autocannon';
import { measure, start, type Load, type Measured } from './load';
import { settled, wholeRunPeakRssMb, startBareServer, startOurServer, type Served } from './processes';
import { CONNECTIONS, progress, SECONDS, SERVER_DIR, WARMUP } from './settings';

const env = process.env;
const FLOODERS = Number(env.BENCH_FLOOD_CONNECTIONS ?? 16);
const json = { 'content-type': 'application/json' };
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;

/** Each request takes the next buyer's token: a checkout needs a full cart, and buyers have one each. */
function rotatingTokens(tokens: string[]) {
  let next = 0;
  return { restart: () => (next = 0), bearer: () => `Bearer ${tokens[next++ % tokens.length]}` };
}

interface Scenario {
  name: string;
  work: string;
  carts?: boolean;
  warmup?: number;
  load: (data: Seeded) => Load;
}

export const detailLoad = (data: Seeded): Load => ({
  requests: [{ setupRequest: (request) => ({ ...request, path: `/api/products/${pick(data.productIds)}/` }) }],
});

const scenarios: Scenario[] = [
  { name: 'list', work: 'list `GET /api/products/?page=1`', load: () => ({ path: '/api/products/?page=1' }) },
  { name: 'detail', work: 'detail `GET /api/products/{id}/`', load: detailLoad },
  { name: 'search', work: `search \`?search=${SEARCH_TERM}\``, load: () => ({ path: `/api/products/?search=${SEARCH_TERM}` }) },
  {
    name: 'orders',
    work: `\`POST /api/orders/\` (3 lines of ${ORDER_PRODUCTS})`,
    load: (data) => {
      const tokens = rotatingTokens(data.tokens);
      return {
        method: 'POST', path: '/api/orders/',
        requests: [{ setupRequest: (r) => ({ ...r, headers: { ...r.headers, ...json, authorization: tokens.bearer() }, body: orderBody(data.orderProductIds) }) }],
      };
    },
  },
  {
    name: 'checkout',
    work: 'checkout `POST /api/orders/checkout/`',
    carts: true,
    load: (data) => {
      const tokens = rotatingTokens(data.tokens);
      return {
        method: 'POST', path: '/api/orders/checkout/',
        requests: [{ setupRequest: (r) => ({ ...r, headers: { ...r.headers, authorization: tokens.bearer() } }) }],
      };
    },
  },
  {
    name: 'login',
    work: 'login `POST /api/token/` (bcrypt 12)',
    warmup: 0,
    load: () => ({ method: 'POST', path: '/api/token/', headers: json, body: JSON.stringify(LOGIN) }),
  },
];

const floodLoad: Load = {
  method: 'POST', path: '/api/token/', headers: json,
  requests: [{ setupRequest: (r) => ({ ...r, body: JSON.stringify({ username: `nobody-${randomBytes(6).toString('hex')}`, password: 'not-the-password' }) }) }],
};

interface Side {
  served: Served;
  results: Map<string, Measured>;
  flood?: { quiet: Measured; during: Measured; logins: number };
}

async function runScenario(sql: Client, scenario: Scenario, data: Seeded, side: Side) {
  await settled();
  const warmup = scenario.warmup ?? WARMUP;
  if (warmup > 0) {
    await reset(sql, { carts: !!scenario.carts });
    await measure(side.served.url, side.served.pid, scenario.load(data), CONNECTIONS, warmup);
  }
  await reset(sql, { carts: !!scenario.carts });
  const result = await measure(side.served.url, side.served.pid, scenario.load(data), CONNECTIONS, SECONDS);
  side.results.set(scenario.name, result);
  progress(`  ${scenario.name} on ${side.served.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, peak RSS ${result.peakRss.toFixed(0)} MB${failureText(result)}`);
}

const answered = (result: autocannon.Result) => Object.values(result.statusCodeStats ?? {}).reduce((sum, { count }) => sum + Number(count), 0);

/** Reads quietly, then again while FLOODERS connections send logins for unknown users. */
async function runFlood(sql: Client, data: Seeded, side: Side) {
  await reset(sql, { carts: false });
  const { url, pid } = side.served;
  await settled();
  if (WARMUP > 0) await measure(url, pid, detailLoad(data), CONNECTIONS, WARMUP);
  const quiet = await measure(url, pid, detailLoad(data), CONNECTIONS, SECONDS);
  const flood = start(url, floodLoad, FLOODERS, SECONDS + 60);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the bcrypt queue fills first
  const during = await measure(url, pid, detailLoad(data), CONNECTIONS, SECONDS);
  flood.stop();
  const flooded = await flood;
  side.flood = { quiet, during, logins: answered(flooded) / flooded.duration };
  progress(`  flood on ${side.served.name}: quiet ${quiet.rps.toFixed(0)} req/s p99 ${quiet.p99} ms; flooded ${during.rps.toFixed(0)} req/s p99 ${during.p99} ms, peak RSS ${during.peakRss.toFixed(0)} MB; ${side.flood.logins.toFixed(1)} logins/s (flood answers ${JSON.stringify(flooded.statusCodeStats)}, errors ${flooded.errors}, timeouts ${flooded.timeouts})`);
}

/** Field names all the way down (values aside): the bare server must answer in the same shape. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return '';
}

/** One request of the scenario, as autocannon would build it, sent with fetch. */
async function probe(base: string, load: Load): Promise<string> {
  let request: autocannon.Request = { method: load.method ?? 'GET', path: load.path ?? '', headers: { ...load.headers }, body: load.body };
  const setup = load.requests?.[0]?.setupRequest;
  if (setup) request = setup(request, {}) ?? request;
  const res = await fetch(base + request.path, { method: request.method, headers: request.headers, body: request.body });
  return `${res.status} ${JSON.stringify(shape(await res.json()))}`;
}

/** What a request left in the database: a write must do the same work on both sides (the order, its lines, its mail, the stock taken, the cart). */
async function footprint(sql: Client): Promise<string> {
  const { rows: [row] } = await sql.query(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM order_items)::int AS items,
    (SELECT count(*) FROM mail_outbox)::int AS mails, (SELECT count(*) FROM cart_items)::int AS cart_lines,
    -- Lines are random, so stock left differs; stock plus units sold does not, when the stock was taken.
    ((SELECT sum(stock) FROM products) + (SELECT coalesce(sum(quantity), 0) FROM order_items))::text AS stock_and_sold`);
  return JSON.stringify(row);
}

/** Before measuring: both sides answer each scenario with the same status and the same fields, and leave the same rows. */
async function compareAnswers(sql: Client, chosen: Scenario[], data: Seeded, ours: Side, bare: Side): Promise<string[]> {
  const problems: string[] = [];
  for (const scenario of chosen) {
    await reset(sql, { carts: !!scenario.carts });
    const a = `${await probe(ours.served.url, scenario.load(data))} leaving ${await footprint(sql)}`;
    await reset(sql, { carts: !!scenario.carts }); // the same buyer's cart again
    const b = `${await probe(bare.served.url, scenario.load(data))} leaving ${await footprint(sql)}`;
    if (a !== b) problems.push(`- ${scenario.name}: the two servers answer differently (this: ${a.slice(0, 300)}; bare: ${b.slice(0, 300)})`);
  }
  problems.forEach(progress);
  return problems;
}

const failureText = (m: Measured) => (Object.keys(m.failures).length ? ` (not 2xx: ${JSON.stringify(m.failures)})` : '');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
const num = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function table(ours: Side, bare: Side, chosen: Scenario[], machineLine: string, mismatches: string[]): string {
  const lines = [
    `${CONNECTIONS} connections, ${SECONDS} s per scenario and side (after ${WARMUP} s of warm-up), autocannon in the bench process; latencies in ms.`,
    '',
    '| work | this server req/s | bare req/s | ratio | p50 this/bare | p99 this/bare |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  const notes: string[] = [];
  const cpu = ['| work | server CPU this/bare | load generator CPU this/bare | whole machine this/bare | peak RSS MB this/bare |', '|---|---:|---:|---:|---:|'];
  for (const scenario of chosen) {
    const a = ours.results.get(scenario.name);
    const b = bare.results.get(scenario.name);
    if (!a || !b) continue;
    lines.push(`| ${scenario.work} | ${num(a.rps)} | ${num(b.rps)} | ${ratio(a.rps, b.rps)} | ${a.p50} / ${b.p50} | ${a.p99} / ${b.p99} |`);
    cpu.push(`| ${scenario.name} | ${a.serverCpu.toFixed(0)}% / ${b.serverCpu.toFixed(0)}% | ${a.loaderCpu.toFixed(0)}% / ${b.loaderCpu.toFixed(0)}% | ${a.machineCpu.toFixed(0)}% / ${b.machineCpu.toFixed(0)}% | ${a.peakRss.toFixed(0)} / ${b.peakRss.toFixed(0)} |`);
    if (failureText(a)) notes.push(`- ${scenario.name}, this server: not 2xx ${JSON.stringify(a.failures)}`);
    if (failureText(b)) notes.push(`- ${scenario.name}, bare: not 2xx ${JSON.stringify(b.failures)}`);
  }
  lines.push('', `Peak RSS (VmHWM, whole run): this server ${wholeRunPeakRssMb(ours.served.pid).toFixed(1)} MB, bare ${wholeRunPeakRssMb(bare.served.pid).toFixed(1)} MB.`);
  const flooded = [ours, bare].filter((side) => side.flood);
  if (flooded.length) {
    lines.push('', `Login flood: \`GET /api/products/{id}/\` at ${CONNECTIONS} connections, quiet, then while ${FLOODERS} more connections post unknown users to \`/api/token/\`:`, '');
    lines.push('| server | quiet req/s | flood req/s | ratio | quiet p99 | flood p99 | ratio | flood logins/s | flood peak RSS MB |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  }
  for (const side of flooded) {
    const f = side.flood!;
    lines.push(`| ${side.served.name} | ${num(f.quiet.rps)} | ${num(f.during.rps)} | ${ratio(f.during.rps, f.quiet.rps)} | ${f.quiet.p99} | ${f.during.p99} | ${ratio(f.during.p99, f.quiet.p99)} | ${f.logins.toFixed(1)} | ${f.during.peakRss.toFixed(0)} |`);
    if (failureText(f.during)) notes.push(`- flood reads, ${side.served.name}: not 2xx ${JSON.stringify(f.during.failures)}`);
  }
  if (cpu.length > 2) lines.push('', `CPU during each measured run, in % of one core (the machine has ${cpus().length}; "whole machine" includes PostgreSQL and anything else running; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(', ')}):`, '', ...cpu);
  if (notes.length) lines.push('', 'Responses other than 2xx (not counted in req/s):', ...notes);
  if (mismatches.length) lines.push('', 'Answers that differ in status or fields (the comparison is off until fixed):', ...mismatches);
  lines.push('', `Machine: ${machineLine}.`);
  return lines.join('\n');
}

export async function sideBySideBench(names: string[] = []): Promise<void> {
  const known = [...scenarios.map((s) => s.name), 'flood'];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const chosen = scenarios.filter((s) => names.length === 0 || names.includes(s.name));
  const withFlood = names.length === 0 || names.includes('flood');

  await benchRun(async ({ sql, data, databaseUrl, secret, logFile, started, machine }) => {
    const ours: Side = { served: started(await startOurServer(SERVER_DIR, databaseUrl, secret, logFile('server'))), results: new Map() };
    const bare: Side = { served: started(await startBareServer(databaseUrl, secret, logFile('bare'))), results: new Map() };
    const mismatches = await compareAnswers(sql, chosen, data, ours, bare);
    for (const scenario of chosen) {
      for (const side of [ours, bare]) await runScenario(sql, scenario, data, side);
    }
    if (withFlood) for (const side of [ours, bare]) await runFlood(sql, data, side);
    const output = table(ours, bare, chosen, await machine(), mismatches);
    console.log(`\n${output}`);
    if (env.BENCH_WRITE) {
      const dir = path.join(__dirname, 'results');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `side-by-side-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
      writeFileSync(file, `${output}\n`);
      progress(`written to ${path.relative(process.cwd(), file)}`);
    }
  });
}
