import {
  MAX_HINT_MS,
  parseHttpDate,
  parseProtoDurationMs,
  parseRetryAfterMs,
  parseRetryAfterValue,
  retryDelayFromBody,
} from 'nest-resilience/http';

const NOW = Date.parse('2026-11-24T10:00:00Z');

describe('Retry-After parsed strictly (RFC 9110)', () => {
  it('the three HTTP-date forms: IMF-fixdate, RFC 850, asctime', () => {
    const at = Date.parse('2026-11-24T10:00:45Z');
    expect(parseHttpDate('Tue, 24 Nov 2026 10:00:45 GMT', NOW)).toBe(at);
    expect(parseHttpDate('Tuesday, 24-Nov-26 10:00:45 GMT', NOW)).toBe(at);
    expect(parseHttpDate('Tue Nov 24 10:00:45 2026', NOW)).toBe(at);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(Date.parse('1994-11-06T08:49:37Z'));
    // RFC 850: a two-digit year more than 50 years ahead is in the past century
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(Date.parse('1994-11-06T08:49:37Z'));
    for (const form of [
      'Tue, 24 Nov 2026 10:00:45 GMT',
      'Tuesday, 24-Nov-26 10:00:45 GMT',
      'Tue Nov 24 10:00:45 2026',
    ]) {
      expect(parseRetryAfterMs({ 'retry-after': form }, undefined, NOW)).toBe(45_000);
    }
  });
  it.each([
    'Zun, 29 Sep 2023 16:26:57 GMT', // unknown day name (Date.parse reads it)
    'Fri, 29 Sep 100000 16:26:57 GMT', // 5-digit year (Date.parse reads 98,000 years ahead)
    'Fri, 29 Sep 2023 16:26:57', // no GMT
    'Fri, 29 Sep 2023 16:26:57 +0000',
    '2026-11-24T10:00:45Z', // ISO 8601 is not an HTTP-date
    'Tue, 31 Feb 2026 10:00:45 GMT', // no such day
    'Tue, 24 Nov 2026 25:00:45 GMT',
    'tomorrow',
    '1.5', // delta-seconds are digits only
    '+5',
    '-5',
    '1e3',
    '0x10',
  ])('%j is not a Retry-After value: ignored', (v) => {
    expect(parseRetryAfterValue(v, NOW)).toBeUndefined();
    expect(parseRetryAfterMs({ 'retry-after': v }, undefined, NOW)).toBeUndefined();
  });
  it('huge hints are clamped to MAX_HINT_MS (delta-seconds 1e35, retry-after-ms, RetryInfo)', () => {
    expect(parseRetryAfterMs({ 'retry-after': '99999999999999999999999999999999999' }, undefined, NOW)).toBe(
      MAX_HINT_MS,
    );
    expect(parseRetryAfterMs({ 'retry-after-ms': '1e400'.replace('e400', '0'.repeat(40)) }, undefined, NOW)).toBe(
      MAX_HINT_MS,
    );
    expect(parseRetryAfterMs({ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, undefined, NOW)).toBe(MAX_HINT_MS);
    expect(
      retryDelayFromBody({
        error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '99999999999s' }] },
      }),
    ).toBe(MAX_HINT_MS);
  });
});

describe('parseRetryAfterMs', () => {
  it('retry-after-ms (ms, fractional), case-insensitive', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '250' }, undefined, NOW)).toBe(250);
    expect(parseRetryAfterMs({ 'Retry-After-Ms': '12.5' }, undefined, NOW)).toBe(12.5);
    expect(parseRetryAfterMs({ 'x-ms-retry-after-ms': '900' }, undefined, NOW)).toBe(900);
  });
  it('retry-after-ms wins over retry-after', () => {
    expect(parseRetryAfterMs({ 'retry-after-ms': '100', 'retry-after': '30' }, undefined, NOW)).toBe(100);
  });
  it('Retry-After in delta-seconds (digits only), any case', () => {
    expect(parseRetryAfterMs({ 'Retry-After': '30' }, undefined, NOW)).toBe(30_000);
    expect(parseRetryAfterMs({ 'RETRY-AFTER': '15' }, undefined, NOW)).toBe(15_000);
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
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
        ],
      },
    };
    expect(parseRetryAfterMs({}, body, NOW)).toBe(34_400);
    expect(parseRetryAfterMs({}, JSON.stringify(body), NOW)).toBe(34_400);
    expect(parseRetryAfterMs({}, Buffer.from(JSON.stringify(body)), NOW)).toBe(34_400);
    // headers win over the body
    expect(parseRetryAfterMs({ 'retry-after': '3' }, body, NOW)).toBe(3000);
    expect(
      retryDelayFromBody(
        '{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12s"}]}}',
      ),
    ).toBe(12_000);
    expect(
      retryDelayFromBody(
        '[{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}]',
      ),
    ).toBe(1500);
    expect(retryDelayFromBody('not json')).toBeUndefined();
    expect(
      retryDelayFromBody({
        error: { details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '-3s' }] },
      }),
    ).toBeUndefined();
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
