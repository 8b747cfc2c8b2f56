import { ResilienceConfigError } from '../errors/index.js';
import { ADMISSION_DEFAULTS, normalizeAdmission } from './admission.js';

function pathOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return (error as ResilienceConfigError).path;
  }
  return undefined;
}

describe('normalizeAdmission', () => {
  it('defaults to wait, at most 30 s', () => {
    expect(normalizeAdmission('limiters.a', undefined, undefined)).toEqual({ mode: 'wait', maxWaitMs: 30_000 });
    expect(ADMISSION_DEFAULTS).toEqual({ mode: 'wait', maxWaitMs: 30_000 });
  });

  it('keeps a given wait (Infinity and 0 included)', () => {
    expect(normalizeAdmission('x', 'wait', 250)).toEqual({ mode: 'wait', maxWaitMs: 250 });
    expect(normalizeAdmission('x', undefined, Infinity)).toEqual({ mode: 'wait', maxWaitMs: Infinity });
    expect(normalizeAdmission('x', 'wait', 0)).toEqual({ mode: 'wait', maxWaitMs: 0 });
  });

  it('reject mode never waits', () => {
    expect(normalizeAdmission('x', 'reject', undefined)).toEqual({ mode: 'reject', maxWaitMs: 0 });
    expect(normalizeAdmission('x', 'reject', 5000)).toEqual({ mode: 'reject', maxWaitMs: 0 });
  });

  it('names the bad option under the given path, in either mode', () => {
    expect(pathOf(() => normalizeAdmission('adaptiveLimiters.openai', 'queue', undefined))).toBe(
      'adaptiveLimiters.openai.mode',
    );
    expect(pathOf(() => normalizeAdmission('endpointLimiters.e', 'wait', -1))).toBe('endpointLimiters.e.maxWaitMs');
    expect(pathOf(() => normalizeAdmission('endpointLimiters.e', 'reject', '1s'))).toBe('endpointLimiters.e.maxWaitMs');
    expect(pathOf(() => normalizeAdmission('', 'wait', NaN))).toBe('maxWaitMs');
  });
});
