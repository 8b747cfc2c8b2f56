import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { TimeoutPolicy } from '../../core/timeout/timeout.policy.js';
import { Timeout } from '../decorators/timeout.decorator.js';
import { WithRetry } from '../decorators/with-retry.decorator.js';
import { ResilienceModule } from '../resilience.module.js';
import { checkPipeline } from './pipeline-checks.js';

const messages = (findings: ReturnType<typeof checkPipeline>) => findings.map((f) => `${f.level}: ${f.message}`);

describe('checkPipeline', () => {
  it('finds nothing in a consistent pipeline', () => {
    expect(
      checkPipeline(
        {
          timeout: TimeoutPolicy.create('t', { timeoutMs: 1_000, totalTimeoutMs: 10_000 }),
          retry: RetryPolicy.create('r', { maxRetries: 3, baseDelayMs: 100, maxElapsedMs: 5_000 }),
          breaker: CircuitBreakerPolicy.create('b', {
            failureRateThreshold: 50,
            slidingWindow: { type: 'time', durationMs: 60_000 },
            slowCallDurationMs: 500,
          }),
        },
        'A.m',
      ),
    ).toEqual([]);
  });

  it('an attempt deadline above the total timeout is an error naming both and the method', () => {
    const [finding, ...rest] = checkPipeline(
      {
        timeout: TimeoutPolicy.create('t', { totalTimeoutMs: 1_000 }),
        attemptTimeout: { ms: 2_000, source: "client 'quotes' timeoutMs" },
      },
      'QuotesService.get',
    );
    expect(rest).toEqual([]);
    expect(finding!.level).toBe('error');
    const error = (finding as { error: ResilienceConfigError }).error;
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect(error.message).toBe(
      "Invalid resilience option client 'quotes' timeoutMs (on QuotesService.get): 2000 (expected at most the totalTimeoutMs of timeout 't' (1000 ms): an attempt cannot outlast the whole call)",
    );
  });

  it('retries whose smallest delays cannot fit maxElapsedMs, or the total timeout, are a warning each', () => {
    const retry = RetryPolicy.create('r', {
      maxRetries: 4,
      baseDelayMs: 1_000,
      backoffFactor: 2,
      jitter: 'full',
      maxElapsedMs: 5_000,
    });
    // Delays 1000, 2000, 4000, 8000: 3000 fit in 5000 (2 retries), 7000 in 8000 (3 retries).
    expect(
      messages(checkPipeline({ retry, timeout: TimeoutPolicy.create('t', { totalTimeoutMs: 8_000 }) }, 'A.m')),
    ).toEqual([
      "warn: A.m: retry 'r' cannot make its 4 retries within its maxElapsedMs (5000 ms): their delays alone (baseDelayMs 1000, backoffFactor 2, no jitter) add up to at least 15000 ms, so at most 2 can run",
      "warn: A.m: retry 'r' cannot make its 4 retries within the totalTimeoutMs of timeout 't' (8000 ms): their delays alone (baseDelayMs 1000, backoffFactor 2, no jitter) add up to at least 15000 ms, so at most 3 can run",
    ]);
  });

  it('counts capped delays (maxDelayMs) and skips unbounded retry counts', () => {
    const capped = RetryPolicy.create('r', { maxRetries: 100, baseDelayMs: 10, maxDelayMs: 50, maxElapsedMs: 1_000 });
    expect(messages(checkPipeline({ retry: capped }, 'A.m'))).toEqual([
      "warn: A.m: retry 'r' cannot make its 100 retries within its maxElapsedMs (1000 ms): their delays alone (baseDelayMs 10, backoffFactor 2, no jitter) add up to at least 4920 ms, so at most 21 can run",
    ]);
    const fits = RetryPolicy.create('r', { maxRetries: 3, baseDelayMs: 100, maxElapsedMs: 700 });
    expect(checkPipeline({ retry: fits }, 'A.m')).toEqual([]);
    const unbounded = RetryPolicy.create('r', { maxRetries: Infinity, baseDelayMs: 100, maxElapsedMs: 700 });
    expect(checkPipeline({ retry: unbounded }, 'A.m')).toEqual([]);
  });

  it('a breaker counting slow calls at or above the attempt deadline, or with a short time window, is a warning', () => {
    const breaker = CircuitBreakerPolicy.create('b', {
      failureRateThreshold: 50,
      slidingWindow: { type: 'time', durationMs: 3_000 },
      slowCallDurationMs: 2_000,
    });
    expect(
      messages(checkPipeline({ breaker, timeout: TimeoutPolicy.create('t', { timeoutMs: 2_000 }) }, 'A.m')),
    ).toEqual([
      "warn: A.m: breaker 'b' slowCallDurationMs (2000 ms) is not below timeout 't' timeoutMs (2000 ms): an attempt times out (a failure) before it can count as slow",
      "warn: A.m: breaker 'b' slidingWindow.durationMs (3000 ms) is shorter than twice timeout 't' timeoutMs (2000 ms): the window cannot hold enough attempts to judge a failure rate",
    ]);
    // Without an attempt deadline, the total one bounds every attempt.
    expect(
      messages(checkPipeline({ breaker, timeout: TimeoutPolicy.create('t', { totalTimeoutMs: 1_600 }) }, 'A.m')),
    ).toHaveLength(2);
    expect(checkPipeline({ breaker }, 'A.m')).toEqual([]);
  });
});

describe('cross-checks at bootstrap', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    jest.restoreAllMocks();
  });

  it('logs a warning naming the method and the policies once its pipeline is built', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    @Injectable()
    class Api {
      @WithRetry('slow')
      @Timeout({ totalTimeoutMs: 1_000 })
      async call() {
        return 1;
      }
    }
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ retries: { slow: { maxRetries: 3, baseDelayMs: 1_000 } } })],
      providers: [Api],
    }).compile();
    await moduleRef.init();
    expect(warn).toHaveBeenCalledWith(
      "Api.call: retry 'slow' cannot make its 3 retries within the totalTimeoutMs of timeout 'Api.call' (1000 ms): their delays alone (baseDelayMs 1000, backoffFactor 2, no jitter) add up to at least 7000 ms, so at most 1 can run",
    );
  });
});
