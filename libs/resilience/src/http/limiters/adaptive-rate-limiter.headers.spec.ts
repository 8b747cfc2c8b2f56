import { VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter } from 'nest-resilience/http';

describe('AdaptiveRateLimiter rate from headers', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock(Date.parse('2026-11-24T10:00:00Z'));
  });

  it('rate = remaining / time to reset × safetyFactor (50 remaining over 60 s → 0.75/s)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.1 }, { clock });
    const u = l.updateFromHeaders({
      'x-ratelimit-remaining': '50',
      'x-ratelimit-limit': '100',
      'x-ratelimit-reset': '60',
    });
    expect(u.previousRate).toBe(10);
    expect(u.rate).toBeCloseTo(0.75, 12);
    expect(l.rate).toBeCloseTo(0.75, 12);
    expect(u.pausedUntil).toBeUndefined();
    expect(l.snapshot()).toMatchObject({
      name: 'adaptive',
      periodMs: 1000,
      burst: 10,
      minRate: 0.1,
      maxRate: Infinity,
      safetyFactor: 0.9,
      updates: 1,
      lastWindow: { limit: 100, remaining: 50, resetMs: 60_000 },
    });
  });

  it('OpenAI headers: requests window by default, tokens window with unit "tokens"', () => {
    const h = {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    const req = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    expect(req.updateFromHeaders(h).rate).toBeCloseTo(59 * 0.9, 12);
    const tok = new AdaptiveRateLimiter({ initialRate: 100, unit: 'tokens', burst: 4000 }, { clock });
    expect(tok.updateFromHeaders(h).rate).toBeCloseTo((149_984 / 360_000) * 1000 * 0.9, 9);
  });

  it('Anthropic RFC 3339 resets and a custom safety factor and period', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 10, periodMs: 60_000, safetyFactor: 0.5 }, { clock });
    const u = l.updateFromHeaders({
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '600',
      'anthropic-ratelimit-requests-reset': '2026-11-24T10:00:30Z',
    });
    // 600 per 30 s = 1200 per minute, × 0.5
    expect(u.rate).toBeCloseTo(600, 9);
  });

  it('clamps to [minRate, maxRate]', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5, minRate: 0.1, maxRate: 20 }, { clock });
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '60' }).rate).toBe(0.1);
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '10000', 'x-ratelimit-reset': '1' }).rate).toBe(20);
    expect(l.rateFor(3, 1000)).toBeCloseTo(2.7, 12);
  });

  it('a tiny reset is floored at minResetMs (12ms reset does not give 1000s of calls per second)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    expect(
      l.updateFromHeaders({ 'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '12ms' }).rate,
    ).toBeCloseTo(59 * 0.9, 12);
  });

  it('remaining without a reset assumes defaultResetMs (60 s)', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5, minRate: 0.01 }, { clock });
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '120' }).rate).toBeCloseTo(1.8, 12);
  });

  it('headers without rate information leave the rate alone', () => {
    const l = new AdaptiveRateLimiter({ initialRate: 5 }, { clock });
    const u = l.updateFromHeaders({ 'content-type': 'application/json' }, 200);
    expect(u).toEqual({ rate: 5, previousRate: 5, info: {} });
    expect(l.snapshot().updates).toBe(0);
  });
});
