import { isRetryableByDefault } from 'nest-resilience';
import { parseRetryAfter, UpstreamError } from './upstream.error.js';

describe('UpstreamError', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    [503, true],
    [429, true],
    [504, true],
    [404, false],
    [400, false],
    [501, false],
  ])('marks status %i transient: %s (and the default retry predicate agrees)', (status, transient) => {
    const error = UpstreamError.fromResponse(status, null, now);
    expect(error).toMatchObject({ status, isTransient: transient, retryAfterMs: undefined, message: `Quotes provider answered ${status}` });
    expect(isRetryableByDefault(error)).toBe(transient);
  });

  it('carries Retry-After in ms for the retry policy', () => {
    expect(UpstreamError.fromResponse(429, '2', now).retryAfterMs).toBe(2000);
  });

  it('treats a transport failure (no answer) as transient with status 0', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(UpstreamError.fromTransport(cause)).toMatchObject({ status: 0, isTransient: true, message: 'Quotes provider is unreachable', cause });
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(UpstreamError.fromTransport(timeout).message).toBe('Quotes provider did not answer in time');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['1', 1000],
    ['0', 0],
    [' 30 ', 30_000],
    ['1.5', 1500],
    ['Thu, 01 Jan 2026 00:00:05 GMT', 5000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
  ])('reads %j as %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it.each([null, undefined, '', 'soon', '-1'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});
