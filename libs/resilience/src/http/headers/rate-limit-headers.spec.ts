import { parseGoDurationMs, parseRateLimitHeaders } from 'nest-resilience/http';

describe('parseGoDurationMs (OpenAI resets)', () => {
  it.each([
    ['12ms', 12],
    ['1s', 1000],
    ['6m0s', 360_000],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['20ms', 20],
    ['2', 2000],
  ])('%s → %d ms', (v, ms) => expect(parseGoDurationMs(v)).toBe(ms));
  it('rejects garbage', () => {
    for (const v of ['', 'soon', '1x', '-1s', 's', undefined]) expect(parseGoDurationMs(v)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  const NOW = Date.parse('2025-08-21T12:40:00Z');

  it('OpenAI (guides/rate-limits sample)', () => {
    const info = parseRateLimitHeaders(
      {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-limit-tokens': '150000',
        'x-ratelimit-remaining-requests': '59',
        'x-ratelimit-remaining-tokens': '149984',
        'x-ratelimit-reset-requests': '1s',
        'x-ratelimit-reset-tokens': '6m0s',
        'x-request-id': 'req_123',
        'openai-processing-ms': '417',
      },
      NOW,
    );
    expect(info).toEqual({
      source: 'openai',
      requests: { limit: 60, remaining: 59, resetMs: 1000 },
      tokens: { limit: 150_000, remaining: 149_984, resetMs: 360_000 },
    });
  });

  it('OpenAI names are case-insensitive; Azure -1 counts are ignored', () => {
    const info = parseRateLimitHeaders(
      new Headers({
        'X-RateLimit-Remaining-Requests': '-1',
        'X-RateLimit-Limit-Requests': '100',
        'X-RateLimit-Reset-Requests': '12ms',
      }),
      NOW,
    );
    expect(info).toEqual({ source: 'openai', requests: { limit: 100, resetMs: 12 } });
  });

  it('Anthropic (recorded 200 fixture) with RFC 3339 resets', () => {
    const info = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-limit': '1000',
        'anthropic-ratelimit-requests-remaining': '999',
        'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:59Z',
        'anthropic-ratelimit-tokens-limit': '480000',
        'anthropic-ratelimit-tokens-remaining': '480000',
        'anthropic-ratelimit-tokens-reset': '2025-08-21T12:40:59Z',
        'anthropic-ratelimit-input-tokens-limit': '400000',
        'anthropic-ratelimit-input-tokens-remaining': '400000',
        'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:59Z',
        'anthropic-ratelimit-output-tokens-limit': '80000',
        'anthropic-ratelimit-output-tokens-remaining': '80000',
        'anthropic-ratelimit-output-tokens-reset': '2025-08-21T12:40:01Z',
        'request-id': 'req_011CSMP7t4Q3z2ZhmS6zEQqV',
      },
      NOW,
    );
    expect(info).toEqual({
      source: 'anthropic',
      requests: { limit: 1000, remaining: 999, resetMs: 59_000 },
      tokens: { limit: 480_000, remaining: 480_000, resetMs: 59_000 },
      inputTokens: { limit: 400_000, remaining: 400_000, resetMs: 59_000 },
      outputTokens: { limit: 80_000, remaining: 80_000, resetMs: 1000 },
    });
  });

  it('Anthropic 429 with retry-after; past resets clamp to 0', () => {
    const info = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2025-08-21T12:39:00Z',
        'retry-after': '12',
        'x-should-retry': 'true',
      },
      NOW,
    );
    expect(info).toEqual({ source: 'anthropic', requests: { remaining: 0, resetMs: 0 }, retryAfterMs: 12_000 });
  });

  it('IETF draft-7 RateLimit dictionary + RateLimit-Policy', () => {
    const info = parseRateLimitHeaders(
      { RateLimit: 'limit=100, remaining=50, reset=30', 'RateLimit-Policy': '100;w=60' },
      NOW,
    );
    expect(info).toEqual({ source: 'ietf', requests: { limit: 100, remaining: 50, resetMs: 30_000 } });
    const noLimit = parseRateLimitHeaders({ RateLimit: 'remaining=5, reset=2', 'RateLimit-Policy': '10;w=1' }, NOW);
    expect(noLimit.requests).toEqual({ limit: 10, remaining: 5, resetMs: 2000 });
  });

  it('IETF structured form; several policies → the most restrictive', () => {
    const info = parseRateLimitHeaders(
      { RateLimit: '"default";r=50;t=30', 'RateLimit-Policy': '"default";q=100;w=60' },
      NOW,
    );
    expect(info).toEqual({ source: 'ietf', requests: { limit: 100, remaining: 50, resetMs: 30_000 } });
    const two = parseRateLimitHeaders(
      {
        ratelimit: '"burst";r=8;t=1, "daily";r=3;t=3600',
        'ratelimit-policy': '"burst";q=10;w=1, "daily";q=1000;w=86400',
      },
      NOW,
    );
    expect(two.requests).toEqual({ limit: 1000, remaining: 3, resetMs: 3_600_000 });
  });

  it('IETF draft-6 separate fields', () => {
    const info = parseRateLimitHeaders(
      { 'RateLimit-Limit': '20', 'RateLimit-Remaining': '4', 'RateLimit-Reset': '9' },
      NOW,
    );
    expect(info).toEqual({ source: 'ietf', requests: { limit: 20, remaining: 4, resetMs: 9000 } });
  });

  it('generic x-ratelimit-* with reset in seconds, epoch seconds, epoch ms', () => {
    expect(
      parseRateLimitHeaders(
        { 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '4999', 'X-RateLimit-Reset': '60' },
        NOW,
      ),
    ).toEqual({
      source: 'generic',
      requests: { limit: 5000, remaining: 4999, resetMs: 60_000 },
    });
    // GitHub style: epoch seconds
    expect(
      parseRateLimitHeaders(
        { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': String(NOW / 1000 + 120) },
        NOW,
      ).requests,
    ).toEqual({
      limit: 60,
      remaining: 10,
      resetMs: 120_000,
    });
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': String(NOW + 500) }, NOW).requests,
    ).toEqual({ remaining: 10, resetMs: 500 });
    expect(parseRateLimitHeaders({ 'x-rate-limit-remaining': '3', 'x-rate-limit-reset': '2s' }, NOW).requests).toEqual({
      remaining: 3,
      resetMs: 2000,
    });
  });

  it('list-form limits keep their first item as limit (IETF draft-6 list, Envoy)', () => {
    expect(
      parseRateLimitHeaders(
        { 'RateLimit-Limit': '5000, 1000;w=3600', 'RateLimit-Remaining': '4990', 'RateLimit-Reset': '30' },
        NOW,
      ),
    ).toEqual({
      source: 'ietf',
      requests: { limit: 5000, remaining: 4990, resetMs: 30_000 },
    });
    expect(
      parseRateLimitHeaders(
        { 'x-ratelimit-limit': '1, 1;w=60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
        NOW,
      ),
    ).toEqual({
      source: 'generic',
      requests: { limit: 1, remaining: 0, resetMs: 42_000 },
    });
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '100;w=60' }, NOW).requests).toEqual({ limit: 100 });
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-limit': 'many, 1;w=60', 'x-ratelimit-remaining': '3' }, NOW).requests,
    ).toEqual({ remaining: 3 });
  });

  it('date resets are strict: RFC 3339 or an HTTP-date, nothing Date.parse guesses', () => {
    expect(
      parseRateLimitHeaders(
        { 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:30Z' },
        NOW,
      ).requests,
    ).toEqual({ remaining: 0, resetMs: 30_000 });
    expect(
      parseRateLimitHeaders(
        {
          'anthropic-ratelimit-requests-remaining': '0',
          'anthropic-ratelimit-requests-reset': 'Fri, 29 Sep 100000 16:26:57 GMT',
        },
        NOW,
      ).requests,
    ).toEqual({ remaining: 0 });
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'Zun, 21 Aug 2025 12:41:00 GMT' }, NOW)
        .requests,
    ).toEqual({ remaining: 0 });
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': 'Thu, 21 Aug 2025 12:41:00 GMT' }, NOW)
        .requests,
    ).toEqual({ remaining: 0, resetMs: 60_000 });
  });

  it('retry-after alone; nothing at all', () => {
    expect(parseRateLimitHeaders({ 'Retry-After': '5' }, NOW)).toEqual({ retryAfterMs: 5000 });
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, NOW)).toEqual({});
    expect(parseRateLimitHeaders(undefined, NOW)).toEqual({});
  });

  it('garbage values are dropped, not NaN', () => {
    const info = parseRateLimitHeaders(
      {
        'x-ratelimit-remaining-requests': 'lots',
        'x-ratelimit-reset-requests': 'soon',
        'x-ratelimit-limit-requests': '60',
      },
      NOW,
    );
    expect(info).toEqual({ source: 'openai', requests: { limit: 60 } });
  });
});
