import { describe, expect, it } from '@jest/globals';
import {
  CircuitBreakerOpenError,
  RateLimiterRejectedError,
  ResilienceConfigError,
  ResilienceError,
  TRANSIENT_NETWORK_CODES,
} from '../errors/index.js';
import { normalizeRetryOptions } from './retry.normalize.js';
import { isRetryableByDefault } from './retry.predicate.js';

const withProps = (props: Record<string, unknown>, base: Error = new Error('x')) => Object.assign(base, props);

class TransientError extends Error {
  readonly isTransient = true;
}
class PermanentError extends Error {
  readonly isTransient = false;
}
class NotFoundError extends Error {}
class ValidationError extends Error {}
class StrictValidationError extends ValidationError {}

describe('isRetryableByDefault', () => {
  it('honours a boolean isTransient first, whatever else the error carries', () => {
    expect(isRetryableByDefault(new TransientError('t'))).toBe(true);
    expect(isRetryableByDefault(new PermanentError('p'))).toBe(false);
    expect(isRetryableByDefault(withProps({ isTransient: false, status: 503, code: 'ECONNRESET' }))).toBe(false);
    expect(isRetryableByDefault(withProps({ isTransient: true, status: 400 }))).toBe(true);
    // A non-boolean isTransient is ignored.
    expect(isRetryableByDefault(withProps({ isTransient: 'yes' }))).toBe(false);
    expect(isRetryableByDefault(withProps({ isTransient: 1, status: 503 }))).toBe(true);
  });

  it("the library's own errors: breaker-open and rate-limit are transient, config errors are not", () => {
    expect(isRetryableByDefault(new CircuitBreakerOpenError('b', 100))).toBe(true);
    expect(isRetryableByDefault(new RateLimiterRejectedError('l', 100, 1))).toBe(true);
    expect(isRetryableByDefault(new ResilienceConfigError('p', 1, 'x'))).toBe(false);
    expect(isRetryableByDefault(new ResilienceError('base'))).toBe(false);
  });

  it.each([408, 409, 425, 429, 500, 502, 503, 504, 529])(
    'retries HTTP status %i (status, statusCode or response.status)',
    (status) => {
      expect(isRetryableByDefault(withProps({ status }))).toBe(true);
      expect(isRetryableByDefault(withProps({ statusCode: status }))).toBe(true);
      expect(isRetryableByDefault(withProps({ response: { status } }))).toBe(true);
    },
  );

  it.each([400, 401, 403, 404, 405, 410, 413, 422, 499, 501, 505, 511, 599])(
    'does not retry HTTP status %i',
    (status) => {
      expect(isRetryableByDefault(withProps({ status }))).toBe(false);
      expect(isRetryableByDefault(withProps({ statusCode: status }))).toBe(false);
      expect(isRetryableByDefault(withProps({ response: { status } }))).toBe(false);
    },
  );

  it('a non-retryable status wins over a transient network code', () => {
    expect(isRetryableByDefault(withProps({ status: 404, code: 'ECONNRESET' }))).toBe(false);
  });

  it('status precedence: status, then statusCode, then response.status', () => {
    expect(isRetryableByDefault(withProps({ status: 404, statusCode: 503 }))).toBe(false);
    expect(isRetryableByDefault(withProps({ statusCode: 503, response: { status: 404 } }))).toBe(true);
    expect(isRetryableByDefault(withProps({ response: null }))).toBe(false);
  });

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'ESOCKETTIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'ENOTFOUND',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'ENETDOWN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    // Once only in the HTTP layer's lists; now in the one table (NETWORK_ERROR_CODES).
    'EADDRNOTAVAIL',
    'ERR_NETWORK',
    'UND_ERR_CLOSED',
    'ERR_STREAM_PREMATURE_CLOSE',
  ])('retries network code %s, on the error, on its cause or in an AggregateError', (code) => {
    expect(TRANSIENT_NETWORK_CODES.has(code)).toBe(true);
    expect(isRetryableByDefault(withProps({ code }))).toBe(true);
    // undici's fetch: TypeError('fetch failed') with the socket error as cause.
    expect(isRetryableByDefault(new TypeError('fetch failed', { cause: withProps({ code }) }))).toBe(true);
    // Node's happy eyeballs (autoSelectFamily): an AggregateError of one error per address.
    expect(isRetryableByDefault(new AggregateError([new Error('a'), withProps({ code })], 'all failed'))).toBe(true);
  });

  it('retries every code of the shared table and nothing the table lacks', () => {
    for (const code of TRANSIENT_NETWORK_CODES) expect(isRetryableByDefault(withProps({ code }))).toBe(true);
    expect(isRetryableByDefault(new AggregateError([withProps({ code: 'EACCES' })], 'x'))).toBe(false);
  });

  it('does not retry other codes', () => {
    expect(isRetryableByDefault(withProps({ code: 'EACCES' }))).toBe(false);
    expect(isRetryableByDefault(withProps({ code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
    expect(isRetryableByDefault(withProps({ code: 20 }))).toBe(false);
    expect(isRetryableByDefault(new Error('x', { cause: withProps({ code: 'EACCES' }) }))).toBe(false);
    expect(isRetryableByDefault(new Error('x', { cause: 'ECONNRESET' }))).toBe(false);
    expect(isRetryableByDefault(new Error('x', { cause: null }))).toBe(false);
  });

  it('does not retry programming errors, plain errors or unknown values', () => {
    expect(isRetryableByDefault(new TypeError('x is not a function'))).toBe(false);
    expect(isRetryableByDefault(new RangeError('r'))).toBe(false);
    expect(isRetryableByDefault(new ReferenceError('r'))).toBe(false);
    expect(isRetryableByDefault(new SyntaxError('s'))).toBe(false);
    expect(isRetryableByDefault(new Error('plain'))).toBe(false);
    expect(isRetryableByDefault(new NotFoundError('nf'))).toBe(false);
    expect(isRetryableByDefault('a string')).toBe(false);
    expect(isRetryableByDefault(503)).toBe(false);
    expect(isRetryableByDefault(null)).toBe(false);
    expect(isRetryableByDefault(undefined)).toBe(false);
  });

  it('does not retry aborts, even with a transient code or cause', () => {
    const ac = new AbortController();
    ac.abort();
    expect((ac.signal.reason as Error).name).toBe('AbortError');
    expect(isRetryableByDefault(ac.signal.reason)).toBe(false);
    expect(isRetryableByDefault(new DOMException('aborted', 'AbortError'))).toBe(false);
    const abortWithCode = withProps({ code: 'ECONNRESET' });
    abortWithCode.name = 'AbortError';
    expect(isRetryableByDefault(abortWithCode)).toBe(false);
    const abortWithCause = new Error('aborted', { cause: withProps({ code: 'ETIMEDOUT' }) });
    abortWithCause.name = 'AbortError';
    expect(isRetryableByDefault(abortWithCause)).toBe(false);
  });
});

describe('retryOn / excludeOn (normalized shouldRetry)', () => {
  it('defaults to isRetryableByDefault', () => {
    const { shouldRetry } = normalizeRetryOptions({});
    expect(shouldRetry).toBe(isRetryableByDefault);
  });

  it('retryOn as classes matches instances and subclasses only (replaces the default)', () => {
    const { shouldRetry } = normalizeRetryOptions({ retryOn: [NotFoundError, ValidationError] });
    expect(shouldRetry(new NotFoundError('a'))).toBe(true);
    expect(shouldRetry(new StrictValidationError('b'))).toBe(true);
    expect(shouldRetry(new Error('c'))).toBe(false);
    expect(shouldRetry(new TransientError('d'))).toBe(false);
    expect(shouldRetry(withProps({ code: 'ECONNRESET' }))).toBe(false);
  });

  it('retryOn as a single class (no array) is matched with instanceof', () => {
    const { shouldRetry } = normalizeRetryOptions({ retryOn: NotFoundError as never });
    expect(shouldRetry(new NotFoundError('a'))).toBe(true);
    expect(shouldRetry(new Error('b'))).toBe(false);
  });

  it('retryOn as an empty array retries nothing', () => {
    const { shouldRetry } = normalizeRetryOptions({ retryOn: [] });
    expect(shouldRetry(new TransientError('t'))).toBe(false);
  });

  it('retryOn as a predicate receives the error', () => {
    const seen: unknown[] = [];
    const { shouldRetry } = normalizeRetryOptions({
      retryOn: (e) => {
        seen.push(e);
        return (e as { retry?: boolean }).retry === true;
      },
    });
    const a = withProps({ retry: true });
    const b = withProps({ retry: false });
    expect(shouldRetry(a)).toBe(true);
    expect(shouldRetry(b)).toBe(false);
    expect(seen).toEqual([a, b]);
  });

  it('excludeOn wins over retryOn (classes and predicates)', () => {
    const byClass = normalizeRetryOptions({
      retryOn: [ValidationError],
      excludeOn: [StrictValidationError],
    }).shouldRetry;
    expect(byClass(new ValidationError('v'))).toBe(true);
    expect(byClass(new StrictValidationError('s'))).toBe(false);

    const byPredicate = normalizeRetryOptions({
      retryOn: () => true,
      excludeOn: (e) => e instanceof NotFoundError,
    }).shouldRetry;
    expect(byPredicate(new Error('x'))).toBe(true);
    expect(byPredicate(new NotFoundError('nf'))).toBe(false);
  });

  it('excludeOn narrows the default predicate', () => {
    class FlakyButFatal extends TransientError {}
    const { shouldRetry } = normalizeRetryOptions({ excludeOn: [FlakyButFatal] });
    expect(shouldRetry(new TransientError('t'))).toBe(true);
    expect(shouldRetry(new FlakyButFatal('f'))).toBe(false);
    expect(shouldRetry(new Error('plain'))).toBe(false);
  });
});
