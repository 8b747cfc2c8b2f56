import { describe, expect, it } from '@jest/globals';
import { CLOSED, HALF_OPEN, OPEN, STATES } from '../../core/store/breaker-state.js';
import type { BreakerReply } from './redis-breaker.types.js';
import { BREAKER_SCRIPT } from './breaker-script.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

describe('BREAKER_SCRIPT state codes (real Redis)', () => {
  const t = useTestRedis();

  /** Runs one operation: failureThreshold 2, recoveryTimeMs as given, 1 trial, 1 success to close. */
  async function run(key: string, op: string, recoveryTimeMs = 60_000, epoch = 0): Promise<BreakerReply> {
    return (await t.admin.eval(
      BREAKER_SCRIPT.source,
      1,
      key,
      op,
      2,
      recoveryTimeMs,
      1,
      1,
      epoch,
      0,
      10_000,
    )) as BreakerReply;
  }
  const stored = async (key: string) => Number(await t.admin.hget(key, 's'));

  it('the script stores and returns the codes of core/store/breaker-state.ts', async () => {
    expect(STATES[CLOSED]).toBe('closed');
    expect(STATES[OPEN]).toBe('open');
    expect(STATES[HALF_OPEN]).toBe('half_open');
    const prefix = uniquePrefix('breaker-codes');
    t.prefixes.push(prefix);
    const key = `${prefix}{breaker:codes}`;

    expect((await run(key, 'read'))[1]).toBe(CLOSED); // no key: closed
    await run(key, 'cfail');
    const opened = await run(key, 'cfail'); // threshold 2: opens
    expect(opened[1]).toBe(OPEN);
    expect(await stored(key)).toBe(OPEN);
    expect(STATES[opened[1]]).toBe('open');

    expect((await run(key, 'reset'))[1]).toBe(CLOSED);
    expect(await stored(key)).toBe(CLOSED);

    // Recovery time 0: the next admission moves the breaker to half-open and takes the trial.
    await run(key, 'force');
    expect(await stored(key)).toBe(OPEN);
    await run(key, 'reset');
    await run(key, 'cfail', 0);
    const reopened = await run(key, 'cfail', 0);
    expect(reopened[1]).toBe(OPEN);
    const trial = await run(key, 'admit', 0);
    expect(trial[0]).toBe(1); // a trial permit
    expect(trial[1]).toBe(HALF_OPEN);
    expect(await stored(key)).toBe(HALF_OPEN);
    const closed = await run(key, 'succ', 0, trial[3]);
    expect(closed[1]).toBe(CLOSED);
  });
});
