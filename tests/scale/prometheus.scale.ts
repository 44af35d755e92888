// Debian's Prometheus scraping two server processes built the production way,
// on deploy/prometheus.yml with only the targets, the token file and the
// intervals swapped for this test's. What an operator would ask it is asked
// through its HTTP API: request rates by route, p99 by route, the pool.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { config } from '../../src/config';
import { buildProduct } from '../support/api';
import { ROOT, freePorts, sleep, spawnChild, startBuiltServer, startNginx, waitUntil, type BuiltServer, type Child, type Nginx } from './support';

jest.setTimeout(120_000);

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const TOKEN = randomBytes(24).toString('hex');

interface PrometheusConfig {
  global: Record<string, string>;
  scrape_configs: { job_name: string; authorization: { type: string; credentials_file?: string; credentials?: string }; static_configs: { targets: string[] }[] }[];
}

let servers: BuiltServer[] = [];
let nginx: Nginx;
let prometheus: Child;
let prometheusUrl: string;
let scratch: string;

beforeAll(async () => {
  const [promPort, nginxPort, ...ports] = (await freePorts(4)) as [number, number, number, number];
  const env = {
    NODE_ENV: 'production',
    DATABASE_URL: config.database.url!,
    JWT_SECRET: config.auth.jwtSecret,
    PUBLIC_URL: 'http://127.0.0.1',
    METRICS_TOKEN: TOKEN,
    DATABASE_POOL_SIZE: '10',
  };
  servers = await Promise.all(ports.map((port) => startBuiltServer(env, { port })));
  nginx = await startNginx(ports as [number, number], nginxPort);

  scratch = mkdtempSync(path.join(tmpdir(), 'shop-prometheus-'));
  chmodSync(scratch, 0o755);
  const tokenFile = path.join(scratch, 'metrics_token');
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const deployed = parse(readFileSync(path.join(ROOT, 'deploy/prometheus.yml'), 'utf8')) as PrometheusConfig;
  const [job] = deployed.scrape_configs;
  job!.authorization.credentials_file = tokenFile;
  job!.static_configs = [{ targets: servers.map((s) => `127.0.0.1:${s.port}`) }];
  deployed.global = { ...deployed.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  // The same scrape with another token: what an instance answers a stranger.
  deployed.scrape_configs.push({ ...job!, job_name: 'wrong-token', authorization: { type: 'Bearer', credentials: 'not-the-token' } });
  const configFile = path.join(scratch, 'prometheus.yml');
  writeFileSync(configFile, stringify(deployed));

  prometheusUrl = `http://127.0.0.1:${promPort}`;
  prometheus = spawnChild(PROMETHEUS, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(scratch, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  await waitUntil(`prometheus on ${prometheusUrl}`, async () => (await fetch(`${prometheusUrl}/-/ready`)).ok, prometheus);
}, 90_000);

afterAll(async () => {
  if (prometheus && prometheus.process.exitCode === null) prometheus.process.kill('SIGTERM');
  await prometheus?.exited;
  await nginx?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Target {
  labels: { job: string; instance: string };
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

async function targets(): Promise<Target[]> {
  const body = (await (await fetch(`${prometheusUrl}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Target[] } };
  return body.data.activeTargets;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(promql: string): Promise<VectorSample[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: VectorSample[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data.result;
}

/** Polls `promql` until `ok` holds for its answer (Prometheus needs a few scrapes for a rate). */
async function eventually(promql: string, ok: (result: VectorSample[]) => boolean): Promise<VectorSample[]> {
  let last: VectorSample[] = [];
  await waitUntil(`Prometheus: ${promql} (last answer ${JSON.stringify(last)})`, async () => ok((last = await query(promql))), prometheus, 30_000);
  return last;
}

test('scrapes both instances with the bearer token; another token is refused with 401', async () => {
  await waitUntil('both shop-api targets up', async () => (await targets()).filter((t) => t.labels.job === 'shop-api' && t.health === 'up').length === 2, prometheus);
  await waitUntil('the wrong-token targets scraped', async () => (await targets()).filter((t) => t.labels.job === 'wrong-token' && t.health === 'down').length === 2, prometheus);
  expect((await targets()).filter((t) => t.labels.job === 'wrong-token').map((t) => t.lastError)).toEqual([
    expect.stringContaining('401'),
    expect.stringContaining('401'),
  ]);
});

test('answers the rate of product reads by route template, and their p99, over both instances', async () => {
  const product = await buildProduct();
  const until = Date.now() + 4_000;
  while (Date.now() < until) {
    await Promise.all(servers.flatMap((s) => [
      fetch(`${s.url}/api/products/${product.id}/`).then((r) => r.arrayBuffer()),
      fetch(`${s.url}/no/such/${product.id}`).then((r) => r.arrayBuffer()),
    ]));
    await sleep(20);
  }
  const byRoute = await eventually(
    'sum by (route) (rate(http_request_duration_seconds_count{job="shop-api"}[5s]))',
    (result) => result.some((r) => r.metric.route === '/api/products/{id}/' && Number(r.value[1]) > 0),
  );
  const routes = byRoute.map((r) => r.metric.route);
  expect(routes).toEqual(expect.arrayContaining(['/api/products/{id}/', 'unmatched']));
  // Never a raw URL: no label carries the product's id.
  expect(routes.filter((r) => r?.includes(String(product.id)))).toEqual([]);

  const perInstance = await query(`sum by (instance) (rate(http_request_duration_seconds_count{job="shop-api", route="/api/products/{id}/"}[5s]))`);
  expect(perInstance).toHaveLength(2);

  const p99 = await query('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="shop-api", route="/api/products/{id}/"}[5s])))');
  expect(p99).toHaveLength(1);
  expect(Number(p99[0]!.value[1])).toBeGreaterThan(0);
  expect(Number(p99[0]!.value[1])).toBeLessThan(10);
});

test('shows each instance\'s database pool: connections by state, waiting, and its size', async () => {
  const pools = await eventually('shop_db_pool_connections{job="shop-api"}', (result) => result.length >= 2);
  expect(new Set(pools.map((p) => p.metric.instance)).size).toBe(2);
  expect(new Set(pools.map((p) => p.metric.state))).toEqual(new Set(['in_use', 'idle']));
  const sizes = await query('shop_db_pool_max{job="shop-api"}');
  expect(sizes.map((s) => Number(s.value[1]))).toEqual([10, 10]);
  const waiting = await query('sum(shop_db_pool_waiting{job="shop-api"})');
  expect(Number(waiting[0]!.value[1])).toBe(0);
  const depth = await query('max(shop_mail_outbox_depth{job="shop-api"})');
  expect(Number(depth[0]!.value[1])).toBeGreaterThanOrEqual(0);
});

test('nginx in front does not serve /metrics, even with the token; each instance does', async () => {
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const outside = await fetch(`${nginx.url}/metrics`, { headers: auth });
  expect(outside.status).toBe(404);
  expect(await outside.text()).not.toContain('http_request_duration_seconds');
  const inside = await fetch(`${servers[0]!.url}/metrics`, { headers: auth });
  expect(inside.status).toBe(200);
  expect(await inside.text()).toContain('# TYPE shop_db_pool_connections gauge');
});
