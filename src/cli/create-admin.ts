// `npm run create-admin -- --username U --email E --password P`
// Non-interactive; exits 1 with a clear message on bad input or an existing user.
// The account is a superuser: it is how a shop gets its first one, or a new
// one when nobody who may manage staff is left.
import { parseArgs } from 'node:util';
import '../lib/zod-messages';
import { zodFieldErrors } from '../http/zod-errors';
import { ValidationError } from '../lib/errors';
import { registerBody } from '../modules/users/users.schemas';
import { registerUser } from '../modules/users/users.service';

// The same fields and rules as registration through the API.
const argsSchema = registerBody;

function fail(message: string): never {
  console.error(`create-admin: ${message}`);
  console.error('usage: npm run create-admin -- --username NAME --email EMAIL --password PASSWORD');
  process.exit(1);
}

async function main(): Promise<void> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const parsed = argsSchema.safeParse(values);
  if (!parsed.success) {
    const errors = zodFieldErrors(parsed.error);
    fail(Object.entries(errors).map(([field, messages]) => `--${field}: ${messages.join(' ')}`).join('; '));
  }

  const { startDatabase, stopDatabase } = await import('../bootstrap');
  const database = await startDatabase();
  try {
    const user = await registerUser(parsed.data, { isStaff: true, isSuperuser: true });
    console.log(`Created admin "${user.username}" (id ${user.id}), a superuser.`);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.error(`create-admin: ${Object.values(error.errors).flat().join(' ') || error.message}`);
    process.exitCode = 1;
  } finally {
    await stopDatabase(database);
  }
}

main().catch((error: unknown) => {
  console.error(`create-admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
