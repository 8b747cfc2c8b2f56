import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { isTimeoutError, TimeoutError } from '../errors/timeout.error.js';
import { createPipeline } from '../pipeline/pipeline.js';
import type { ExecuteContext } from '../policy/execute-options.js';
import { observe } from '../testing-support/observe.js';
import type { TimeoutEvent } from './timeout.events.js';
import { TimeoutPolicy } from './timeout.policy.js';

/** A promise that settles only when `signal` aborts (rejecting with its reason), like cancellable I/O. */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

describe('TimeoutPolicy.execute (fn(context), on virtual time)', () => {
  it('a call that settles in time resolves with its value and leaves no timer behind', async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('search', { timeoutMs: 100, totalTimeoutMs: 500 }, { clock });
    let ctx: ExecuteContext | undefined;
    const done = observe(
      p.execute(async (c) => {
        ctx = c;
        await new Promise<void>((r) => clock.setTimeout(r, 99));
        return 'hits';
      }),
    );
    await clock.advance(99);
    expect(done).toMatchObject({ state: 'fulfilled', value: 'hits' });
    expect(ctx!.attempt).toBe(1);
    expect(ctx!.signal).toBeInstanceOf(AbortSignal);
    expect(ctx!.signal!.aborted).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('at the attempt deadline: the signal aborts with TimeoutError, the call rejects with it, the event fires', async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('search', { timeoutMs: 100 }, { clock });
    const events: TimeoutEvent[] = [];
    p.onTimeout((e) => events.push(e));
    let signal: AbortSignal | undefined;
    const done = observe(
      p.execute(({ signal: s }) => {
        signal = s;
        return new Promise<never>(() => undefined); // ignores its signal: rejected at the deadline anyway
      }),
    );
    await clock.advance(99);
    expect(done.state).toBe('pending');
    await clock.advance(1);
    expect(done.state).toBe('rejected');
    expect(done.error).toBeInstanceOf(TimeoutError);
    expect(done.error).toMatchObject({ policy: 'search', scope: 'attempt', timeoutMs: 100, isTransient: true });
    expect(signal!.aborted).toBe(true);
    expect(isTimeoutError(signal!.reason)).toBe(true);
    expect(events).toEqual([{ type: 'timeout', policy: 'search', scope: 'attempt', timeoutMs: 100 }]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the total deadline rejects with scope total; a cooperative fn sees its signal abort', async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('report', { totalTimeoutMs: 300 }, { clock });
    const done = observe(p.execute(({ signal }) => untilAborted(signal)));
    await clock.advance(300);
    expect(done.state).toBe('rejected');
    expect(done.error).toMatchObject({ scope: 'total', timeoutMs: 300 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("the caller's signal is forwarded to fn's signal; the call rejects with fn's own error", async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('search', { timeoutMs: 1000 }, { clock });
    const ac = new AbortController();
    const done = observe(p.execute(({ signal }) => untilAborted(signal), { signal: ac.signal }));
    await clock.advance(10);
    ac.abort(new Error('user left'));
    await clock.advance(0);
    expect(done.state).toBe('rejected');
    expect((done.error as Error).message).toBe('user left');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a method call hands the attempt signal to the parameter at signalArg', async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('search', { timeoutMs: 50, signalArg: 1 }, { clock });
    const run = createPipeline({ timeout: p, clock });
    const seen: unknown[] = [];
    const service = {
      search(query: string, signal?: AbortSignal) {
        seen.push(query, signal);
        return untilAborted(signal);
      },
    };
    const done = observe(run(service.search, service, ['shoes', undefined]));
    await clock.advance(50);
    expect(seen[0]).toBe('shoes');
    expect(seen[1]).toBeInstanceOf(AbortSignal);
    expect((seen[1] as AbortSignal).aborted).toBe(true);
    expect(done.error).toMatchObject({ scope: 'attempt', timeoutMs: 50 });
  });
});
