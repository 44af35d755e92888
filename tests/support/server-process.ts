// A real server in its own process (src/server.ts through ts-node), sharing
// this worker's database: for proving behaviour across separate instances.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { findFreePort } from '../../src/lib/database/embedded';

export interface ServerProcess {
  url: string;
  /** SIGTERM, then wait for the process to end. */
  stop: () => Promise<void>;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  signal: (signal: NodeJS.Signals) => void;
}

export async function startServerProcess(options: { env?: Record<string, string>; readyPath?: string } = {}): Promise<ServerProcess> {
  const port = await findFreePort();
  const child: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/server.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', MIGRATE_ON_START: 'false', LOG_LEVEL: 'error', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server process exited: ${stderr}`);
    try {
      if ((await fetch(`${url}${options.readyPath ?? '/ready'}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      // Not left running behind the failed test.
      child.kill('SIGKILL');
      await exited;
      throw new Error(`server process did not become ready: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    exited,
    signal: (signal) => child.kill(signal),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Resolves once the server refuses new TCP connections (it has stopped
 * accepting), polling rather than guessing how long a signal takes to act.
 */
export async function connectionsRefused(server: ServerProcess, timeoutMs = 10_000): Promise<void> {
  const { hostname, port } = new URL(server.url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(port), hostname);
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`${server.url} still accepts connections after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once the server's /ready answers 503 (its drain has started), polling like connectionsRefused. */
export async function drainStarted(server: ServerProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await fetch(`${server.url}/ready`);
    await ready.arrayBuffer();
    if (ready.status === 503) return;
    if (Date.now() > deadline) throw new Error(`${server.url}/ready still answers ${ready.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
