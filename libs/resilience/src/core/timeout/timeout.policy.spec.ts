import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import { isTimeoutError, TimeoutError } from '../errors/timeout.error.js';
import type { TimeoutStage } from '../pipeline/stages.js';
import type { TimeoutEvent } from './timeout.events.js';
import { normalizeTimeoutOptions } from './timeout.normalize.js';
import { TimeoutPolicy } from './timeout.policy.js';

describe('TimeoutPolicy as a TimeoutStage', () => {
  it('exposes the normalized deadlines and signal argument the pipeline reads', () => {
    const clock = new VirtualClock(0);
    const stage: TimeoutStage = TimeoutPolicy.create('search', { timeoutMs: 200, signalArg: 1 }, { clock });
    expect(stage.name).toBe('search');
    expect(stage.attemptMs).toBe(200);
    expect(stage.totalMs).toBe(Infinity);
    expect(stage.signalArg).toBe(1);
    const total = TimeoutPolicy.create('t', { totalTimeoutMs: 900 });
    expect([total.attemptMs, total.totalMs, total.signalArg]).toEqual([Infinity, 900, -1]);
    expect((stage as TimeoutPolicy).clock).toBe(clock);
  });

  it('timeoutError(scope) builds a transient TimeoutError with the deadline of that scope', () => {
    const p = TimeoutPolicy.create('search', { timeoutMs: 200, totalTimeoutMs: 1000 });
    const attempt = p.timeoutError('attempt');
    const total = p.timeoutError('total');
    expect(attempt).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(total)).toBe(true);
    expect([attempt.policy, attempt.timeoutMs, attempt.scope, attempt.isTransient]).toEqual([
      'search',
      200,
      'attempt',
      true,
    ]);
    expect([total.timeoutMs, total.scope]).toEqual([1000, 'total']);
    expect(attempt).not.toBe(p.timeoutError('attempt')); // a fresh error (its own stack) per deadline
  });

  it('onTimeout hears every deadline with policy, scope and timeoutMs; dispose stops it', () => {
    const p = TimeoutPolicy.create('search', { timeoutMs: 200, totalTimeoutMs: 1000 });
    const seen: TimeoutEvent[] = [];
    const sub = p.onTimeout((e) => seen.push(e));
    p.timeoutError('attempt');
    p.timeoutError('total');
    sub.dispose();
    p.timeoutError('attempt');
    expect(seen).toEqual([
      { type: 'timeout', policy: 'search', scope: 'attempt', timeoutMs: 200 },
      { type: 'timeout', policy: 'search', scope: 'total', timeoutMs: 1000 },
    ]);
  });

  it('the constructor trusts normalized options and checks deps, naming timeouts.<name>.clock', () => {
    const p = new TimeoutPolicy('n', normalizeTimeoutOptions({ timeoutMs: 5 }, 'timeouts.n'));
    expect(p.attemptMs).toBe(5);
    let error: unknown;
    try {
      TimeoutPolicy.create('n', { timeoutMs: 5 }, { clock: {} } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as ResilienceConfigError).path).toBe('timeouts.n.clock.now');
  });
});
