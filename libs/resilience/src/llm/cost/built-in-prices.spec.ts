import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { BUILT_IN_PRICES } from './built-in-prices.js';
import { PriceTable } from './price-table.js';
import { normalizePrices } from './price-table.normalize.js';

const entries = Object.entries(BUILT_IN_PRICES);

describe('BUILT_IN_PRICES', () => {
  it('every entry passes the validation of `costs.prices`', () => {
    expect(() => normalizePrices(BUILT_IN_PRICES, 'costs')).not.toThrow(ResilienceConfigError);
    expect(normalizePrices(BUILT_IN_PRICES, 'costs').size).toBe(entries.length);
  });

  it('covers the current OpenAI, Anthropic and Gemini chat models the brief lists', () => {
    const table = PriceTable.create();
    for (const model of [
      'gpt-4o',
      'gpt-4o-mini',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'o3',
      'o4-mini',
      'gpt-5',
      'gpt-5-mini',
    ])
      expect([model, table.lookup(model, 'openai')?.litellm_provider]).toEqual([model, 'openai']);
    for (const model of [
      'claude-opus-4-1',
      'claude-opus-4-5',
      'claude-sonnet-4-5',
      'claude-sonnet-4-20250514',
      'claude-haiku-4-5',
    ])
      expect([model, table.lookup(model, 'anthropic')?.litellm_provider]).toEqual([model, 'anthropic']);
    for (const model of ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash'])
      expect([model, table.lookup(model, 'gemini')?.litellm_provider]).toEqual([model, 'gemini']);
  });

  it('prices the sample app’s default models (simulator gpt-4o-mini; claude-haiku-4-5; gemini-2.5-flash)', () => {
    const table = PriceTable.create();
    expect(table.lookup('gpt-4o-mini', 'openai')).toBeDefined();
    expect(table.lookup('claude-haiku-4-5', 'anthropic')).toBeDefined();
    expect(table.lookup('gemini-2.5-flash', 'gemini')).toBeDefined();
  });

  it('has the values verified in LiteLLM’s map (shared/reference/ecosystem.md §4)', () => {
    expect(BUILT_IN_PRICES['gpt-4o']).toMatchObject({
      input_cost_per_token: 2.5e-6,
      output_cost_per_token: 1e-5,
      cache_read_input_token_cost: 1.25e-6,
      max_input_tokens: 128000,
      max_output_tokens: 16384,
    });
    expect(BUILT_IN_PRICES['gpt-4o-mini']).toMatchObject({
      input_cost_per_token: 1.5e-7,
      output_cost_per_token: 6e-7,
      cache_read_input_token_cost: 7.5e-8,
    });
    expect(BUILT_IN_PRICES['claude-sonnet-4-20250514']).toMatchObject({
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
      cache_read_input_token_cost: 3e-7,
      cache_creation_input_token_cost: 3.75e-6,
      max_input_tokens: 1000000,
    });
    expect(BUILT_IN_PRICES['claude-haiku-4-5']).toMatchObject({
      input_cost_per_token: 1e-6,
      output_cost_per_token: 5e-6,
      cache_read_input_token_cost: 1e-7,
      cache_creation_input_token_cost: 1.25e-6,
    });
    expect(BUILT_IN_PRICES['gemini/gemini-2.5-flash']).toMatchObject({
      input_cost_per_token: 3e-7,
      output_cost_per_token: 2.5e-6,
      cache_read_input_token_cost: 3e-8,
      output_cost_per_reasoning_token: 2.5e-6,
      max_input_tokens: 1048576,
      max_output_tokens: 65535,
    });
  });

  it('keys Gemini entries `gemini/<id>` (LiteLLM’s Gemini API keys) and matches each key to its provider', () => {
    for (const [key, price] of entries) {
      const provider = price.litellm_provider;
      const expected = key.startsWith('gemini/') ? 'gemini' : key.startsWith('claude-') ? 'anthropic' : 'openai';
      expect([key, provider]).toEqual([key, expected]);
      expect([key, price.mode]).toEqual([key, 'chat']);
    }
    expect(entries.some(([key]) => key.startsWith('gemini-'))).toBe(false);
  });

  it('prices a dated snapshot like its alias', () => {
    const pairs: [string, string][] = [
      ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
      ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini'],
      ['gpt-5-mini-2025-08-07', 'gpt-5-mini'],
      ['o4-mini-2025-04-16', 'o4-mini'],
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
      ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
      ['claude-opus-4-5-20251101', 'claude-opus-4-5'],
      ['claude-opus-4-1-20250805', 'claude-opus-4-1'],
    ];
    for (const [dated, alias] of pairs)
      expect([dated, BUILT_IN_PRICES[dated]]).toEqual([dated, BUILT_IN_PRICES[alias]]);
  });

  it('is frozen (a table cannot change it)', () => {
    expect(Object.isFrozen(BUILT_IN_PRICES)).toBe(true);
    for (const [, price] of entries) expect(Object.isFrozen(price)).toBe(true);
  });
});
