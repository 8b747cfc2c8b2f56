import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { BUDGET_DEFAULTS, normalizeBudgets } from './budget.normalize.js';

/** The error `fn` throws (a ResilienceConfigError). */
function configError(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const ok = { name: 'daily', limitUsd: 5 };

describe('normalizeBudgets', () => {
  it('applies the defaults: global, day, UTC, warn at 80%; limit in nano-USD', () => {
    const [b] = normalizeBudgets([ok]);
    expect(b).toEqual({
      name: 'daily',
      limitUsd: 5,
      limitNano: 5_000_000_000,
      scope: 'global',
      appliesTo: undefined,
      window: 'day',
      timeZone: 'UTC',
      warnAt: [0.8],
    });
    expect(BUDGET_DEFAULTS.warnAt).toEqual([0.8]);
    expect(normalizeBudgets([{ name: 'c', limitUsd: 0.1 + 0.2 }])[0]!.limitNano).toBe(300_000_000);
  });

  it('keeps every option given', () => {
    const [b] = normalizeBudgets([
      {
        name: 'gpt.month_1-x',
        limitUsd: 200,
        scope: 'model',
        appliesTo: ['gpt-4o', 'gpt-4o-mini'],
        window: { rollingMs: 3_600_000 },
        timeZone: 'Asia/Kolkata',
        warnAt: [0.5, 0.9, 1],
      },
    ]);
    expect(b!.appliesTo).toEqual(new Set(['gpt-4o', 'gpt-4o-mini']));
    expect(b!.window).toEqual({ rollingMs: 3_600_000 });
    expect(b!.warnAt).toEqual([0.5, 0.9, 1]);
    expect(normalizeBudgets([{ ...ok, warnAt: [] }])[0]!.warnAt).toEqual([]);
    expect(normalizeBudgets([{ ...ok, window: 'month' }])[0]!.window).toBe('month');
  });

  it.each<[string, unknown, string]>([
    ['name', { limitUsd: 1 }, 'costs.budgets[0].name'],
    ['name charset', { name: 'a:b', limitUsd: 1 }, 'costs.budgets[0].name'],
    ['name empty', { name: '', limitUsd: 1 }, 'costs.budgets[0].name'],
    ['limit 0', { name: 'a', limitUsd: 0 }, 'costs.budgets[0].limitUsd'],
    ['limit negative', { name: 'a', limitUsd: -1 }, 'costs.budgets[0].limitUsd'],
    ['limit NaN', { name: 'a', limitUsd: NaN }, 'costs.budgets[0].limitUsd'],
    ['limit Infinity', { name: 'a', limitUsd: Infinity }, 'costs.budgets[0].limitUsd'],
    ['limit string', { name: 'a', limitUsd: '5' }, 'costs.budgets[0].limitUsd'],
    ['limit under a nano-USD', { name: 'a', limitUsd: 1e-10 }, 'costs.budgets[0].limitUsd'],
    ['limit too large', { name: 'a', limitUsd: 1e9 }, 'costs.budgets[0].limitUsd'],
    ['scope', { name: 'a', limitUsd: 1, scope: 'tenant' }, 'costs.budgets[0].scope'],
    ['appliesTo with global', { name: 'a', limitUsd: 1, appliesTo: ['x'] }, 'costs.budgets[0].appliesTo'],
    ['appliesTo empty', { name: 'a', limitUsd: 1, scope: 'key', appliesTo: [] }, 'costs.budgets[0].appliesTo'],
    ['appliesTo not array', { name: 'a', limitUsd: 1, scope: 'key', appliesTo: 'x' }, 'costs.budgets[0].appliesTo'],
    [
      'appliesTo element',
      { name: 'a', limitUsd: 1, scope: 'model', appliesTo: ['x', ''] },
      'costs.budgets[0].appliesTo[1]',
    ],
    [
      'appliesTo twice',
      { name: 'a', limitUsd: 1, scope: 'model', appliesTo: ['x', 'x'] },
      'costs.budgets[0].appliesTo[1]',
    ],
    ['window', { name: 'a', limitUsd: 1, window: 'week' }, 'costs.budgets[0].window'],
    ['window rollingMs', { name: 'a', limitUsd: 1, window: { rollingMs: 10 } }, 'costs.budgets[0].window.rollingMs'],
    [
      'window rollingMs fraction',
      { name: 'a', limitUsd: 1, window: { rollingMs: 60_000.5 } },
      'costs.budgets[0].window.rollingMs',
    ],
    [
      'window unknown key',
      { name: 'a', limitUsd: 1, window: { rollingMs: 60_000, slots: 10 } },
      'costs.budgets[0].window.slots',
    ],
    ['timeZone', { name: 'a', limitUsd: 1, timeZone: 'Mars/Base' }, 'costs.budgets[0].timeZone'],
    ['timeZone type', { name: 'a', limitUsd: 1, timeZone: 1 }, 'costs.budgets[0].timeZone'],
    ['warnAt not array', { name: 'a', limitUsd: 1, warnAt: 0.8 }, 'costs.budgets[0].warnAt'],
    ['warnAt 0', { name: 'a', limitUsd: 1, warnAt: [0] }, 'costs.budgets[0].warnAt[0]'],
    ['warnAt above 1', { name: 'a', limitUsd: 1, warnAt: [0.5, 1.5] }, 'costs.budgets[0].warnAt[1]'],
    ['warnAt unsorted', { name: 'a', limitUsd: 1, warnAt: [0.9, 0.5] }, 'costs.budgets[0].warnAt[1]'],
    ['warnAt twice', { name: 'a', limitUsd: 1, warnAt: [0.5, 0.5] }, 'costs.budgets[0].warnAt[1]'],
    ['unknown option', { name: 'a', limitUsd: 1, limit: 5 }, 'costs.budgets[0].limit'],
    ['not an object', 'daily', 'costs.budgets[0]'],
  ])('refuses a bad %s, naming the option and the value', (_label, budget, path) => {
    const e = configError(() => normalizeBudgets([budget]));
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
  });

  it('shows the bad value in the message', () => {
    expect(configError(() => normalizeBudgets([{ name: 'a', limitUsd: -2 }])).message).toContain('-2');
    expect(configError(() => normalizeBudgets([{ name: 'a', limitUsd: 1, timeZone: 'Mars/Base' }])).message).toContain(
      '"Mars/Base"',
    );
  });

  it('never shows the string value of an unknown option (a mistyped name may hold a secret)', () => {
    const e = configError(() => normalizeBudgets([{ name: 'a', limitUsd: 1, apikey: 'sk-canary-9f1' }]));
    expect(e.path).toBe('costs.budgets[0].apikey');
    expect(e.message).not.toContain('sk-canary-9f1');
  });

  it('refuses a name used twice, naming the second and the first', () => {
    const e = configError(() => normalizeBudgets([ok, { name: 'x', limitUsd: 1 }, { ...ok, limitUsd: 2 }]));
    expect(e.path).toBe('costs.budgets[2].name');
    expect(e.expected).toContain('costs.budgets[0]');
  });

  it('uses the given path and refuses a non-array', () => {
    expect(configError(() => normalizeBudgets([{ name: 'a' }], 'llm.costs.budgets')).path).toBe(
      'llm.costs.budgets[0].limitUsd',
    );
    expect(configError(() => normalizeBudgets({ name: 'a' })).path).toBe('costs.budgets');
  });
});
