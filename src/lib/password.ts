import bcrypt from 'bcrypt';
import { config } from '../config';
import { Gate } from './gate';

// Every hash and comparison passes this gate: a flood of logins queues here
// briefly and is then refused (503), instead of taking every core from reads.
const hashing = new Gate(config.auth.hashConcurrency, config.auth.hashMaxWaitMs);

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => bcrypt.hash(password, config.auth.bcryptRounds));
}

// A real hash of a random string with the configured cost: comparing against it
// when the user does not exist takes as long as a real comparison, so response
// time does not reveal which usernames exist.
let dummyHash: Promise<string> | undefined;

// bcrypt reads only the first 72 bytes of a password, so a longer one would
// match the hash of its first 72 bytes: "secret...x" and "secret...xyz" alike.
// No password over 72 bytes can be set (passwordField), so none may match;
// it is still compared (with the dummy) so that it takes the usual time.
const BCRYPT_MAX_BYTES = 72;

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const usable = Buffer.byteLength(password) <= BCRYPT_MAX_BYTES;
  if (hash && usable) return hashing.run(() => bcrypt.compare(password, hash));
  dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, config.auth.bcryptRounds);
  const known = await dummyHash;
  await hashing.run(() => bcrypt.compare(password, known));
  return false;
}
