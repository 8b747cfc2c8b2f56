import { ResilienceConfigError, VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter } from 'nest-resilience/http';

describe('AdaptiveRateLimiter options', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock(Date.parse('2026-11-24T10:00:00Z'));
  });

  it('validates options with ResilienceConfigError naming the path and value', () => {
    const bad: Array<[object, string]> = [
      [{ initialRate: 0 }, 'adaptiveLimiters.adaptive.initialRate'],
      [{ initialRate: 5, safetyFactor: 1.5 }, 'adaptiveLimiters.adaptive.safetyFactor'],
      [{ initialRate: 5, minRate: 10 }, 'adaptiveLimiters.adaptive.initialRate'],
      [{ initialRate: 5, minRate: 2, maxRate: 1 }, 'adaptiveLimiters.adaptive.maxRate'],
      [{ initialRate: 5, unit: 'bytes' }, 'adaptiveLimiters.adaptive.unit'],
      [{ initialRate: 5, safetyFactr: 0.5 }, 'adaptiveLimiters.adaptive.safetyFactr'],
      [{ initialRate: 5, maxPauseMs: Infinity }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, maxPauseMs: -1 }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, maxPauseMs: '60s' }, 'adaptiveLimiters.adaptive.maxPauseMs'],
      [{ initialRate: 5, defaultPauseMs: 5000, maxPauseMs: 1000 }, 'adaptiveLimiters.adaptive.maxPauseMs'],
    ];
    for (const [opts, path] of bad) {
      let err: unknown;
      try {
        new AdaptiveRateLimiter(opts as never, { clock });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(path);
    }
    const named = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ResilienceConfigError).path;
      }
      return 'no error';
    };
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, mode: 'queue' } as never))).toBe(
      'adaptiveLimiters.openai.mode',
    );
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, maxWaitMs: -1 }))).toBe(
      'adaptiveLimiters.openai.maxWaitMs',
    );
    expect(named(() => new AdaptiveRateLimiter({ name: 'openai', initialRate: 5 }, { clock: {} as never }))).toBe(
      'adaptiveLimiters.openai.clock.now',
    );
    const l = new AdaptiveRateLimiter({ name: 'openai', initialRate: 5 }, { clock });
    expect(named(() => l.setRate(-1))).toBe('adaptiveLimiters.openai.rate');
  });
});
