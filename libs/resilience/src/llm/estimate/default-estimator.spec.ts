import { jest } from '@jest/globals';
import { createRequire } from 'node:module';
import { ResilienceConfigError } from '../../core/errors/index.js';
import type { ChatRequest } from '../chat/chat.types.js';
import {
  createDefaultEstimator,
  createEstimatorWithLoader,
  DEFAULT_ESTIMATOR_DEFAULTS,
  defaultEstimator,
} from './default-estimator.js';
import { heuristicTokens } from './heuristic-tokens.js';
import { countChat, requireLoader, type EncodingLoader, type OpenAIEncodingName } from './openai-tokens.js';

const req = createRequire(import.meta.url);
const o200k = req('gpt-tokenizer/encoding/o200k_base') as { countTokens(t: string): number };
const cl100k = req('gpt-tokenizer/encoding/cl100k_base') as { countTokens(t: string): number };

const CJK = '你好，世界！今天天气很好，我们去公园散步吧。';
const LOREM = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.';
const ask = (content: string, system?: string): ChatRequest => ({
  ...(system !== undefined ? { system } : {}),
  messages: [{ role: 'user', content }],
});

/** A loader that records what it was asked for; `missing` simulates an absent gpt-tokenizer. */
function recordingLoader(missing: boolean) {
  const asked: OpenAIEncodingName[] = [];
  const real = requireLoader(req);
  const loader: EncodingLoader = (e) => (asked.push(e), missing ? { reason: 'MODULE_NOT_FOUND' } : real(e));
  return { asked, loader };
}

describe('createDefaultEstimator', () => {
  it('OpenAI: the exact count of the model encoding with the cookbook framing', () => {
    const est = createDefaultEstimator();
    const r = ask(CJK, 'You are terse.');
    expect(est.estimateInput(r, 'gpt-4o-mini', 'openai')).toBe(countChat(r, (t) => o200k.countTokens(t)));
    expect(est.estimateInput(r, 'gpt-4', 'openai')).toBe(countChat(r, (t) => cl100k.countTokens(t)));
    expect(o200k.countTokens(CJK)).not.toBe(cl100k.countTokens(CJK));
    expect(est.estimateInput(ask('Hi'), 'gpt-4o', 'openai')).toBe(3 + 4 + 1);
  });

  it.each(['anthropic', 'gemini'] as const)('%s: max(ceil(o200k × 1.15), ceil(chars / 3.5)) per text', (provider) => {
    const est = createDefaultEstimator();
    expect(est.margin).toBe(DEFAULT_ESTIMATOR_DEFAULTS.margin);
    // CJK: the o200k count with the margin is the larger one
    const cjk = Math.ceil(o200k.countTokens(CJK) * 1.15);
    expect(cjk).toBeGreaterThan(Math.ceil(CJK.length / 3.5));
    expect(est.estimateInput(ask(CJK), 'claude-sonnet-4-5', provider)).toBe(3 + 4 + cjk);
    // Latin prose with long words: o200k packs it better than Claude / Gemini do; the chars floor holds
    const lorem = Math.ceil(LOREM.length / 3.5);
    expect(lorem).toBeGreaterThan(Math.ceil(o200k.countTokens(LOREM) * 1.15));
    expect(est.estimateInput(ask(LOREM, CJK), 'gemini-2.5-flash', provider)).toBe(3 + 4 + cjk + 4 + lorem);
  });

  it('margin scales the Anthropic / Gemini count, never the OpenAI one', () => {
    const one = createDefaultEstimator({ margin: 1 });
    const two = createDefaultEstimator({ margin: 2 });
    expect(two.estimateInput(ask(CJK), 'claude', 'anthropic')).toBe(7 + Math.ceil(o200k.countTokens(CJK) * 2));
    expect(one.estimateInput(ask(CJK), 'claude', 'anthropic')).toBe(
      7 + Math.max(o200k.countTokens(CJK), Math.ceil(CJK.length / 3.5)),
    );
    expect(two.estimateInput(ask(CJK), 'gpt-4o', 'openai')).toBe(one.estimateInput(ask(CJK), 'gpt-4o', 'openai'));
  });

  it('loads nothing until the first estimate, then each encoding once; preload names the method', () => {
    const { asked, loader } = recordingLoader(false);
    const est = createEstimatorWithLoader({}, loader);
    expect(asked).toEqual([]);
    expect(est.preload('gpt-4o', 'openai')).toBe('o200k_base');
    expect(est.preload('gpt-3.5-turbo', 'openai')).toBe('cl100k_base');
    expect(est.preload('claude-haiku-4-5', 'anthropic')).toBe('o200k_base');
    for (let i = 0; i < 5; i++) {
      est.estimateInput(ask('x'), 'gpt-4o', 'openai');
      est.estimateInput(ask('x'), 'gemini-2.5-pro', 'gemini');
    }
    expect(asked.filter((e) => e === 'o200k_base').length).toBe(2 + 1); // two preloads + the first estimate
  });

  it('without gpt-tokenizer: the heuristic (× margin off OpenAI) and one warning to the logger', () => {
    const { loader } = recordingLoader(true);
    const warnings: string[] = [];
    const est = createEstimatorWithLoader({ logger: { warn: (m) => void warnings.push(m) } }, loader);
    const r = ask(CJK, LOREM);
    expect(est.estimateInput(r, 'gpt-4o', 'openai')).toBe(countChat(r, heuristicTokens));
    const other = (t: string) => Math.max(Math.ceil(heuristicTokens(t) * 1.15), Math.ceil(t.length / 3.5));
    expect(est.estimateInput(r, 'claude', 'anthropic')).toBe(countChat(r, other));
    est.estimateInput(r, 'gpt-4', 'openai');
    expect(est.preload('gpt-4o', 'openai')).toBe('heuristic');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('gpt-tokenizer could not be loaded (MODULE_NOT_FOUND)');
  });

  it('without gpt-tokenizer and without a logger: nothing is printed', () => {
    const spies = (['warn', 'error', 'log', 'info'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      const est = createEstimatorWithLoader(undefined, recordingLoader(true).loader);
      expect(est.estimateInput(ask('Hello there'), 'gpt-4o', 'openai')).toBe(3 + 4 + heuristicTokens('Hello there'));
      for (const s of spies) expect(s).not.toHaveBeenCalled();
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });

  it.each([
    [{ margin: 0.9 }, 'estimator.margin'],
    [{ margin: Number.NaN }, 'estimator.margin'],
    [{ margin: Infinity }, 'estimator.margin'],
    [{ margin: '1.2' }, 'estimator.margin'],
    [{ logger: {} }, 'estimator.logger'],
    [{ logger: null }, 'estimator.logger'],
    [{ marign: 1.2 }, 'estimator.marign'],
    [[], 'estimator'],
  ])('bad options %j throw ResilienceConfigError at %s', (options, path) => {
    let error: unknown;
    try {
      createDefaultEstimator(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as ResilienceConfigError).path).toBe(path);
  });

  it('defaultEstimator is a ready instance on the real package', () => {
    expect(defaultEstimator.margin).toBe(1.15);
    expect(defaultEstimator.preload('gpt-4o', 'openai')).toBe('o200k_base');
    expect(defaultEstimator.estimateInput(ask('Hello, world'), 'gpt-4o', 'openai')).toBe(
      7 + o200k.countTokens('Hello, world'),
    );
  });
});
