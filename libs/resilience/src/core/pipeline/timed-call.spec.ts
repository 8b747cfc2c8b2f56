import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { TimeoutError } from '../errors/timeout.error.js';
import type { ExecuteContext } from '../policy/execute-options.js';
import { observe } from '../testing-support/observe.js';
import { TimeoutPolicy } from '../timeout/timeout.policy.js';
import { AttemptContext } from './timed-call.js';

describe('AttemptContext (the lazily created attempt signal)', () => {
  it('creates its signal on first read, linked to the call signal until the attempt ends', () => {
    const parent = new AbortController();
    const ctx = new AttemptContext(1, parent.signal);
    const signal = ctx.signal;
    expect(ctx.signal).toBe(signal);
    parent.abort('stop');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('stop');
  });

  it('a deadline that passed before the first read yields a signal already aborted with its error', () => {
    const ctx = new AttemptContext(2, undefined);
    const error = new Error('deadline');
    ctx.abort(error);
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe(error);
  });

  it('after end, the call signal is no longer forwarded', () => {
    const parent = new AbortController();
    const ctx = new AttemptContext(1, parent.signal);
    const signal = ctx.signal;
    ctx.end();
    parent.abort('late');
    expect(signal.aborted).toBe(false);
  });
});

describe('timeout without a signal read (virtual time)', () => {
  it('still rejects at the deadline and leaves no timer; a context read later sees the abort', async () => {
    const clock = new VirtualClock(0);
    const p = TimeoutPolicy.create('t', { timeoutMs: 50 }, { clock });
    let ctx: ExecuteContext | undefined;
    const done = observe(
      p.execute((c) => {
        ctx = c;
        return new Promise<never>(() => undefined);
      }),
    );
    await clock.advance(50);
    expect(done.state).toBe('rejected');
    expect(done.error).toBeInstanceOf(TimeoutError);
    expect(clock.pendingTimers()).toBe(0);
    expect(ctx!.signal!.aborted).toBe(true);
    expect(ctx!.signal!.reason).toBe(done.error);
  });
});
