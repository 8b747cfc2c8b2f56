/**
 * A script whose only pending work is one call of ours (issue 8 §6). Run by
 * keep-alive.e2e-spec.ts as `node --import ./bench/register.mjs test/keep-alive/pending-call.ts <case>`:
 * it must print the call's result and exit 0 (a pending call keeps Node alive), and exit as
 * soon as nothing is pending (background timers never keep it alive).
 */
import { CircuitBreakerPolicy, createPipeline, RateLimiterPolicy, RetryPolicy } from 'nest-resilience/core';
import { RedisStore } from 'nest-resilience/redis';

const quiet = { warn: () => undefined, log: () => undefined };
const mode = process.argv[2];

if (mode === 'retry') {
  // A retry backoff of 300 ms is the only thing left to wait for.
  const retry = RetryPolicy.create('batch', { maxRetries: 1, baseDelayMs: 300, jitter: 'none', retryOn: () => true });
  let attempts = 0;
  const result = await retry.execute(() => {
    if (attempts++ === 0) throw new Error('transient');
    return `retried after backoff (${attempts} attempts)`;
  });
  console.log(result);
} else if (mode === 'pipeline-retry') {
  // The same through a composed pipeline (what the decorators run).
  const retry = RetryPolicy.create('batch', { maxRetries: 1, baseDelayMs: 300, jitter: 'none', retryOn: () => true });
  const breaker = CircuitBreakerPolicy.create('batch', { failureThreshold: 5 });
  const run = createPipeline({ retry, breaker });
  let attempts = 0;
  const result = await run(
    () => {
      if (attempts++ === 0) throw new Error('transient');
      return `pipeline retried (${attempts} attempts)`;
    },
    undefined,
    [],
  );
  console.log(result);
} else if (mode === 'limiter') {
  // The second call waits 300 ms for its token (the bucket's head timer).
  const limiter = RateLimiterPolicy.create('batch', { rate: 1, periodMs: 300, burst: 1, maxWaitMs: 5000 });
  const results = [await limiter.execute(() => 'first'), await limiter.execute(() => 'second, after a token wait')];
  console.log(results.join(' / '));
} else if (mode === 'redis-limiter') {
  // A shared limiter: the second call waits for Redis's answer "in 300 ms" (the re-ask timer).
  const store = await RedisStore.create({
    url: process.env.REDIS_URL!,
    keyPrefix: process.env.KEY_PREFIX!,
    logger: quiet,
  });
  const limiter = RateLimiterPolicy.create('batch', { rate: 1, periodMs: 300, burst: 1, maxWaitMs: 5000 }, { store });
  const results = [
    await limiter.execute(() => 'first'),
    await limiter.execute(() => 'second, after a shared token wait'),
  ];
  await store.close();
  console.log(results.join(' / '));
} else if (mode === 'idle') {
  // Nothing pending: an open breaker (60 s recovery), a paused limiter, a used retry policy.
  const breaker = CircuitBreakerPolicy.create('idle', { failureThreshold: 1, recoveryTimeMs: 60_000 });
  await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
  const limiter = RateLimiterPolicy.create('idle', { rate: 1, periodMs: 60_000, burst: 1, maxWaitMs: 0 });
  await limiter.execute(() => 'taken');
  limiter.bucketFor([]).pauseUntil(Date.now() + 60_000);
  console.log(`idle: breaker ${breaker.state()}`);
} else if (mode === 'idle-redis') {
  // A Redis store whose breaker is open (60 s) and whose cache refresh ran, closed by the script.
  const store = await RedisStore.create({
    url: process.env.REDIS_URL!,
    keyPrefix: process.env.KEY_PREFIX!,
    logger: quiet,
    breakerSyncMs: 20,
  });
  const breaker = CircuitBreakerPolicy.create('idle', { failureThreshold: 1, recoveryTimeMs: 60_000 }, { store });
  await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
  const refused = await breaker.execute(() => 'ran').catch((e: Error) => e.name);
  await store.close();
  console.log(`idle-redis: ${refused}`);
} else {
  throw new Error(`unknown case ${mode}`);
}
