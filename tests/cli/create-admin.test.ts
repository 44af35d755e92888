// The create-admin command as an operator runs it: a child process against
// this worker's database (DATABASE_URL comes from tests/setup/env.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { db } from '../../src/lib/db';
import { buildUser } from '../support/api';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');
const PASSWORD = 'correct-horse-battery';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(script: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const createAdmin = (...args: string[]) => runCli('src/cli/create-admin.ts', args);

describe('create-admin', () => {
  it('creates a superuser with a bcrypt hash, prints its name and exits 0', async () => {
    const result = await createAdmin('--username', 'root_admin', '--email', 'root@example.com', '--password', PASSWORD);

    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('root_admin');
    const user = await db().user.findUniqueOrThrow({ where: { username: 'root_admin' } });
    expect(user).toMatchObject({ email: 'root@example.com', isStaff: true, isSuperuser: true, isActive: true });
    expect(user.passwordHash).toMatch(/^\$2[aby]\$\d{2}\$.{53}$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
  });

  it('refuses a username that already exists, says so on stderr and creates nothing', async () => {
    await buildUser({ username: 'taken', email: 'first@example.com' });

    const result = await createAdmin('--username', 'taken', '--email', 'second@example.com', '--password', PASSWORD);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/username already exists/);
    expect(await db().user.findMany({ select: { username: true, isStaff: true } })).toEqual([{ username: 'taken', isStaff: false }]);
  });

  it('refuses an email that already exists in another case, says so on stderr and creates nothing', async () => {
    await buildUser({ username: 'first', email: 'Boss@Example.com' });

    const result = await createAdmin('--username', 'boss', '--email', 'boss@example.COM', '--password', PASSWORD);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/email already exists/);
    expect(await db().user.count()).toBe(1);
  });

  it.each([
    ['a case-only variant of a username', ['--username', 'TAKEN@example.org', '--email', 'second@example.com'], /username already exists/],
    ['another account\'s email as username', ['--username', 'First@Example.com', '--email', 'second@example.com'], /username already exists/],
    ['another account\'s username as email', ['--username', 'second', '--email', 'Taken@Example.org'], /email already exists/],
  ])('refuses %s, says so on stderr and creates nothing', async (_case, args, message) => {
    await buildUser({ username: 'taken@example.org', email: 'first@example.com' });

    const result = await createAdmin(...args, '--password', PASSWORD);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(await db().user.count()).toBe(1);
  });

  it.each([
    ['a missing --email', ['--username', 'newadmin', '--password', PASSWORD], /--email/],
    ['an entirely numeric, common password', ['--username', 'newadmin', '--email', 'new@example.com', '--password', '12345678'], /--password:.*(numeric|common)/],
    ['an unknown flag', ['--username', 'newadmin', '--email', 'new@example.com', '--password', PASSWORD, '--superuser'], /superuser/],
  ])('refuses %s with a message on stderr and touches nothing', async (_case, args, message) => {
    const result = await createAdmin(...args);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('usage:');
    expect(result.stdout).toBe('');
    expect(await db().user.count()).toBe(0);
  });
});

describe('deploy steps in production', () => {
  // They serve no links, so PUBLIC_URL (which only a serving process needs) is not required.
  const production = { NODE_ENV: 'production', PUBLIC_URL: '', JWT_SECRET: 'x'.repeat(40) };

  it('db:migrate and create-admin run with DATABASE_URL and no PUBLIC_URL', async () => {
    const migrate = await runCli('src/cli/migrate.ts', [], production);
    expect(migrate).toMatchObject({ code: 0, stdout: expect.stringMatching(/up to date|Applied/) });

    const admin = await runCli('src/cli/create-admin.ts', ['--username', 'ops_admin', '--email', 'ops@example.com', '--password', PASSWORD], production);
    expect(admin).toMatchObject({ code: 0 });
    expect(await db().user.findUniqueOrThrow({ where: { username: 'ops_admin' } })).toMatchObject({ isStaff: true });
  });

  it('refuses to run without DATABASE_URL, naming it, and starts no embedded database', async () => {
    const result = await runCli('src/cli/create-admin.ts', ['--username', 'x_admin', '--email', 'x@example.com', '--password', PASSWORD], {
      ...production,
      DATABASE_URL: '',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/DATABASE_URL is required/);
    expect(await db().user.count()).toBe(0);
  });
});
