// readRows (src/lib/pg.ts): the catalog's reads on the driver, as prepared
// statements, against the worker's real PostgreSQL.
import { databaseTrouble } from '../../src/http/database-errors';
import { db, Prisma } from '../../src/lib/db';
import { readRows } from '../../src/lib/pg';
import { terminateBackendRunning } from '../support/terminate-backend';

const PROBE = 'readrows_probe';

afterEach(async () => {
  await db().$executeRawUnsafe(`DROP TABLE IF EXISTS ${PROBE}`);
});

describe('readRows', () => {
  it('answers the same read again after a migration changes the type of a column it returns', async () => {
    await db().$executeRawUnsafe(`CREATE TABLE ${PROBE} (n int NOT NULL)`);
    await db().$executeRawUnsafe(`INSERT INTO ${PROBE} VALUES (7)`);
    const read = () => readRows<{ n: unknown }>(db(), Prisma.sql`SELECT n FROM readrows_probe`);
    // Prepared on the connections it ran on (the pool hands back the one just released).
    for (let i = 0; i < 3; i += 1) expect(await read()).toEqual([{ n: 7 }]);

    await db().$executeRawUnsafe(`ALTER TABLE ${PROBE} ALTER COLUMN n TYPE text`);

    expect(await read()).toEqual([{ n: '7' }]);
    expect(await read()).toEqual([{ n: '7' }]);
  });

  it('runs reads of more distinct texts than it names, unnamed past the limit', async () => {
    const answers = [];
    for (let i = 0; i < 210; i += 1) {
      answers.push(await readRows<{ n: number }>(db(), Prisma.sql`SELECT ${Prisma.raw(String(i))}::int AS n, ${i}::int AS m`));
    }
    expect(answers.map((rows) => rows[0]!.n)).toEqual([...Array(210).keys()]);
  });

  it('fails a read whose backend is terminated as a database outage, and the next run of that read succeeds', async () => {
    const sleep = (seconds: number) => readRows(db(), Prisma.sql`SELECT pg_sleep(${seconds})::text AS readrows_awaiting_termination`);
    const running = sleep(30).then(
      () => undefined,
      (error: unknown) => error,
    );
    await terminateBackendRunning('readrows_awaiting_termination');
    const error = await running;

    expect(error).toMatchObject({ code: '57P01' });
    expect(databaseTrouble(error)).toBe('unavailable');
    // The same statement (one text, one name), prepared again on a new connection.
    await expect(sleep(0)).resolves.toEqual([{ readrows_awaiting_termination: '' }]);
  });
});
