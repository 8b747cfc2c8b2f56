import { parseProtoDurationMs, parseRetryAfterMs, retryDelayFromBody } from 'nest-resilience/http';

const NOW = Date.parse('2026-11-24T10:00:00Z');

describe('parseRetryAfterMs', () => {
  it('retry-after-ms (ms, fractional), case-insensitive', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250' }, undefined, NOW)).toBe(250);
    expect(parseRetryAfterMs({ 'Retry-After-Ms': '12.5' }, undefined, NOW)).toBe(12.5);
    expect(parseRetryAfterMs({ 'x-ms-retry-after-ms': '900' }, undefined, NOW)).toBe(900);
  });
  it('retry-after-ms wins over retry-after', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '100', 'retry-after': '30' }, undefined, NOW)).toBe(100);
  });
  it('Retry-After in seconds (integer and fractional), any case', () => {
    expect(parseRetryAfterMs({ 'Retry-After': '30' }, undefined, NOW)).toBe(30_000);
    expect(parseRetryAfterMs({ 'RETRY-AFTER': '1.5' }, undefined, NOW)).toBe(1500);
    expect(parseRetryAfterMs({ 'retry-after': ' 0 ' }, undefined, NOW)).toBe(0);
    expect(parseRetryAfterMs(new Headers({ 'Retry-After': '7' }), undefined, NOW)).toBe(7000);
    expect(parseRetryAfterMs(new Map([['Retry-After', '8']]), undefined, NOW)).toBe(8000);
  });
  it('Retry-After as an HTTP date; a past date gives 0', () => {
    expect(parseRetryAfterMs({ 'retry-after': 'Tue, 24 Nov 2026 10:00:45 GMT' }, undefined, NOW)).toBe(45_000);
    expect(parseRetryAfterMs({ 'retry-after': 'Tue, 24 Nov 2026 09:59:00 GMT' }, undefined, NOW)).toBe(0);
  });
  it('negative and garbage values are ignored (next source is tried)', () => {
    expect(parseRetryAfterMs({ 'retry-after': '-5' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': '-1' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'soon' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '1e3' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': 'NaN' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': '' }, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after-ms': 'abc', 'retry-after': '2' }, undefined, NOW)).toBe(2000);
    expect(parseRetryAfterMs({}, undefined, NOW)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, undefined, NOW)).toBeUndefined();
  });
  it('Gemini RetryInfo.retryDelay in the body (string, object, Buffer)', () => {
    const body = {
      error: {
        code: 429,
        message: 'You exceeded your current quota…',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
        ],
      },
    };
    expect(parseRetryAfterMs({}, body, NOW)).toBe(34_400);
    expect(parseRetryAfterMs({}, JSON.stringify(body), NOW)).toBe(34_400);
    expect(parseRetryAfterMs({}, Buffer.from(JSON.stringify(body)), NOW)).toBe(34_400);
    // headers win over the body
    expect(parseRetryAfterMs({ 'retry-after': '3' }, body, NOW)).toBe(3000);
    expect(retryDelayFromBody('{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12s"}]}}')).toBe(12_000);
    expect(retryDelayFromBody('[{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}]')).toBe(1500);
    expect(retryDelayFromBody('not json')).toBeUndefined();
    expect(retryDelayFromBody({ error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '-3s' }] } })).toBeUndefined();
  });
  it('protobuf durations', () => {
    expect(parseProtoDurationMs('12s')).toBe(12_000);
    expect(parseProtoDurationMs('1.5s')).toBe(1500);
    expect(parseProtoDurationMs('0.250s')).toBe(250);
    expect(parseProtoDurationMs({ seconds: '3', nanos: 500_000_000 })).toBe(3500);
    expect(parseProtoDurationMs('12')).toBeUndefined();
    expect(parseProtoDurationMs('1m')).toBeUndefined();
  });
});
