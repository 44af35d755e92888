// One Redis connection per URL, opened on first use and never fatal: while
// Redis is unreachable the client keeps reconnecting in the background,
// commands fail at once (no offline queue), and callers fall back.
import { createClient } from 'redis';
import { logger } from './logger';

/** `firstAttempt` settles when the first connection attempt succeeds or fails; it never rejects. */
type Connection = ReturnType<typeof open>;

const connections = new Map<string, Connection>();

export function sharedRedis(url: string): Connection {
  let connection = connections.get(url);
  if (!connection) {
    connection = open(url);
    connections.set(url, connection);
  }
  return connection;
}

function open(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // A Redis that accepts but does not answer must not hold a login for long.
    commandOptions: { timeout: 500 },
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 10_000) },
  });
  const where = new URL(url).host; // never the password
  let healthy = true;
  let settle: () => void = () => undefined;
  const firstAttempt = new Promise<void>((resolve) => (settle = resolve));
  client.on('error', (err: Error) => {
    settle();
    if (!healthy) return;
    healthy = false;
    logger.warn({ err, redis: where }, 'Redis is unavailable: throttling counts in this process only until it is back');
  });
  client.on('ready', () => {
    settle();
    if (!healthy) logger.info({ redis: where }, 'Redis is back: throttling counters are shared again');
    healthy = true;
  });
  client.connect().catch(() => undefined); // reported by the 'error' listener; reconnects go on
  client.unref(); // the HTTP server, not this connection, keeps the process alive
  return { client, firstAttempt };
}

/** Closes every connection (server shutdown); pending commands finish first. */
export async function closeRedis(): Promise<void> {
  const open = [...connections.values()].map((c) => c.client);
  connections.clear();
  await Promise.all(open.map((client) => (client.isReady ? client.close().catch(() => client.destroy()) : client.destroy())));
}
