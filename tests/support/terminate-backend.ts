// Terminates, as an administrator would, the backend of this worker's database
// that is running a query marked with `marker` (an alias in its text), once
// it is running: tests of what a terminated connection does to a request.
// The database filter matters: pg_stat_activity is the whole cluster's, and
// other workers run their own tests in their own databases at the same time.
import { db } from '../../src/lib/db';

export async function terminateBackendRunning(marker: string): Promise<void> {
  for (let terminated = 0; terminated === 0; ) {
    const rows = await db().$queryRaw<unknown[]>`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
        AND query LIKE ${`%${marker}%`}`;
    terminated = rows.length;
  }
}
