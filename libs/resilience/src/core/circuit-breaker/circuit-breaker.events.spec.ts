import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerOpenError, RateLimiterRejectedError } from '../errors/index.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import type { BreakerEvent, BreakerStateEvent } from './circuit-breaker.events.js';
import type { CircuitBreakerOptions } from './circuit-breaker.options.js';
import { CircuitBreakerPolicy } from './circuit-breaker.policy.js';

class NotFoundError extends Error {}

let clock: VirtualClock;
let store: MemoryStore;

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const make = (o: CircuitBreakerOptions = {}) =>
  CircuitBreakerPolicy.create('b', { failureThreshold: 1, recoveryTimeMs: 1_000, ...o }, { clock, store });

/** A call that runs `ms` of virtual time, then returns or throws `outcome`. */
async function call(b: CircuitBreakerPolicy, ms: number, outcome?: Error, args: unknown[] = []): Promise<unknown> {
  const p = b
    .execute(
      () =>
        new Promise((resolve, reject) =>
          clock.setTimeout(() => (outcome === undefined ? resolve('ok') : reject(outcome)), ms),
        ),
      { args },
    )
    .catch((e: unknown) => e);
  await clock.advance(ms);
  return p;
}

/** Subscribes one log to every event of `b`. */
function record(b: CircuitBreakerPolicy): BreakerEvent[] {
  const events: BreakerEvent[] = [];
  const push = (e: BreakerEvent) => events.push(e);
  b.onStateChange(push);
  b.onSuccess(push);
  b.onFailure(push);
  b.onRejected(push);
  return events;
}

describe('CircuitBreakerPolicy events', () => {
  it('success, failure (with durationMs and error), state changes and refusals, in order', async () => {
    const b = make();
    const events = record(b);
    expect(await call(b, 30)).toBe('ok');
    const boom = new Error('boom');
    expect(await call(b, 70, boom)).toBe(boom);
    const refused = await call(b, 0);
    expect(refused).toBeInstanceOf(CircuitBreakerOpenError);
    expect(events).toEqual([
      { type: 'breaker.success', policy: 'b', durationMs: 30 },
      { type: 'breaker.state', policy: 'b', from: 'closed', to: 'open', at: 100 },
      { type: 'breaker.failure', policy: 'b', durationMs: 70, error: boom },
      { type: 'breaker.rejected', policy: 'b', state: 'open', retryAfterMs: 1_000, error: refused },
    ]);
    // The state event is the entry kept in the history.
    expect(b.snapshot().stateChanges[0]).toBe(events[1]);
  });

  it('half-open with its trial slot taken: a rejected event with state half_open and the partition key', async () => {
    const b = make({ partitionKey: (host: string) => host });
    await call(b, 0, new Error('down'), ['api']);
    await clock.advance(1_000);
    const rejected: BreakerEvent[] = [];
    b.onRejected((e) => rejected.push(e));
    let finish!: () => void;
    const trial = b.execute(() => new Promise<void>((r) => (finish = r)), { args: ['api'] });
    const second = await call(b, 0, undefined, ['api']);
    expect(rejected).toEqual([
      {
        type: 'breaker.rejected',
        policy: 'b',
        partitionKey: 'api',
        state: 'half_open',
        retryAfterMs: 0,
        error: second,
      },
    ]);
    finish();
    await trial;
  });

  it('an excluded error emits neither success nor failure; a limiter refusal is not a breaker refusal', async () => {
    const b = make({ excludeOn: [NotFoundError] });
    const events = record(b);
    await call(b, 5, new NotFoundError());
    const limiter = RateLimiterPolicy.create('l', { rate: 1, periodMs: 60_000, mode: 'reject' }, { clock, store });
    await limiter.acquire();
    const run = createPipeline({ breaker: b, limiter, clock });
    await expect(run.execute(() => 'x')).rejects.toBeInstanceOf(RateLimiterRejectedError);
    expect(events).toEqual([]);
  });

  it('the onStateChange option subscribes once; a disposed listener hears nothing more', async () => {
    const fromOption: BreakerStateEvent[] = [];
    const b = make({ onStateChange: (e) => fromOption.push(e) });
    const fromSub: BreakerStateEvent[] = [];
    const sub = b.onStateChange((e) => fromSub.push(e));
    await call(b, 0, new Error('x')); // closed → open
    sub.dispose();
    sub.dispose(); // harmless twice
    await clock.advance(1_000);
    await call(b, 0); // open → half_open → closed
    expect(fromSub.map((e) => e.to)).toEqual(['open']);
    expect(fromOption.map((e) => e.to)).toEqual(['open', 'half_open', 'closed']);
  });

  it('calls are timed only while a success or failure listener is subscribed (or slow calls are counted)', () => {
    const b = make();
    expect(b.measuresDuration).toBe(false);
    const s = b.onSuccess(() => undefined);
    const f = b.onFailure(() => undefined);
    expect(b.measuresDuration).toBe(true);
    s.dispose();
    expect(b.measuresDuration).toBe(true);
    f.dispose();
    expect(b.measuresDuration).toBe(false);
    b.onRejected(() => undefined);
    b.onStateChange(() => undefined);
    expect(b.measuresDuration).toBe(false);
    expect(make({ failureRateThreshold: 50, slowCallDurationMs: 100 }).measuresDuration).toBe(true);
  });
});
