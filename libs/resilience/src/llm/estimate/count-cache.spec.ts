import { createRequire } from 'node:module';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { cachedCount } from './count-cache.js';
import { createEstimatorWithLoader, DEFAULT_ESTIMATOR_DEFAULTS } from './default-estimator.js';
import { requireLoader, type EncodingLoader } from './openai-tokens.js';

/** A count that records every text it was asked for (its result: the text's length). */
function recording() {
  const asked: string[] = [];
  const count = (t: string) => (asked.push(t), t.length);
  return { asked, count };
}

describe('cachedCount', () => {
  it('counts a text once while it is in use, and gives the same count', () => {
    const r = recording();
    const c = cachedCount(r.count, 100);
    expect([c('abc'), c('abc'), c('de'), c('abc')]).toEqual([3, 3, 2, 3]);
    expect(r.asked).toEqual(['abc', 'de']);
  });

  it('holds at most two generations of maxChars: one-off texts age out, a text in use stays', () => {
    const r = recording();
    const c = cachedCount(r.count, 10);
    c('system'); // 6 chars
    for (let i = 0; i < 20; i++) {
      c(`u${i}`); // one-off texts, 2–3 chars each
      c('system'); // sent with every message
    }
    expect(r.asked.filter((t) => t === 'system')).toHaveLength(1);
    r.asked.length = 0;
    c('u0'); // long gone: counted again
    c('u19'); // recent: still known
    expect(r.asked).toEqual(['u0']);
  });

  it('a text longer than maxChars is counted every time; maxChars 0 is no cache', () => {
    const r = recording();
    const c = cachedCount(r.count, 4);
    c('longer');
    c('longer');
    expect(r.asked).toEqual(['longer', 'longer']);
    const plain = recording();
    expect(cachedCount(plain.count, 0)).toBe(plain.count);
  });
});

describe('the default estimator’s cache', () => {
  const req = createRequire(import.meta.url);
  const real = requireLoader(req);
  /** The real o200k / cl100k counters, with every counted text recorded. */
  function countingLoader() {
    const counted: string[] = [];
    const loader: EncodingLoader = (e) => {
      const o = real(e);
      return 'count' in o ? { count: (t: string) => (counted.push(t), o.count(t)) } : o;
    };
    return { counted, loader };
  }
  const system = 'You are a support agent for an online shop. Answer in two sentences.';
  const turn = (content: string) => ({ system, messages: [{ role: 'user' as const, content }] });

  it('a system prompt sent with every call is tokenized once; the estimates do not change', () => {
    const cached = countingLoader();
    const uncached = countingLoader();
    const a = createEstimatorWithLoader(undefined, cached.loader);
    const b = createEstimatorWithLoader({ cacheChars: 0 }, uncached.loader);
    for (const q of ['Where is my order?', 'Can I return shoes?', 'Where is my order?']) {
      for (const provider of ['openai', 'anthropic'] as const) {
        expect(a.estimateInput(turn(q), 'gpt-4o', provider)).toBe(b.estimateInput(turn(q), 'gpt-4o', provider));
      }
    }
    expect(cached.counted.filter((t) => t === system)).toHaveLength(1);
    expect(cached.counted).toHaveLength(3); // the system prompt and two distinct questions
    expect(uncached.counted).toHaveLength(12);
    expect(DEFAULT_ESTIMATOR_DEFAULTS.cacheChars).toBe(1_000_000);
  });

  it('one cache per encoding: cl100k counts are not taken for o200k ones', () => {
    const r = countingLoader();
    const est = createEstimatorWithLoader(undefined, r.loader);
    const x = turn('你好，世界！今天天气很好。');
    const o200k = est.estimateInput(x, 'gpt-4o', 'openai');
    const cl100k = est.estimateInput(x, 'gpt-4', 'openai');
    expect(o200k).not.toBe(cl100k);
    expect(est.estimateInput(x, 'gpt-4o', 'openai')).toBe(o200k);
    expect(r.counted).toHaveLength(4);
  });

  it.each([-1, 1.5, '100', Number.NaN])('cacheChars %p is refused at construction', (v) => {
    expect(() => createEstimatorWithLoader({ cacheChars: v as number }, real)).toThrow(ResilienceConfigError);
    expect(() => createEstimatorWithLoader({ cacheChars: v as number }, real)).toThrow(/estimator\.cacheChars/);
  });
});
