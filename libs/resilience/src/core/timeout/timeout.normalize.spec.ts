import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { normalizeTimeoutOptions } from './timeout.normalize.js';
import { TIMEOUT_DEFAULTS, type TimeoutOptions } from './timeout.options.js';
import { TimeoutPolicy } from './timeout.policy.js';

function configError(make: () => unknown): ResilienceConfigError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const create = (options: unknown) => () => TimeoutPolicy.create('search', options as TimeoutOptions);

describe('normalizeTimeoutOptions', () => {
  it('fills the documented defaults for what is not set', () => {
    expect(TIMEOUT_DEFAULTS).toEqual({ timeoutMs: Infinity, totalTimeoutMs: Infinity, signalArg: -1 });
    expect(normalizeTimeoutOptions({ timeoutMs: 100 })).toEqual({
      timeoutMs: 100,
      totalTimeoutMs: Infinity,
      signalArg: -1,
    });
    expect(normalizeTimeoutOptions({ totalTimeoutMs: 500 })).toEqual({
      timeoutMs: Infinity,
      totalTimeoutMs: 500,
      signalArg: -1,
    });
  });

  it('keeps valid values: both durations (equal allowed), a signal argument, Infinity for one level', () => {
    expect(normalizeTimeoutOptions({ timeoutMs: 500, totalTimeoutMs: 500, signalArg: 2 })).toEqual({
      timeoutMs: 500,
      totalTimeoutMs: 500,
      signalArg: 2,
    });
    expect(normalizeTimeoutOptions({ timeoutMs: 0.5, totalTimeoutMs: Infinity, signalArg: 0 }).timeoutMs).toBe(0.5);
    expect(normalizeTimeoutOptions({ timeoutMs: 2_147_483_647 }).timeoutMs).toBe(2_147_483_647);
    expect(normalizeTimeoutOptions({ timeoutMs: Infinity, totalTimeoutMs: 500 })).toEqual({
      timeoutMs: Infinity,
      totalTimeoutMs: 500,
      signalArg: -1,
    });
  });

  it.each([
    ['no duration', {}, 'timeouts.search.timeoutMs', undefined],
    ['both Infinity', { timeoutMs: Infinity, totalTimeoutMs: Infinity }, 'timeouts.search.timeoutMs', Infinity],
    ['timeoutMs 0', { timeoutMs: 0 }, 'timeouts.search.timeoutMs', 0],
    ['timeoutMs negative', { timeoutMs: -5 }, 'timeouts.search.timeoutMs', -5],
    ['timeoutMs NaN', { timeoutMs: NaN }, 'timeouts.search.timeoutMs', NaN],
    ['timeoutMs a string', { timeoutMs: '100' }, 'timeouts.search.timeoutMs', '100'],
    ['timeoutMs past the timer limit', { timeoutMs: 2_147_483_648 }, 'timeouts.search.timeoutMs', 2_147_483_648],
    ['totalTimeoutMs 0', { totalTimeoutMs: 0 }, 'timeouts.search.totalTimeoutMs', 0],
    ['totalTimeoutMs -Infinity', { totalTimeoutMs: -Infinity }, 'timeouts.search.totalTimeoutMs', -Infinity],
    ['attempt above total', { timeoutMs: 600, totalTimeoutMs: 500 }, 'timeouts.search.timeoutMs', 600],
    ['signalArg -2', { timeoutMs: 1, signalArg: -2 }, 'timeouts.search.signalArg', -2],
    ['signalArg 1.5', { timeoutMs: 1, signalArg: 1.5 }, 'timeouts.search.signalArg', 1.5],
    ['an unknown key', { timeoutMs: 1, timeout: 5 }, 'timeouts.search.timeout', 5],
    ['null options', null, 'timeouts.search', null],
    ['a number as options', 100, 'timeouts.search', 100],
  ])('%s fails at create with ResilienceConfigError naming the path', (_label, options, path, value) => {
    const e = configError(create(options));
    expect(e.path).toBe(path);
    expect(Object.is(e.value, value)).toBe(true);
    expect(e.message).toContain(path);
  });

  it('the cross-check names totalTimeoutMs and its value in the expectation', () => {
    const e = configError(create({ timeoutMs: 600, totalTimeoutMs: 500 }));
    expect(e.expected).toContain('totalTimeoutMs (500)');
  });

  it('a missing duration explains that one of the two is needed', () => {
    expect(configError(create(undefined)).path).toBe('timeouts.search');
    expect(configError(create({ signalArg: 0 })).expected).toMatch(/timeoutMs .*totalTimeoutMs/);
  });
});
