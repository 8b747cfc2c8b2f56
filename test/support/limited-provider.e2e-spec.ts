// The rate-limited provider of the executor suites (test/support/limited-provider.ts), on an
// injected clock: its window, its 429s and headers, its usage and its server-side counts.
import { afterEach, describe, expect, it } from '@jest/globals';
import { maxInWindow, PROVIDER_HEADERS, startLimitedProvider, type LimitedProvider } from './limited-provider.js';

let t = 1000;
let provider: LimitedProvider | undefined;
const start = (o: Parameters<typeof startLimitedProvider>[0]) =>
  startLimitedProvider({ latencyMs: 0, now: () => t, ...o }).then((p) => (provider = p));

afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

const call = (p: LimitedProvider, headers: Record<string, string> = {}) =>
  fetch(p.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('limited provider', () => {
  it('allows L requests per sliding window, then 429 with Retry-After and OpenAI x-ratelimit-* headers', async () => {
    t = 1000;
    const p = await start({ requests: 3, windowMs: 1000 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      t = 1000 + i * 100;
      const res = await call(p);
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('x-ratelimit-remaining-requests')!);
      const body = (await res.json()) as { id: string; choices: Array<{ message: { content: string } }> };
      expect(body.id).toMatch(/^chatcmpl-/);
      expect(body.choices[0]!.message.content).toBe('ok');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    t = 1500;
    const refused = await call(p);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('500ms'); // the first leaves at 2000
    await refused.text();
    t = 2000; // (1000, 2000]: the first request left the window
    expect((await call(p)).status).toBe(200);
    t = 2050;
    expect((await call(p)).status).toBe(429);
    const s = p.stats();
    expect(s).toMatchObject({ arrivals: 6, ok: 4, rejected: 2, rejectedBy: { requests: 2, tokens: 0 } });
    expect(s.maxRequestsInWindow).toBe(5); // 1100..2050 (refused arrivals count too)
  });

  it('reports usage = usageFactor × the estimate and refuses what would exceed the tokens window', async () => {
    t = 0;
    const p = await start({ requests: 100, windowMs: 1000, tokens: 500, usageFactor: 2 });
    const first = await call(p, { [PROVIDER_HEADERS.estimate]: '100' });
    const body = (await first.json()) as {
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.usage.total_tokens).toBe(200);
    expect(body.usage.prompt_tokens + body.usage.completion_tokens).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('300');
    t = 10;
    expect((await call(p, { [PROVIDER_HEADERS.estimate]: '100' })).status).toBe(200); // 400
    t = 20;
    const refused = await call(p, { [PROVIDER_HEADERS.estimate]: '100' }); // 600 > 500
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit-tokens')).toBe('500');
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('rate_limit_exceeded');
    t = 1000; // the first left: 200 in the window
    expect((await call(p, { [PROVIDER_HEADERS.estimate]: '150' })).status).toBe(200); // 500
    expect(p.stats()).toMatchObject({ ok: 3, rejectedBy: { requests: 0, tokens: 1 }, maxTokensInWindow: 700 }); // (0, 1000]: 200 + 200 (refused) + 300;
  });

  it('records lane, process and task of every arrival and counts duplicates and accepted per process/lane', async () => {
    t = 0;
    const p = await start({ requests: 2, windowMs: 1000 });
    const h = (process: string, lane: string, task: string) => ({
      [PROVIDER_HEADERS.process]: process,
      [PROVIDER_HEADERS.lane]: lane,
      [PROVIDER_HEADERS.task]: task,
    });
    await (await call(p, h('A', 'batch', 'A-1'))).text();
    await (await call(p, h('B', 'interactive', 'B-1'))).text();
    await (await call(p, h('A', 'batch', 'A-1'))).text(); // refused, and a duplicate task
    expect(p.arrivals.map((a) => [a.process, a.lane, a.task, a.status])).toEqual([
      ['A', 'batch', 'A-1', 200],
      ['B', 'interactive', 'B-1', 200],
      ['A', 'batch', 'A-1', 429],
    ]);
    expect(p.stats()).toMatchObject({ okBy: { 'A/batch': 1, 'B/interactive': 1 }, duplicates: 1 });
  });

  it('maxInWindow: the largest count or weight inside any window (t - w, t]', () => {
    const items = [0, 100, 999, 1000, 1999, 2000].map((at) => ({ at }));
    expect(maxInWindow(items, 1000, () => 1)).toBe(3); // 100, 999, 1000 (0 left at 1000)
    expect(maxInWindow(items, 1000, (i) => i)).toBe(4 + 5); // (1000, 2000]
    expect(maxInWindow([], 1000, () => 1)).toBe(0);
  });
});
