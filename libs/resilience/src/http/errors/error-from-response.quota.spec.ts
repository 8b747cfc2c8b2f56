import { UpstreamRateLimitError, errorFromResponse, isQuotaExhausted } from 'nest-resilience/http';

const base = { method: 'post', url: 'https://api.example.com/v1/chat?model=x' };

describe('quota-exhausted 429s are permanent', () => {
  it('OpenAI insufficient_quota (string body and object body)', () => {
    const body = JSON.stringify({
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    });
    for (const b of [body, JSON.parse(body), Buffer.from(body)]) {
      const e = errorFromResponse({ ...base, status: 429, body: b }) as UpstreamRateLimitError;
      expect(e).toBeInstanceOf(UpstreamRateLimitError);
      expect(e.quotaExhausted).toBe(true);
      expect(e.isTransient).toBe(false);
      expect(e.code).toBe('insufficient_quota');
      expect(e.message).toContain('You exceeded your current quota');
    }
  });
  it('OpenAI rate_limit_exceeded stays transient', () => {
    const e = errorFromResponse({
      ...base,
      status: 429,
      body: {
        error: {
          message:
            'Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    }) as UpstreamRateLimitError;
    expect(e.quotaExhausted).toBe(false);
    expect(e.isTransient).toBe(true);
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.type).toBe('tokens');
  });
  it('Gemini PerDay QuotaFailure is permanent; PerMinute is transient with RetryInfo', () => {
    const gemini = (quotaId: string) => ({
      error: {
        code: 429,
        message: 'You exceeded your current quota, please check your plan and billing details.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
        ],
      },
    });
    const perDay = errorFromResponse({
      ...base,
      status: 429,
      body: JSON.stringify(gemini('GenerateRequestsPerDayPerProjectPerModel-FreeTier')),
    }) as UpstreamRateLimitError;
    expect(perDay.quotaExhausted).toBe(true);
    expect(perDay.isTransient).toBe(false);
    expect(perDay.code).toBe('RESOURCE_EXHAUSTED');
    expect(perDay.retryAfterMs).toBe(34_400);
    const perMinute = errorFromResponse({
      ...base,
      status: 429,
      body: JSON.stringify(gemini('GenerateRequestsPerMinutePerProjectPerModel-FreeTier')),
    }) as UpstreamRateLimitError;
    expect(perMinute.quotaExhausted).toBe(false);
    expect(perMinute.isTransient).toBe(true);
    expect(perMinute.retryAfterMs).toBe(34_400);
  });
  it('Anthropic billing error on a 429 is permanent; rate_limit_error is not', () => {
    const billing = {
      type: 'error',
      error: { type: 'billing_error', message: 'Your credit balance is too low.' },
      request_id: 'req_011',
    };
    expect(isQuotaExhausted(billing)).toBe(true);
    const e = errorFromResponse({ ...base, status: 429, body: billing }) as UpstreamRateLimitError;
    expect(e.quotaExhausted).toBe(true);
    expect(e.isTransient).toBe(false);
    const rl = errorFromResponse({
      ...base,
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit',
        },
      },
    }) as UpstreamRateLimitError;
    expect(rl.quotaExhausted).toBe(false);
    expect(rl.isTransient).toBe(true);
    expect(rl.retryAfterMs).toBe(7000);
    expect(rl.type).toBe('rate_limit_error');
  });
});
