import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CircuitStateChange } from './circuit-breaker.options.js';
import { captureListenerErrors } from '../testing-support/observe.js';
import {
  checkBreakerHarness,
  clock,
  fail,
  make,
  ok,
  openError,
  resetBreakerHarness,
  T0,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — snapshot and events', () => {
  it('counts successes, failures and rejections', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000 });
    await ok(b);
    await ok(b);
    await fail(b);
    await fail(b);
    await openError(fail(b));
    await openError(fail(b));
    await openError(fail(b));
    const s = b.snapshot();
    expect(s).toEqual({
      name: 'b',
      state: 'open',
      disabled: false,
      forcedOpen: false,
      successes: 2,
      failures: 2,
      rejections: 3,
      failureCount: 0,
      openedAt: T0,
      retryAfterMs: 1_000,
      stateChanges: [{ type: 'breaker.state', policy: 'b', from: 'closed', to: 'open', at: T0 }],
    });
  });

  it('records state changes with timestamps and emits onStateChange for each', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, onStateChange: (e) => events.push(e) });
    await clock.advance(10);
    await fail(b); // closed → open at T0+10
    await clock.advance(1_500);
    await ok(b); // open → half_open → closed at T0+1510
    const expected = [
      { type: 'breaker.state', policy: 'b', from: 'closed', to: 'open', at: T0 + 10 },
      { type: 'breaker.state', policy: 'b', from: 'open', to: 'half_open', at: T0 + 1_510 },
      { type: 'breaker.state', policy: 'b', from: 'half_open', to: 'closed', at: T0 + 1_510 },
    ];
    expect(events).toEqual(expected);
    expect(b.snapshot().stateChanges).toEqual(expected);
    // The snapshot hands out a copy.
    b.snapshot().stateChanges.length = 0;
    expect(b.snapshot().stateChanges.length).toBe(3);
  });

  it('keeps at most historySize state changes (the newest)', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, recoveryTimeMs: 100, historySize: 2, onStateChange: (e) => events.push(e) });
    for (let i = 0; i < 5; i++) {
      await fail(b);
      await clock.advance(100);
      await ok(b);
    }
    expect(events.length).toBe(15);
    const h = b.snapshot().stateChanges;
    expect(h).toEqual(events.slice(-2));
    expect(h.map((e) => `${e.from}>${e.to}`)).toEqual(['open>half_open', 'half_open>closed']);
  });

  it('historySize 0 keeps no history but still emits events', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, historySize: 0, onStateChange: (e) => events.push(e) });
    await fail(b);
    expect(b.snapshot().stateChanges).toEqual([]);
    expect(events.length).toBe(1);
  });

  it('a throwing onStateChange listener breaks nothing (its error goes to the listener-error reporter)', async () => {
    let seen = 0;
    const reported = captureListenerErrors();
    const b = make({
      failureThreshold: 1,
      recoveryTimeMs: 100,
      onStateChange: () => {
        seen++;
        throw new Error('listener bug');
      },
    });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(b.state()).toBe('open');
    await openError(fail(b));
    await clock.advance(100);
    expect(await ok(b)).toBe('ok');
    expect(b.state()).toBe('closed');
    expect(seen).toBe(3);
    expect(reported.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug', 'listener bug']);
    expect(b.snapshot().stateChanges.length).toBe(3);
  });
});
