// What the scale tests share: the production steps (also checked against the
// Dockerfile), server processes started from the built dist/ the way
// production starts them, nginx as a child process on deploy/nginx.conf, and
// an HTTP client that can pick its loopback source address.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../src/lib/database/embedded';
import { PRODUCTION_MALLOC_ARENA_MAX, PRODUCTION_NODE_FLAGS } from '../bench/processes';

export const ROOT = path.resolve(__dirname, '../..');
export const NGINX_CONF = path.join(ROOT, 'deploy/nginx.conf');

/** The production build, step by step: what the Dockerfile runs and the production-build test repeats. */
export const PRODUCTION_STEPS = [
  'npm ci --no-audit --no-fund',
  'npm run build',
  'npm prune --omit=dev --omit=optional --no-audit --no-fund',
] as const;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Child {
  process: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

export function spawnChild(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; stdout?: number }): Child {
  const stdio = ['ignore', options.stdout ?? 'pipe', 'pipe'] as const;
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: [...stdio] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, exited, output: () => output };
}

export async function waitUntil(what: string, check: () => Promise<boolean>, child?: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.process.exitCode !== null) throw new Error(`${what}: the process exited:\n${child.output()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: timed out${child ? `:\n${child.output()}` : ''}`);
    await sleep(150);
  }
}

export interface BuiltServer extends Child {
  port: number;
  url: string;
  stop: () => Promise<number | null>;
}

/** `node dist/server.js` from `dir` (built beforehand), with production's node flags and only the given environment. */
export async function startBuiltServer(env: Record<string, string>, options: { dir?: string; port?: number } = {}): Promise<BuiltServer> {
  const port = options.port ?? (await findFreePort());
  const dir = options.dir ?? ROOT;
  const child = spawnChild(process.execPath, [...PRODUCTION_NODE_FLAGS, 'dist/server.js'], {
    cwd: dir,
    env: { PATH: path.dirname(process.execPath), HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: PRODUCTION_MALLOC_ARENA_MAX, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`server on ${url}`, async () => (await fetch(`${url}/ready`)).ok, child);
  return {
    ...child,
    port,
    url,
    stop: async () => {
      if (child.process.exitCode === null) child.process.kill('SIGTERM');
      return child.exited;
    },
  };
}

export interface Nginx extends Child {
  url: string;
  /** Access-log entries so far (deploy/nginx.conf's `upstream` format), once nginx has written them. */
  accessLog: () => Promise<AccessLogEntry[]>;
  stop: () => Promise<void>;
}

export interface AccessLogEntry {
  client: string;
  method: string;
  path: string;
  status: number;
  /** Every instance tried, in order ("127.0.0.1:4001, 127.0.0.1:4002" after a retry). */
  upstreams: string[];
  upstreamStatuses: string[];
}

/**
 * nginx (Debian's) in the foreground with its own prefix, pid and temp paths,
 * on deploy/nginx.conf with only the listen address and the two upstream
 * servers swapped for loopback ports.
 */
/** Distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

/** Start the instances first: nginx marks an instance that refuses a connection as down for a while. */
export async function startNginx(upstreamPorts: [number, number], port: number): Promise<Nginx> {
  const prefix = mkdtempSync(path.join(tmpdir(), 'shop-nginx-'));
  chmodSync(prefix, 0o755); // workers run as an unprivileged user when nginx starts as root
  const replace = (text: string, from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`deploy/nginx.conf has no ${String(from)} to replace`);
    return next;
  };
  let conf = readFileSync(NGINX_CONF, 'utf8');
  conf = replace(conf, /server app1:8000/, `server 127.0.0.1:${upstreamPorts[0]}`);
  conf = replace(conf, /server app2:8000/, `server 127.0.0.1:${upstreamPorts[1]}`);
  conf = replace(conf, /listen 80;/, `listen 127.0.0.1:${port};`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${prefix}/${kind};`).join('\n');
  conf = replace(conf, /^http \{$/m, `http {\n${temp}`);
  const confPath = path.join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);

  // The access log goes to /dev/stdout: a file here (nginx cannot open a socket's /dev/stdout).
  const accessLogPath = path.join(prefix, 'access.log');
  const stdout = openSync(accessLogPath, 'a');
  const child = spawnChild('nginx', ['-p', `${prefix}/`, '-c', confPath, '-e', 'stderr', '-g', `daemon off; pid ${prefix}/nginx.pid;`], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    stdout,
  });
  closeSync(stdout);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`nginx on ${url}`, async () => (await fetch(`${url}/health`)).ok, child);
  return {
    ...child,
    url,
    // nginx writes a line as it finishes a request, a moment after the client has its answer.
    accessLog: async () => {
      await sleep(300);
      return parseAccessLog(readFileSync(accessLogPath, 'utf8'));
    },
    stop: async () => {
      if (child.process.exitCode === null) child.process.kill('SIGTERM');
      await child.exited;
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

const ACCESS_LINE = /^(\S+) \[[^\]]+\] "(\S+) (\S+) [^"]*" (\d{3}) \d+ upstream=(.*?) upstream_status=(.*?) rt=/;

function parseAccessLog(output: string): AccessLogEntry[] {
  return output.split('\n').flatMap((line) => {
    const match = ACCESS_LINE.exec(line);
    if (!match) return [];
    const [, client, method, target, status, upstreams, statuses] = match;
    return [{
      client: client!,
      method: method!,
      path: target!,
      status: Number(status),
      upstreams: upstreams!.split(/, | : /).filter((u) => u !== '-'),
      upstreamStatuses: statuses!.split(/, | : /).filter((u) => u !== '-'),
    }];
  });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection from `localAddress` (any 127.x.y.z works on Linux). */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
