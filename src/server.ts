// Entry point: database up, app listening, and a graceful shutdown that stops
// accepting, lets in-flight requests finish, then closes the pool.
import type { Server } from 'node:http';
import { createApp } from './app';
import { startDatabase, stopDatabase } from './bootstrap';
import { demoAdminAllowed, seedDemoData } from './cli/seed';
import { assertServingConfig, config } from './config';
import { exitAfterLogs, logger } from './lib/logger';
import { closeRedis } from './lib/redis';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  assertServingConfig(config);
  const database = await startDatabase();
  if (database.embedded) await seedDemoData();

  const server = createApp().listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = config.publicUrl ?? `http://localhost:${port}`;
  logger.info(`Shop API listening on ${base} (docs: ${base}/docs)`);
  if (database.embedded && demoAdminAllowed()) {
    const { username, password } = config.demoAdmin;
    logger.info(`Demo admin: username "${username}", password "${password}"`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await closeServer(server);
    await closeRedis();
    await stopDatabase(database);
    logger.info('stopped');
    exitAfterLogs(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'failed to start');
  exitAfterLogs(1);
});
