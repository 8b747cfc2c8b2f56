import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { RetryOptions } from './retry.options.js';
import { observe } from '../testing-support/observe.js';
import {
  checkRetryHarness,
  clearStarts,
  clock,
  events,
  failing,
  make,
  NotFoundError,
  resetRetryHarness,
  starts,
  StrictValidationError,
  TransientError,
  ValidationError,
} from './testing-support/retry-harness.js';

beforeEach(resetRetryHarness);
afterEach(checkRetryHarness);

describe('RetryPolicy: which errors are retried', () => {
  const callsFor = async (options: RetryOptions, error: unknown) => {
    clearStarts();
    const s = observe(make({ maxRetries: 2, ...options }).execute(failing([], error)));
    await clock.runAll();
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(error);
    return starts.length;
  };

  it('by default: transient errors, retryable statuses and network codes are retried; others are not', async () => {
    expect(await callsFor({}, new TransientError('t'))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('busy'), { status: 503 }))).toBe(3);
    expect(await callsFor({}, Object.assign(new Error('missing'), { status: 404 }))).toBe(1);
    expect(await callsFor({}, Object.assign(new Error('nope'), { status: 501 }))).toBe(1);
    expect(await callsFor({}, new TypeError('undefined is not a function'))).toBe(1);
    expect(await callsFor({}, new Error('plain'))).toBe(1);
    expect(await callsFor({}, new DOMException('aborted', 'AbortError'))).toBe(1);
    expect(await callsFor({}, 'a string')).toBe(1);
  });

  it('retryOn classes replace the default', async () => {
    expect(await callsFor({ retryOn: [NotFoundError] }, new NotFoundError('nf'))).toBe(3);
    expect(await callsFor({ retryOn: [NotFoundError] }, new TransientError('t'))).toBe(1);
  });

  it('retryOn predicate', async () => {
    const retryOn = (e: unknown) => e instanceof Error && e.message.startsWith('retry');
    expect(await callsFor({ retryOn }, new Error('retry me'))).toBe(3);
    expect(await callsFor({ retryOn }, new Error('fatal'))).toBe(1);
  });

  it('excludeOn wins over retryOn', async () => {
    expect(
      await callsFor({ retryOn: [ValidationError], excludeOn: [StrictValidationError] }, new ValidationError('v')),
    ).toBe(3);
    expect(
      await callsFor(
        { retryOn: [ValidationError], excludeOn: [StrictValidationError] },
        new StrictValidationError('s'),
      ),
    ).toBe(1);
    expect(await callsFor({ retryOn: () => true, excludeOn: () => true }, new TransientError('t'))).toBe(1);
  });

  it('an error that is not retried emits no onRetry event', async () => {
    await callsFor({}, new Error('plain'));
    expect(events).toEqual([]);
  });
});
