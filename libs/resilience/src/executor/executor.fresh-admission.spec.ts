import { VirtualClock } from '../core/clock.js';
import { Executor } from './executor.js';
import type { ExecutorOptions } from './executor.options.js';

/**
 * A request token counts from its admission; the provider counts the request when it arrives.
 * No wait may sit between the two, or requests admitted over several windows leave together.
 * Counted on the task's side: the calls made in any window of `periodMs` (virtual time).
 */
const RATE = 5;
const PERIOD = 1000;

async function callTimes(
  extra: Partial<ExecutorOptions>,
  count: number,
  callMs: number,
  tokensOf: (i: number) => number = () => 10,
) {
  const clock = new VirtualClock(0);
  const executor = Executor.create(
    'llm',
    {
      concurrencyLimit: 50,
      queueCapacity: 1000,
      requestsRate: RATE,
      requestsPeriodMs: PERIOD,
      algorithm: 'sliding-window',
      apiTokensRate: 1e6,
      ...extra,
    },
    { clock },
  );
  const at: number[] = [];
  const evs = Array.from({ length: count }, (_, i) =>
    executor.submit(
      async (ctx) => {
        at.push(clock.now());
        await new Promise<void>((r) => clock.setTimeout(r, callMs));
        ctx.reportUsage(tokensOf(i));
        return 1;
      },
      { tokens: tokensOf(i) },
    ),
  );
  for (let i = 0; i < 10_000 && evs.some((e) => e.status !== 'COMPLETED'); i++) await clock.advance(10);
  expect(evs.every((e) => e.status === 'COMPLETED')).toBe(true);
  return at;
}

const mostInWindow = (at: number[], w: number) => {
  let best = 0;
  for (let i = 0, j = 0; i < at.length; i++) {
    while (j < at.length && at[j]! < at[i]! + w) j++;
    best = Math.max(best, j - i);
  }
  return best;
};

describe('Executor: no wait between a request token and its call', () => {
  it('while the calibration probe (a 3 s call) runs, the others wait for it before they take a request token', async () => {
    const at = await callTimes({ tokenCalibration: 'learn' }, 30, 3000);
    expect(at).toHaveLength(30);
    expect(mostInWindow(at, PERIOD)).toBeLessThanOrEqual(RATE);
    // The limit was reached (the check had something to check).
    expect(mostInWindow(at, PERIOD)).toBe(RATE);
  });

  it('a request token that waited for the tokens reservation is taken again: a window of small calls released at once still leaves at the requests limit', async () => {
    // A call of a whole tokens window (1,000) queues behind a small one; the small calls behind it
    // take their request tokens over several windows while they wait (FIFO) for tokens, then all
    // fit at once when the big one's window has passed.
    const at = await callTimes(
      { tokenCalibration: 'off', apiTokensRate: 1000, apiTokensPeriodMs: 1000, concurrencyLimit: 40 },
      30,
      10,
      (i) => (i === 1 ? 1000 : 10),
    );
    expect(at).toHaveLength(30);
    expect(mostInWindow(at, PERIOD)).toBeLessThanOrEqual(RATE);
    expect(mostInWindow(at, PERIOD)).toBe(RATE);
  });

  it('without calibration, calls are made at the requests limit', async () => {
    const at = await callTimes({ tokenCalibration: 'off' }, 30, 3000);
    expect(mostInWindow(at, PERIOD)).toBe(RATE);
  });
});
