import { parseGoDurationMs } from 'nest-resilience/http';
import { SampleConfigError } from '../config/sample.config.js';
import { goDuration, SIM_LIMITS_DEFAULTS, simOptionsFromEnv, SimWindow } from './sim-limits.js';

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [0.2, '1ms'],
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [8640, '8.64s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [3_600_000, '1h0m0s'],
    [3_723_500, '1h2m3.5s'],
  ])('%p ms → %s, which the library parses back', (ms, text) => {
    expect(goDuration(ms)).toBe(text);
    expect(parseGoDurationMs(text)).toBe(Math.max(0, Math.ceil(ms)));
  });
});

describe('SimWindow', () => {
  it('refuses the request over the requests limit until the oldest one leaves the window', () => {
    const w = new SimWindow({ requestsPerWindow: 3, tokensPerWindow: 1000, windowMs: 1000 });
    expect([0, 100, 200].map((t) => w.admit(t, 1).ok)).toEqual([true, true, true]);
    const refused = w.admit(400, 1);
    expect(refused).toMatchObject({ ok: false, reason: 'requests', retryAfterMs: 600 });
    expect(refused.headers).toMatchObject({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '600ms',
      'x-ratelimit-remaining-tokens': '997',
    });
    expect(w.admit(999, 1).ok).toBe(false);
    expect(w.admit(1000, 1).ok).toBe(true);
    expect(w.usage(1000)).toEqual({ requests: 3, tokens: 3 });
  });

  it('refuses a request whose tokens would take the window over the tokens limit', () => {
    const w = new SimWindow({ requestsPerWindow: 100, tokensPerWindow: 100, windowMs: 1000 });
    expect(w.admit(0, 60).ok).toBe(true);
    expect(w.admit(100, 30).ok).toBe(true);
    // 90 used: 50 more fit once the first (60) has left, at 1000
    expect(w.admit(200, 50)).toMatchObject({ ok: false, reason: 'tokens', retryAfterMs: 800 });
    expect(w.admit(200, 10).ok).toBe(true);
    // more than the whole window: never fits, told to wait a window
    expect(w.admit(300, 101)).toMatchObject({ ok: false, reason: 'tokens', retryAfterMs: 1000 });
    expect(w.admit(1000, 50).headers['x-ratelimit-remaining-tokens']).toBe('10');
  });

  it('keeps at most the window in memory over a long run', () => {
    const w = new SimWindow({ requestsPerWindow: 10, tokensPerWindow: 1e9, windowMs: 100 });
    let ok = 0;
    for (let t = 0; t < 100_000; t++) if (w.admit(t, 1).ok) ok++;
    expect(ok).toBe(10_000);
    expect((w as unknown as { entries: unknown[] }).entries.length).toBeLessThanOrEqual(10 + 257);
  });

  it('rejects limits that are not integers >= 1', () => {
    expect(() => new SimWindow({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new SimWindow({ requestsPerWindow: 1.5 })).toThrow(/requestsPerWindow/);
  });
});

describe('simOptionsFromEnv', () => {
  it('defaults: an ephemeral port and the small-key limits', () => {
    expect(simOptionsFromEnv({})).toEqual({ port: 0, seed: 1, ...SIM_LIMITS_DEFAULTS });
  });

  it('reads SIM_LLM_*', () => {
    const env = {
      SIM_LLM_PORT: '4010',
      SIM_LLM_REQUESTS: '5',
      SIM_LLM_TOKENS: '900',
      SIM_LLM_WINDOW_MS: '2000',
      SIM_LLM_SEED: '7',
    };
    expect(simOptionsFromEnv(env)).toEqual({
      port: 4010,
      requestsPerWindow: 5,
      tokensPerWindow: 900,
      windowMs: 2000,
      seed: 7,
    });
  });

  it('names a bad variable', () => {
    expect(() => simOptionsFromEnv({ SIM_LLM_PORT: '70000' })).toThrow(SampleConfigError);
    expect(() => simOptionsFromEnv({ SIM_LLM_REQUESTS: '0' })).toThrow(/SIM_LLM_REQUESTS/);
  });
});
