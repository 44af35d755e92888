// No container engine runs here, so the image is never built in CI. What this
// checks is cheap and honest: the Dockerfile runs the same production steps
// the production-build test runs for real, and deploy/compose.yaml wires two
// instances, PostgreSQL, Redis, nginx and Prometheus the way deploy/nginx.conf
// and deploy/prometheus.yml (the files the scale-out and Prometheus tests run
// nginx and Prometheus with) expect. It proves consistency, not that
// `docker build` or `docker compose up` succeed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import { PRODUCTION_MALLOC_ARENA_MAX, PRODUCTION_NODE_FLAGS } from '../bench/processes';
import { PRODUCTION_STEPS, ROOT } from './support';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

function dockerfile(): Instruction[] {
  const lines = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  let stage = -1;
  return lines.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword!.toUpperCase() === 'FROM') stage += 1;
    return { stage, keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
}

describe('Dockerfile', () => {
  const instructions = dockerfile();
  const stages = Math.max(...instructions.map((i) => i.stage)) + 1;
  const final = instructions.filter((i) => i.stage === stages - 1);

  it('builds with exactly the tested production steps, in order, in a build stage', () => {
    expect(stages).toBeGreaterThanOrEqual(2);
    const runs = instructions.filter((i) => i.keyword === 'RUN' && i.stage < stages - 1).map((i) => i.args);
    expect(runs).toEqual([...PRODUCTION_STEPS]);
  });

  it('runs node dist/server.js as a non-root user with only the runtime files, and checks /ready with node', () => {
    const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const what of ['node_modules', 'dist', 'prisma/migrations', 'package.json']) {
      expect(copies.some((c) => c.startsWith('--from=build') && c.includes(`/app/${what} `))).toBe(true);
    }
    expect(copies.some((c) => !c.startsWith('--from='))).toBe(false); // no sources in the runtime stage
    const user = final.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    const healthcheck = final.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toMatch(/CMD \["node", "-e", .*\/ready/);
    const cmd = ['node', ...PRODUCTION_NODE_FLAGS, 'dist/server.js'];
    expect(final.at(-1)).toEqual({ stage: stages - 1, keyword: 'CMD', args: JSON.stringify(cmd).replace(/","/g, '", "') });
  });

  it('starts node with the flags and MALLOC_ARENA_MAX the bench measures, as npm start does', () => {
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toMatch(new RegExp(`&& MALLOC_ARENA_MAX=${PRODUCTION_MALLOC_ARENA_MAX} node ${PRODUCTION_NODE_FLAGS.join(' ')} dist/server\\.js$`));
    const env = final.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain(`MALLOC_ARENA_MAX=${PRODUCTION_MALLOC_ARENA_MAX}`);
  });

  it('.dockerignore keeps node_modules, build output, secrets and data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.env', 'uploads', '.data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
    services: Record<string, {
      image?: string; command?: string[]; environment?: Record<string, string>; volumes?: string[];
      stop_grace_period?: string; depends_on?: unknown; secrets?: string[]; ports?: string[];
    }>;
    secrets?: Record<string, { environment?: string; file?: string }>;
  };
  const services = compose.services;
  const apps = ['app1', 'app2'].map((name) => services[name]!);
  const nginxConf = read('deploy/nginx.conf');
  // Compose's ${VAR:-default} and ${VAR:?error} filled in: defaults, and the secrets as an operator would set them.
  const SECRETS = new Set(['JWT_SECRET', 'METRICS_TOKEN']);
  const resolve = (env: Record<string, string>) =>
    Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{[A-Z_]+:[-?]([^}]*)\}/g, (_, d: string) => (SECRETS.has(k) ? 'x'.repeat(40) : d))]));

  it('has PostgreSQL, Redis, a migrate step, two app instances and nginx with the tested nginx.conf', () => {
    expect(Object.keys(services).sort()).toEqual(['app1', 'app2', 'migrate', 'nginx', 'postgres', 'prometheus', 'redis']);
    expect(services.nginx!.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(services.migrate!.command).toEqual(['node', 'dist/cli/migrate.js']);
  });

  it('gives both instances one database, one Redis, one upload volume, TRUST_PROXY=1 and no migration at start', () => {
    const [a, b] = apps as [NonNullable<(typeof apps)[0]>, NonNullable<(typeof apps)[0]>];
    expect(a.environment).toEqual(b.environment);
    expect(a.volumes).toEqual(b.volumes);
    const env = a.environment!;
    expect(env.DATABASE_URL).toBe(services.migrate!.environment!.DATABASE_URL);
    expect(env).toMatchObject({ NODE_ENV: 'production', TRUST_PROXY: '1', MIGRATE_ON_START: 'false', REDIS_URL: 'redis://redis:6379' });
    expect(a.volumes).toContain(`uploads:${env.UPLOAD_DIR}`);
    // The environment is a valid production configuration (secrets filled in).
    expect(() => loadConfig(resolve(env))).not.toThrow();
  });

  it('matches deploy/nginx.conf: upstream names and port, drain within the stop grace period, upload size', () => {
    expect(nginxConf).toMatch(/server app1:8000 /);
    expect(nginxConf).toMatch(/server app2:8000 /);
    const config = loadConfig(resolve(apps[0]!.environment!));
    expect(config.port).toBe(8000);
    expect(config.trustProxy).toBe(1);
    // SIGTERM drains, then waits up to 10 s for requests in flight, before docker's SIGKILL.
    expect(Number(apps[0]!.stop_grace_period!.replace(/s$/, '')) * 1000).toBeGreaterThan(config.shutdownDrainMs + 10_000);
    const keepalive = Number(/keepalive_timeout (\d+)s;/.exec(nginxConf)![1]);
    expect(config.shutdownDrainMs).toBeGreaterThan(keepalive * 1000);
    const bodyMb = Number(/client_max_body_size (\d+)m;/.exec(nginxConf)![1]);
    expect(bodyMb * 1024 * 1024).toBeGreaterThan(config.uploads.maxBytes);
  });

  it('has Prometheus scrape both instances directly with METRICS_TOKEN, and nginx not serve /metrics', () => {
    const prometheus = services.prometheus!;
    expect(prometheus.volumes).toContain('./prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    // Only on the host's loopback: Prometheus' UI has no login.
    expect(prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(prometheus.secrets).toEqual(['metrics_token']);
    expect(compose.secrets?.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
    // The instances are given the same variable, and it makes a valid production token.
    for (const app of apps) expect(app.environment!.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    expect(loadConfig(resolve(apps[0]!.environment!)).metrics.token).toBe('x'.repeat(40));

    const scrape = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: { job_name: string; metrics_path: string; authorization: { type: string; credentials_file: string }; static_configs: { targets: string[] }[] }[];
    };
    expect(scrape.scrape_configs).toHaveLength(1);
    const [job] = scrape.scrape_configs;
    const port = loadConfig(resolve(apps[0]!.environment!)).port;
    expect(job!.static_configs.flatMap((c) => c.targets)).toEqual([`app1:${port}`, `app2:${port}`]);
    expect(job!.metrics_path).toBe('/metrics');
    // Compose mounts a secret at /run/secrets/<name>.
    expect(job!.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });

    expect(nginxConf).toMatch(/location = \/metrics \{\s*default_type application\/problem\+json;\s*return 404 /);
  });
});
