import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { ResilienceRegistry } from 'nest-resilience';
import {
  deleteKeys,
  testRedis,
  uniquePrefix,
} from '../../../../libs/resilience/src/redis/testing-support/redis-server.js';
import { CostTracker } from 'nest-resilience/llm';
import { SIM_DEFAULT_MODEL } from '../llm-sim/sim-answer.js';
import { mergeResilienceOptions } from '../sample.module.js';
import {
  countsAgainstProvider,
  SAMPLE_BUDGET,
  SampleConfig,
  SampleConfigError,
  withoutPassword,
} from './sample.config.js';

describe('SampleConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = new SampleConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.upstream()).toEqual({ failureRate: 0, latencyMs: 0, rateLimitShare: 0 });
    expect(config.resilience()).toMatchObject({
      breakers: { quotes: { failureThreshold: 5, recoveryTimeMs: 15_000 } },
      retries: { quotes: { maxRetries: 2, baseDelayMs: 200, maxRetryAfterMs: 3000 } },
      limiters: { quotes: { rate: 50, periodMs: 1000, maxWaitMs: 2000 } },
      timeouts: { board: { totalTimeoutMs: 1500 } },
      bulkheads: { board: { maxConcurrent: 10, maxQueued: 20 } },
    });
    expect(new SampleConfig({ BOARD_TIMEOUT_MS: '800', BOARD_MAX_QUEUED: '0' }).resilience()).toMatchObject({
      timeouts: { board: { totalTimeoutMs: 800 } },
      bulkheads: { board: { maxConcurrent: 10, maxQueued: 0 } },
    });
    expect(() => new SampleConfig({ BOARD_MAX_CONCURRENT: '0' }).resilience()).toThrow(
      'Invalid BOARD_MAX_CONCURRENT="0" (expected a number in [1, 9007199254740991])',
    );
  });

  it('reads the environment', () => {
    const config = new SampleConfig({
      PORT: '3123',
      QUOTES_BREAKER_RECOVERY_MS: '5000',
      UPSTREAM_FAILURE_RATE: '0.25',
    });
    expect(config.port).toBe(3123);
    expect(config.resilience().breakers?.quotes?.recoveryTimeMs).toBe(5000);
    expect(config.upstream().failureRate).toBe(0.25);
  });

  it('names the variable and the value when one is bad', () => {
    expect(() => new SampleConfig({ UPSTREAM_FAILURE_RATE: '1.5' }).upstream()).toThrow(
      new SampleConfigError('UPSTREAM_FAILURE_RATE', '1.5', 'a number in [0, 1]'),
    );
    expect(() => new SampleConfig({ PORT: 'http' }).port).toThrow(
      'Invalid PORT="http" (expected a number in [0, 65535])',
    );
  });

  it('counts transient provider failures against the breaker, except 429', () => {
    expect(countsAgainstProvider({ isTransient: true, status: 503 })).toBe(true);
    expect(countsAgainstProvider({ isTransient: true, status: 0 })).toBe(true);
    expect(countsAgainstProvider({ isTransient: true, status: 429 })).toBe(false);
    expect(countsAgainstProvider({ isTransient: false, status: 404 })).toBe(false);
    expect(countsAgainstProvider(new Error('bug'))).toBe(false);
  });
});

