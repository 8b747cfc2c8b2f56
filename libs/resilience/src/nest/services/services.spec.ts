import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { VirtualClock } from '../../core/clock.js';
import { CircuitBreakerOpenError, RateLimiterRejectedError, ResilienceConfigError } from '../../core/errors/index.js';
import { ResilienceModule } from '../resilience.module.js';
import { CircuitBreakerService } from './circuit-breaker.service.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { RetryService } from './retry.service.js';

class Transient extends Error {
  readonly isTransient = true;
}

let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function boot(imports: unknown[]): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({ imports: imports as never }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** Runs breaker `name` into the open state and counts the calls it takes. */
async function callsToOpen(breakers: CircuitBreakerService, name: string): Promise<number> {
  let calls = 0;
  for (let i = 0; i < 10 && breakers.state(name) === 'closed'; i++) {
    await expect(
      breakers.execute(name, () => {
        calls++;
        throw new Transient('down');
      }),
    ).rejects.toThrow('down');
  }
  return calls;
}

describe('CircuitBreakerService', () => {
  it('execute / state / snapshot / snapshots / forceOpen / disable / reset act on the named breaker', async () => {
    const clock = new VirtualClock();
    const m = await boot([
      ResilienceModule.forRoot({
        clock,
        breakers: { payments: { failureThreshold: 2, recoveryTimeMs: 5_000 }, other: {} },
      }),
    ]);
    const breakers = m.get(CircuitBreakerService);
    expect(breakers.names()).toEqual(['payments', 'other']);
    expect(await breakers.execute('payments', async () => 'charged')).toBe('charged');
    expect(await callsToOpen(breakers, 'payments')).toBe(2);
    expect(breakers.state('payments')).toBe('open');
    let calls = 0;
    await expect(breakers.execute('payments', () => calls++)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(calls).toBe(0);
    expect(breakers.snapshot('payments')).toMatchObject({
      name: 'payments',
      state: 'open',
      successes: 1,
      failures: 2,
      rejections: 1,
      retryAfterMs: 5_000,
    });
    expect(breakers.snapshots().map((s) => [s.name, s.state])).toEqual([
      ['payments', 'open'],
      ['other', 'closed'],
    ]);
    await clock.advance(5_000);
    expect(breakers.state('payments')).toBe('half_open');

    breakers.reset('payments');
    expect(breakers.state('payments')).toBe('closed');
    expect(breakers.snapshot('payments').failureCount).toBe(0);
    expect(await breakers.execute('payments', () => 'again')).toBe('again');

    breakers.forceOpen('payments');
    await expect(breakers.execute('payments', () => calls++)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(calls).toBe(0);
    breakers.disable('payments');
    for (let i = 0; i < 3; i++)
      await expect(breakers.execute('payments', () => Promise.reject(new Transient('x')))).rejects.toThrow('x');
    expect(breakers.state('payments')).toBe('closed');
    expect(breakers.snapshot('payments').disabled).toBe(true);
    // The other breaker was never touched.
    expect(breakers.snapshot('other')).toMatchObject({ state: 'closed', successes: 0, failures: 0 });
  });

  it('get / execute / state of an unknown breaker throw ResilienceConfigError naming the known ones', async () => {
    const m = await boot([ResilienceModule.forRoot({ breakers: { payments: {} } })]);
    const breakers = m.get(CircuitBreakerService);
    expect(() => breakers.state('paymnets')).toThrow(ResilienceConfigError);
    expect(() => breakers.get('paymnets')).toThrow('"paymnets" (expected the name of a configured breaker: payments)');
    expect(() => breakers.execute('paymnets', () => 1)).toThrow(ResilienceConfigError);
  });
});

describe('RetryService', () => {
  it('execute retries per the named policy, passing attempt numbers; a signal cancels the wait at once', async () => {
    const clock = new VirtualClock();
    const m = await boot([
      ResilienceModule.forRoot({ clock, retries: { idempotent: { maxRetries: 2, baseDelayMs: 100, jitter: 'none' } } }),
    ]);
    const retries = m.get(RetryService);
    expect(retries.names()).toEqual(['idempotent']);
    expect(retries.get('idempotent').options.maxRetries).toBe(2);
    const attempts: number[] = [];
    const p = retries.execute('idempotent', ({ attempt }) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Transient('t');
      return `ok@${attempt}`;
    });
    await clock.runAll();
    expect(await p).toBe('ok@3');
    expect(attempts).toEqual([1, 2, 3]);

    const ac = new AbortController();
    let calls = 0;
    const aborted = retries
      .execute(
        'idempotent',
        () => {
          calls++;
          throw new Transient('t');
        },
        { signal: ac.signal },
      )
      .catch((e: unknown) => e);
    await clock.advance(50);
    const reason = new Error('stop');
    ac.abort(reason);
    expect(await aborted).toBe(reason);
    expect(calls).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
    expect(() => retries.execute('nope', () => 1)).toThrow(ResilienceConfigError);
  });
});

describe('RateLimiterService', () => {
  it('execute / acquire take tokens from the named limiter; reject mode fails at once; snapshot shows the level', async () => {
    const clock = new VirtualClock();
    const m = await boot([
      ResilienceModule.forRoot({ clock, limiters: { openai: { rate: 3, periodMs: 60_000, mode: 'reject' } } }),
    ]);
    const limiters = m.get(RateLimiterService);
    expect(limiters.names()).toEqual(['openai']);
    expect(await limiters.execute('openai', () => 'first')).toBe('first');
    await limiters.acquire('openai', { tokens: 2 });
    expect(limiters.snapshot('openai')).toMatchObject({ name: 'openai', available: 0, waiting: 0 });
    let calls = 0;
    const e = (await limiters
      .execute('openai', () => calls++)
      .catch((err: unknown) => err)) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.retryAfterMs).toBe(20_000);
    expect(calls).toBe(0);
    await clock.advance(20_000);
    expect(await limiters.execute('openai', () => 'later')).toBe('later');
    await expect(limiters.acquire('nope')).rejects.toBeInstanceOf(ResilienceConfigError);
  });

  it('acquire in wait mode waits for the token and a signal cancels the wait at once', async () => {
    const clock = new VirtualClock();
    const m = await boot([ResilienceModule.forRoot({ clock, limiters: { slow: { rate: 1, periodMs: 1_000 } } })]);
    const limiters = m.get(RateLimiterService);
    await limiters.acquire('slow');
    let admitted = false;
    const waiting = limiters.acquire('slow').then(() => (admitted = true));
    await clock.advance(999);
    expect(admitted).toBe(false);
    await clock.advance(1);
    await waiting;
    expect(admitted).toBe(true);
    const ac = new AbortController();
    const cancelled = limiters.execute('slow', () => 'never', { signal: ac.signal }).catch((e: unknown) => e);
    ac.abort('gone');
    expect(await cancelled).toBe('gone');
    expect(limiters.snapshot('slow').waiting).toBe(0);
  });
});
