// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database).
import { config } from '../config';
import { resolveDatabase } from '../lib/database';
import { migrate } from '../lib/database/migrator';

async function main(): Promise<void> {
  const database = await resolveDatabase(config.database);
  try {
    const applied = await migrate(database.url);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
