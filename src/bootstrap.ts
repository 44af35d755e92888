// Brings the database up for any entry point (server or CLI): the configured
// PostgreSQL or the embedded one, migrated unless MIGRATE_ON_START=false.
import { config } from './config';
import { closeDb, openDb } from './lib/db';
import { resolveDatabase, type DatabaseHandle } from './lib/database';
import { migrate } from './lib/database/migrator';
import { logger } from './lib/logger';

export async function startDatabase(): Promise<DatabaseHandle> {
  const database = await resolveDatabase(config.database, (message) => logger.debug({ postgres: message.trim() }));
  if (database.embedded) logger.info('DATABASE_URL is not set: using the embedded PostgreSQL in %s', config.database.embeddedDir);
  try {
    if (config.database.migrateOnStart) {
      const applied = await migrate(database.url);
      if (applied.length) logger.info({ applied }, 'applied %d migration(s)', applied.length);
    }
    openDb(database.url, config.database.poolSize);
  } catch (error) {
    await database.stop();
    throw error;
  }
  return database;
}

export async function stopDatabase(database: DatabaseHandle): Promise<void> {
  await closeDb();
  await database.stop();
}
