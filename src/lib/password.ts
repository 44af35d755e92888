import bcrypt from 'bcrypt';
import { config } from '../config';

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, config.auth.bcryptRounds);
}

// A real hash of a random string with the configured cost: comparing against it
// when the user does not exist takes as long as a real comparison, so response
// time does not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash) return bcrypt.compare(password, hash);
  dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, config.auth.bcryptRounds);
  await bcrypt.compare(password, await dummyHash);
  return false;
}
