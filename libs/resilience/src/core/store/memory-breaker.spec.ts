import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import { PERMIT_NORMAL, PERMIT_TRIAL } from './store.js';
import type { CircuitStateChange } from '../circuit-breaker/circuit-breaker.options.js';
import { normalizeCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.normalize.js';
import { MemoryBreaker } from './memory-breaker.js';

describe('MemoryBreaker.seed / held (handing state between backends)', () => {
  const setup = () => {
    const clock = new VirtualClock();
    const events: CircuitStateChange[] = [];
    const options = normalizeCircuitBreakerOptions(
      { failureThreshold: 2, recoveryTimeMs: 1000, historySize: 10, onStateChange: (e) => events.push(e) },
      'breakers.b',
    );
    return { clock, events, breaker: new MemoryBreaker({ policy: 'b', key: 'breaker:b' }, options, clock) };
  };

  it('seeded open: refuses until openUntil without a new event, then reports open → half_open', async () => {
    const { clock, events, breaker } = setup();
    const openedAt = clock.now() - 400;
    breaker.seed({ state: 'open', openedAt, openUntil: openedAt + 1000, forced: false, disabled: false });
    expect(events).toEqual([]);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot()).toMatchObject({ openedAt, retryAfterMs: 600, stateChanges: [] });
    await clock.advance(599);
    expect(() => breaker.admit()).toThrow(CircuitBreakerOpenError);
    expect(() => breaker.precheck()).toThrow(CircuitBreakerOpenError);
    await clock.advance(1);
    expect(breaker.admit()).toBe(PERMIT_TRIAL);
    expect(events.map((e) => `${e.from}→${e.to}@${e.at - openedAt}`)).toEqual(['open→half_open@1000']);
  });

  it('held() gives back what the breaker is in, open period included', async () => {
    const { clock, breaker } = setup();
    breaker.onFailure(breaker.admit(), 0);
    breaker.onFailure(breaker.admit(), 0);
    expect(breaker.held()).toEqual({
      state: 'open',
      openedAt: clock.now(),
      openUntil: clock.now() + 1000,
      forced: false,
      disabled: false,
    });
    breaker.seed({ state: 'closed', openedAt: -1, openUntil: -1, forced: false, disabled: false });
    expect(breaker.state()).toBe('closed');
    expect(breaker.admit()).toBe(PERMIT_NORMAL);
  });
});