describe('SampleConfig.costs(): the daily budget and the usage log of the /ask model', () => {
  it('defaults to 1 USD per UTC day, warning at 80%, usage in memory; the options build a tracker that prices the simulator', async () => {
    const costs = new SampleConfig({}).costs();
    expect(costs).toEqual({
      budgets: [{ name: SAMPLE_BUDGET, limitUsd: 1, window: 'day', timeZone: 'UTC', warnAt: [0.8] }],
      usageLog: {},
    });
    const tracker = CostTracker.create(costs);
    try {
      // The simulator answers as gpt-4o-mini: the built-in table prices it (a budget needs a price).
      expect(tracker.prices.lookup(SIM_DEFAULT_MODEL, 'openai')).toMatchObject({
        input_cost_per_token: expect.any(Number),
        output_cost_per_token: expect.any(Number),
      });
      expect((await tracker.budgetStatus()).map((b) => [b.budget, b.limitUsd])).toEqual([[SAMPLE_BUDGET, 1]]);
    } finally {
      await tracker.close();
    }
  });

  it('SAMPLE_DAILY_BUDGET_USD sets the limit (0: no budget), SAMPLE_USAGE_DIR the files, SAMPLE_SPEND_FILE the journal', () => {
    expect(new SampleConfig({ SAMPLE_DAILY_BUDGET_USD: '0.01' }).costs().budgets).toEqual([
      expect.objectContaining({ name: SAMPLE_BUDGET, limitUsd: 0.01 }),
    ]);
    expect(new SampleConfig({ SAMPLE_DAILY_BUDGET_USD: '0' }).costs()).toEqual({ usageLog: {} });
    expect(
      new SampleConfig({ SAMPLE_USAGE_DIR: '/var/log/sample', SAMPLE_SPEND_FILE: '/var/lib/sample/spend' }).costs(),
    ).toMatchObject({ usageLog: { dir: '/var/log/sample' }, spendFile: '/var/lib/sample/spend' });
  });

  it('names the variable when one is bad', () => {
    for (const bad of ['lots', '-1', 'NaN'])
      expect(() => new SampleConfig({ SAMPLE_DAILY_BUDGET_USD: bad }).costs()).toThrow(
        new SampleConfigError('SAMPLE_DAILY_BUDGET_USD', bad, 'a number in [0, 1000000]'),
      );
    expect(() =>
      new SampleConfig({ SAMPLE_SPEND_FILE: 'spend.journal', REDIS_URL: 'redis://127.0.0.1:6379' }).costs(),
    ).toThrow(/Invalid SAMPLE_SPEND_FILE="spend.journal" \(expected unset when REDIS_URL is set/);
  });
});

describe('mergeResilienceOptions', () => {
  it('merges named policies option by option and replaces top-level values; absent sections stay absent', () => {
    const random = () => 0.5;
    const merged = mergeResilienceOptions(
      { breakers: { quotes: { failureThreshold: 5, recoveryTimeMs: 15_000 } }, retries: { quotes: { maxRetries: 2 } } },
      { random, breakers: { quotes: { recoveryTimeMs: 50 }, other: { failureThreshold: 1 } } },
    );
    expect(merged).toEqual({
      random,
      breakers: { quotes: { failureThreshold: 5, recoveryTimeMs: 50 }, other: { failureThreshold: 1 } },
      retries: { quotes: { maxRetries: 2 } },
    });
    expect(
      mergeResilienceOptions(
        { timeouts: { board: { totalTimeoutMs: 1500 } } },
        { timeouts: { board: { totalTimeoutMs: 50 } } },
      ),
    ).toEqual({ timeouts: { board: { totalTimeoutMs: 50 } } });
  });
});

describe('SampleConfig store: REDIS_URL set → Redis, unset → memory', () => {
  let redis: { url: string; stop(): Promise<void> };
  let admin: Redis;
  const prefix = uniquePrefix('sample');

  beforeAll(async () => {
    redis = await testRedis();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
    await redis.stop();
  });

  it('without REDIS_URL (or with an empty one) the policies keep their state in memory', async () => {
    for (const env of [{}, { REDIS_URL: '  ' }]) {
      const options = new SampleConfig(env).resilience();
      expect(options.store).toBeUndefined();
      const registry = await ResilienceRegistry.create(options);
      expect(registry.storeKind).toBe('memory');
      await registry.close();
    }
  });

  it('with REDIS_URL the quotes limiter lives in Redis, under REDIS_KEY_PREFIX', async () => {
    const config = new SampleConfig({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, REDIS_EXPECTED_REPLICAS: '2' });
    expect(config.resilience().store).toEqual({
      type: 'redis',
      url: redis.url,
      keyPrefix: prefix,
      expectedReplicas: 2,
    });
    const registry = await ResilienceRegistry.create(config.resilience());
    try {
      expect(registry.storeKind).toBe('redis');
      await registry.limiter('quotes').acquire();
      expect(await admin.exists(`${prefix}{limiter:quotes}`)).toBe(1);
      expect(registry.breaker('quotes').snapshot().state).toBe('closed');
    } finally {
      await registry.close();
    }
    expect(new SampleConfig({ REDIS_URL: redis.url }).store()).toMatchObject({
      keyPrefix: 'nest-resilience-sample:',
      expectedReplicas: 1,
    });
  });

  it('a bad REDIS_URL is named without its password; a bad REDIS_EXPECTED_REPLICAS is named with its value', () => {
    for (const url of ['http://user:s3cret@host:6379', ':s3cret@host:6379']) {
      const err = (() => {
        try {
          new SampleConfig({ REDIS_URL: url }).resilience();
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(SampleConfigError);
      expect(err!.message).toContain('REDIS_URL');
      expect(err!.message).not.toContain('s3cret');
    }
    expect(() =>
      new SampleConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_EXPECTED_REPLICAS: '2.5' }).store(),
    ).toThrow('Invalid REDIS_EXPECTED_REPLICAS="2.5" (expected an integer in [1, 1000])');
    expect(withoutPassword('redis://:pw@127.0.0.1:6379/0')).toBe('redis://***@127.0.0.1:6379/0');
    expect(withoutPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
