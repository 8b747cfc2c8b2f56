import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { normalizeCircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.normalize.js';
import { CLOSED, OPEN } from '../../core/store/breaker-state.js';
import { SharedBreakerState } from './shared-breaker-state.js';
import type { BreakerReply } from './redis-breaker.types.js';

const owner = { policy: 'shared', key: 'breaker:shared' };
const options = normalizeCircuitBreakerOptions({ failureThreshold: 3, recoveryTimeMs: 5_000 }, 'breakers.shared');

/** A script reply: `{ result, state, remainingMs, epoch, consecutive, forced, disabled, manual }`. */
const reply = (state: number, epoch: number, manual: 0 | 1, remainingMs = 0): BreakerReply => [
  0,
  state,
  String(remainingMs),
  epoch,
  0,
  0,
  0,
  manual,
];

function setup() {
  const clock = new VirtualClock();
  const view = new SharedBreakerState(owner, options, clock, () => undefined);
  /** Applies `r` as the reply of a call sent now. */
  const answer = (r: BreakerReply) => view.apply(r, view.nextSeq(), clock.now());
  return { clock, view, answer };
}

describe('SharedBreakerState: a manual transition ends an opening only when newer', () => {
  it('an opening made here outlives a reset older than it (the hash keeps m = 1 until the next transition)', async () => {
    const { clock, view, answer } = setup();
    answer(reply(CLOSED, 100, 1)); // the breaker was reset in Redis (epoch 100, manual)
    view.transitionHere(OPEN, false, false); // this process's own failures trip it
    await clock.advance(3);
    answer(reply(CLOSED, 100, 1)); // its cfail's reply: Redis still closed, the old reset's flag set
    expect(view.refusing(clock.now())).toBe(true);
    expect(view.history?.map((c) => `${c.from}>${c.to}`)).toEqual(['closed>open']);
    await clock.advance(options.recoveryTimeMs);
    answer(reply(CLOSED, 100, 1));
    expect(view.st).toBe(CLOSED); // after its recovery time the shared state applies
    const [opened, closed] = view.history!;
    expect(closed!.at - opened!.at).toBeGreaterThanOrEqual(options.recoveryTimeMs);
  });

  it('a reset made after the opening (a newer epoch) ends it at once', async () => {
    const { clock, view, answer } = setup();
    answer(reply(CLOSED, 100, 1));
    view.transitionHere(OPEN, false, false);
    await clock.advance(3);
    answer(reply(CLOSED, 101, 1));
    expect(view.st).toBe(CLOSED);
    expect(view.refusing(clock.now())).toBe(false);
  });

  it('an opening learnt from Redis outlives an older reset flag and ends on a newer one', async () => {
    const { clock, view, answer } = setup();
    answer(reply(CLOSED, 100, 1));
    answer(reply(OPEN, 200, 0, options.recoveryTimeMs));
    await clock.advance(10);
    // A reply of the same epoch cannot carry a later reset; a non-manual closing waits too.
    answer(reply(CLOSED, 200, 1));
    answer(reply(CLOSED, 201, 0));
    expect(view.st).toBe(OPEN);
    answer(reply(CLOSED, 202, 1));
    expect(view.st).toBe(CLOSED);
  });
});
