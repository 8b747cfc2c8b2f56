import { VirtualClock } from '../core/clock.js';
import { Executor } from './executor.js';
import type { ExecutorOptions } from './executor.options.js';
import type { NetworkRequestEvent } from './network-request-event.js';

/**
 * Token reservation and reconciliation, counted on the task's side: each call records when it
 * ran and the tokens it really used; no window of any length may hold more than the bucket's
 * bound `burst + rate × W / period`.
 */
const RATE = 1000;
const PERIOD = 60_000;
const BURST = 300;

interface Call {
  at: number;
  actual: number;
}

async function run(estimate: number, actual: number, count: number, extra: Partial<ExecutorOptions> = {}) {
  const clock = new VirtualClock(0);
  const executor = Executor.create(
    'llm',
    {
      concurrencyLimit: 10,
      queueCapacity: 10_000,
      requestsRate: 1e6,
      apiTokensRate: RATE,
      apiTokensPeriodMs: PERIOD,
      apiTokensBurst: BURST,
      ...extra,
    },
    { clock },
  );
  const calls: Call[] = [];
  const evs: NetworkRequestEvent<number>[] = [];
  for (let i = 0; i < count; i++)
    evs.push(
      executor.submit(
        async (ctx) => {
          calls.push({ at: clock.now(), actual });
          await new Promise<void>((r) => clock.setTimeout(r, 100));
          ctx.reportUsage(actual);
          return actual;
        },
        { tokens: estimate },
      ),
    );
  for (let i = 0; i < 20_000 && evs.some((e) => e.status !== 'COMPLETED'); i++) await clock.advance(100);
  expect(evs.every((e) => e.status === 'COMPLETED')).toBe(true);
  return { calls, executor, evs, end: clock.now() };
}

/** The largest excess over the bound, across every window [calls[i].at, calls[j].at]. */
function worstExcess(calls: Call[]): number {
  let worst = -Infinity;
  for (let i = 0; i < calls.length; i++) {
    let sum = 0;
    for (let j = i; j < calls.length; j++) {
      sum += calls[j]!.actual;
      const bound = BURST + (RATE * (calls[j]!.at - calls[i]!.at)) / PERIOD;
      worst = Math.max(worst, sum - bound);
    }
  }
  return worst;
}

describe('Executor token reservation', () => {
  it('estimates 50% low: no window over the limit (one probe, then reservations scaled by the learned factor)', async () => {
    const { calls, executor, evs } = await run(100, 150, 40);
    expect(worstExcess(calls)).toBeLessThanOrEqual(1e-9);
    expect(executor.tokenFactor).toBe(1.5);
    expect(evs[5]!.actualTokens).toBe(150);
  });

  it('estimates 50% high: no window over the limit and the refunds are reused (throughput near the limit)', async () => {
    const { calls, end } = await run(200, 100, 60);
    expect(worstExcess(calls)).toBeLessThanOrEqual(1e-9);
    // 6,000 tokens used: without refunds of the unused half this needs (12,000 − 300) / 1000 per min ≈ 11.7 min.
    const minutes = calls[calls.length - 1]!.at / PERIOD;
    expect(minutes).toBeLessThan(6.5);
    expect(end).toBeGreaterThan(0);
  });

  it("tokenCalibration 'off' reserves the estimate: the excess is charged as debt after the fact", async () => {
    const { executor, calls } = await run(100, 150, 20, { tokenCalibration: 'off' });
    expect(executor.tokenFactor).toBe(1);
    // The debt slows later admissions: 3,000 tokens used take at least (3000 − 300 − 450) / 1000 min.
    expect(calls[calls.length - 1]!.at).toBeGreaterThan(((3000 - BURST - 450) * PERIOD) / RATE);
  });

  it('uses the usage option on the result when given', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'u',
      { concurrencyLimit: 1, requestsRate: 100, apiTokensRate: 1000, apiTokensPeriodMs: 60_000 },
      { clock },
    );
    const ev = executor.submit(async () => ({ usage: { total_tokens: 42 } }), {
      tokens: 100,
      usage: (r) => r.usage.total_tokens,
    });
    await clock.advance(1);
    expect(ev.actualTokens).toBe(42);
    // 100 reserved, 42 used: 58 refunded.
    expect(executor.tokensLimiter!.snapshot().available).toBeCloseTo(1000 - 42, 0);
  });
});
