// Decides which PostgreSQL the process uses: DATABASE_URL when set, otherwise
// an embedded server whose data lives in EMBEDDED_DB_DIR and survives restarts.
import type { Config } from '../../config';
import { startEmbeddedPostgres } from './embedded';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  stop: () => Promise<void>;
}

const EMBEDDED_DATABASE = 'shop';

export async function resolveDatabase(
  settings: Config['database'],
  log: (message: string) => void = () => undefined,
): Promise<DatabaseHandle> {
  if (settings.url) return { url: settings.url, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres({
    dir: settings.embeddedDir,
    port: settings.embeddedPort,
    persistent: true,
    log,
  });
  await server.createDatabase(EMBEDDED_DATABASE).catch((error: Error) => {
    if (!/already exists/.test(error.message)) throw error;
  });
  return { url: server.url(EMBEDDED_DATABASE), embedded: true, stop: server.stop };
}
