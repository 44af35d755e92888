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

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash) return hashing.run(() => bcrypt.compare(password, hash));
  dummyHash ??= bcrypt.hash(`no-such-user-${Math.random()}`, config.auth.bcryptRounds);
  const known = await dummyHash;
  await hashing.run(() => bcrypt.compare(password, known));
  return false;
}
