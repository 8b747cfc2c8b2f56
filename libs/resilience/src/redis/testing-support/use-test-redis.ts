import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { deleteKeys, testRedis } from './redis-server.js';

/** The Redis of one test suite, set up by {@link useTestRedis}. @internal */
export interface TestRedisSuite {
  /** URL of the Redis (read it inside tests and hooks, once `beforeAll` has run). */
  readonly url: string;
  /** A client for looking at keys from the test. */
  readonly admin: Redis;
  /** Key prefixes the suite used: their keys are deleted after the suite. */
  readonly prefixes: string[];
  /** Stores (or anything with `close()`) closed after the suite, before the keys are deleted. */
  readonly stores: Array<{ close(): Promise<unknown> }>;
}

/**
 * Registers the suite's `beforeAll` / `afterAll`: finds a Redis (`REDIS_URL`, else a
 * `redis-server` started on a free port, see `testRedis`), opens an admin client, and at the
 * end closes the tracked stores, deletes the keys under every tracked prefix and stops what
 * it started. Call it at the top of a `describe`.
 * @internal
 */
export function useTestRedis(): TestRedisSuite {
  let redis: { url: string; stop(): Promise<void> } | undefined;
  let admin: Redis | undefined;
  const suite: TestRedisSuite = {
    get url() {
      if (redis === undefined) throw new Error('useTestRedis: url read before beforeAll ran');
      return redis.url;
    },
    get admin() {
      if (admin === undefined) throw new Error('useTestRedis: admin read before beforeAll ran');
      return admin;
    },
    prefixes: [],
    stores: [],
  };
  beforeAll(async () => {
    redis = await testRedis();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const s of suite.stores) await s.close();
    if (admin !== undefined) {
      for (const p of suite.prefixes) await deleteKeys(admin, p);
      admin.disconnect();
    }
    await redis?.stop();
  });
  return suite;
}
