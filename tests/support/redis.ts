// The real Redis the throttling tests share (TEST_REDIS_URL overrides it),
// and the clean-up of a test file's own keys.
import { createClient } from 'redis';
import { closeRedis } from '../../src/lib/redis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Closes the app's shared connection and deletes every key under `prefix`: for afterAll. */
export async function dropRedisKeys(prefix: string): Promise<void> {
  await closeRedis();
  const client = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length) await client.del(keys);
  client.destroy();
}
