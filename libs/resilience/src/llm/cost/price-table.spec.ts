import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { LlmUsage } from '../chat/chat.types.js';
import { BUILT_IN_PRICES } from './built-in-prices.js';
import { CostTracker } from './cost-tracker.js';
import { PriceTable } from './price-table.js';
import type { CostLogger, ModelPrice } from './price.types.js';

const recorder = (): CostLogger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, warn: (m: string) => void warnings.push(m) };
};

const mine: ModelPrice = { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 };
const usage: LlmUsage = {
  inputTokens: 1000,
  outputTokens: 100,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  totalTokens: 1100,
};

/** Expects `fn` to throw a ResilienceConfigError naming `path`; returns it. */
function configError(fn: () => unknown, errorPath: string): ResilienceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect((e as ResilienceConfigError).path).toBe(errorPath);
    return e as ResilienceConfigError;
  }
  throw new Error(`expected a ResilienceConfigError at ${errorPath}`);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-price-table-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const writeJson = (name: string, content: unknown): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 4));
  return file;
};

describe('PriceTable.lookup', () => {
  const table = PriceTable.create();

  it('finds a built-in model by its exact id', () => {
    expect(table.lookup('gpt-4o-mini')).toBe(BUILT_IN_PRICES['gpt-4o-mini']);
    expect(table.lookup('claude-sonnet-4-5', 'anthropic')).toBe(BUILT_IN_PRICES['claude-sonnet-4-5']);
  });

  it('then as <provider>/<id>: Gemini entries by their bare id with provider gemini', () => {
    expect(table.lookup('gemini-2.5-flash', 'gemini')).toBe(BUILT_IN_PRICES['gemini/gemini-2.5-flash']);
    expect(table.lookup('gemini/gemini-2.5-flash')).toBe(BUILT_IN_PRICES['gemini/gemini-2.5-flash']);
    expect(table.lookup('gemini-2.5-flash')).toBeUndefined(); // no provider: no prefix
    expect(table.lookup('gemini-2.5-flash', 'openai')).toBeUndefined();
  });

  it('prefers the exact id over the prefixed key', () => {
    const t = PriceTable.create({ prices: { 'gemini-2.5-flash': mine } });
    expect(t.lookup('gemini-2.5-flash', 'gemini')).toEqual(mine);
    expect(t.lookup('gemini/gemini-2.5-flash')).toBe(BUILT_IN_PRICES['gemini/gemini-2.5-flash']);
  });

  it('is undefined for an unknown model, and does not warn', () => {
    const logger = recorder();
    const t = PriceTable.create({ logger });
    expect(t.lookup('no-such-model', 'openai')).toBeUndefined();
    expect(logger.warnings).toEqual([]);
  });
});

describe('PriceTable.priceFor / costOf: unknown models', () => {
  it('warns ONCE per unknown model, naming the model and costs.prices', () => {
    const logger = recorder();
    const t = PriceTable.create({ logger });
    expect(t.priceFor('my-finetune', 'openai')).toBeUndefined();
    expect(t.priceFor('my-finetune', 'openai')).toBeUndefined();
    expect(t.costOf(usage, 'my-finetune', 'openai')).toBeNull();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('"my-finetune"');
    expect(logger.warnings[0]).toContain('costs.prices');
    expect(logger.warnings[0]).toContain('input_cost_per_token');
    t.priceFor('other-model');
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings[1]).toContain('"other-model"');
  });

  it('names the option path it was created with', () => {
    const logger = recorder();
    PriceTable.create({ logger }, 'llm.costs').priceFor('x');
    expect(logger.warnings[0]).toContain('llm.costs.prices');
  });

  it('never prices an unknown model with a default: cost null', () => {
    const t = PriceTable.create({ prices: { a: mine } });
    expect(t.costOf(usage, 'b')).toBeNull();
    expect(t.costOf(usage, 'a')?.nanoUsd).toBe(1_200_000);
  });

  it('known models do not warn', () => {
    const logger = recorder();
    const t = PriceTable.create({ logger });
    expect(t.costOf(usage, 'gemini-2.5-pro', 'gemini')?.nanoUsd).toBe(1000 * 1250 + 100 * 10_000);
    expect(logger.warnings).toEqual([]);
  });

  it('keeps its memory of warned models bounded (one last warning, then silence)', () => {
    const logger = recorder();
    const t = PriceTable.create({ logger });
    for (let i = 0; i < 1500; i++) t.priceFor(`unknown-${i}`);
    expect(logger.warnings).toHaveLength(1001);
    expect(logger.warnings[1000]).toMatch(/further ones are not reported/);
    t.priceFor('unknown-0');
    t.priceFor('yet-another');
    expect(logger.warnings).toHaveLength(1001);
  });
});

describe('PriceTable.create: sources and precedence', () => {
  it('the built-in table by default; builtIn false: none', () => {
    expect(PriceTable.create().models()).toEqual(Object.keys(BUILT_IN_PRICES).sort());
    expect(PriceTable.create({ builtIn: false, prices: { a: mine } }).models()).toEqual(['a']);
    expect(PriceTable.create({ builtIn: false }).lookup('gpt-4o')).toBeUndefined();
  });

  it('accepts options given as undefined (how the cost tracker passes them)', () => {
    const t = PriceTable.create({ prices: undefined, file: undefined, builtIn: undefined, logger: undefined });
    expect(t.lookup('gpt-4o')).toBe(BUILT_IN_PRICES['gpt-4o']);
  });

  it('models() is sorted and includes the overrides', () => {
    const models = PriceTable.create({ prices: { 'zz-model': mine, 'aa-model': mine } }).models();
    expect(models).toEqual([...models].sort());
    expect(models).toContain('aa-model');
    expect(models).toContain('zz-model');
    expect(models).toContain('gpt-4o-mini');
  });

  it('precedence: built-in < file < prices', () => {
    const file = writeJson('precedence.json', {
      'gpt-4o-mini': { input_cost_per_token: 9e-7, output_cost_per_token: 9e-6 },
      'claude-haiku-4-5': { input_cost_per_token: 8e-7, output_cost_per_token: 8e-6 },
    });
    const t = PriceTable.create({ file, prices: { 'claude-haiku-4-5': mine } });
    expect(t.lookup('gpt-4o-mini')?.input_cost_per_token).toBe(9e-7); // file over built-in
    expect(t.lookup('claude-haiku-4-5')).toEqual(mine); // prices over file
    expect(t.lookup('gpt-4.1')).toBe(BUILT_IN_PRICES['gpt-4.1']); // built-in otherwise
    expect(BUILT_IN_PRICES['gpt-4o-mini']!.input_cost_per_token).toBe(1.5e-7); // not mutated
  });

  it('keeps unknown fields of an entry (ignored by pricing); a null optional field is absent', () => {
    const entry = {
      input_cost_per_token: 1e-6,
      output_cost_per_token: 2e-6,
      cache_read_input_token_cost: null,
      supports_vision: true,
      mode: 'chat',
    };
    const t = PriceTable.create({ prices: { m: entry as unknown as ModelPrice } });
    const got = t.lookup('m')!;
    expect(got.supports_vision).toBe(true);
    expect('cache_read_input_token_cost' in got).toBe(false);
    expect(t.costOf({ ...usage, cacheReadTokens: 1000 }, 'm')?.nanoUsd).toBe(1_200_000); // cache at the input price
  });

  it('skips a sample_spec key in prices and in the file', () => {
    const spec = { input_cost_per_token: 0.0, max_input_tokens: 'max input tokens, if the provider specifies it' };
    const file = writeJson('spec.json', { sample_spec: spec, m: mine });
    const t = PriceTable.create({ builtIn: false, file, prices: { sample_spec: spec as unknown as ModelPrice } });
    expect(t.models()).toEqual(['m']);
  });

  it('reads a part of LiteLLM’s real map: chat entries kept, entries without token prices skipped', () => {
    // Entries copied from BerriAI/litellm model_prices_and_context_window.json (commit 00035b69).
    const file = writeJson('litellm-part.json', {
      sample_spec: {
        input_cost_per_token: 0.0,
        litellm_provider: 'one of https://docs.litellm.ai/docs/providers',
        max_input_tokens: 'max input tokens, if the provider specifies it. if not default to max_tokens',
        mode: 'one of: chat, embedding, completion, image_generation, audio_transcription, audio_speech, image_generation, moderation, rerank, search',
        output_cost_per_token: 0.0,
        search_context_cost_per_query: { search_context_size_high: 0.0 },
        supported_regions: ['global', 'us-west-2'],
        supports_vision: true,
      },
      '1024-x-1024/dall-e-2': {
        input_cost_per_pixel: 1.9e-8,
        litellm_provider: 'openai',
        mode: 'image_generation',
        output_cost_per_pixel: 0.0,
      },
      'oci/cohere.embed-multilingual-image-v3.0': {
        input_cost_per_token: 1e-7,
        litellm_provider: 'oci',
        max_input_tokens: 512,
        mode: 'embedding',
        output_vector_size: 1024,
        source: 'https://www.oracle.com/cloud/ai/generative-ai/pricing/',
        supports_vision: true,
      },
      'gemini/gemini-embedding-001': {
        input_cost_per_token: 1.5e-7,
        litellm_provider: 'gemini',
        max_input_tokens: 2048,
        max_tokens: 2048,
        mode: 'embedding',
        output_cost_per_token: 0,
        output_vector_size: 3072,
        rpm: 10000,
        source: 'https://ai.google.dev/gemini-api/docs/embeddings#model-versions',
        tpm: 10000000,
      },
      'cerebras/llama3.1-8b': {
        input_cost_per_token: 1e-7,
        litellm_provider: 'cerebras',
        max_input_tokens: 128000,
        max_output_tokens: 128000,
        max_tokens: 128000,
        mode: 'chat',
        output_cost_per_token: 1e-7,
        supports_function_calling: true,
        supports_tool_choice: true,
      },
      'o3-mini': {
        cache_read_input_token_cost: 5.5e-7,
        input_cost_per_token: 1.1e-6,
        litellm_provider: 'openai',
        max_input_tokens: 200000,
        max_output_tokens: 100000,
        max_tokens: 100000,
        mode: 'chat',
        output_cost_per_token: 4.4e-6,
        supports_function_calling: true,
      },
    });
    const t = PriceTable.create({ builtIn: false, file });
    expect(t.models()).toEqual(['cerebras/llama3.1-8b', 'gemini/gemini-embedding-001', 'o3-mini']);
    expect(t.lookup('llama3.1-8b')).toBeUndefined();
    expect(t.lookup('o3-mini')?.cache_read_input_token_cost).toBe(5.5e-7);
    expect(t.lookup('o3-mini')?.supports_function_calling).toBe(true);
  });
});

describe('PriceTable.create: validation', () => {
  it('names <path>.prices.<model>.<field> and the value for a bad price', () => {
    const bad = (entry: unknown, field: string): ResilienceConfigError =>
      configError(
        () => PriceTable.create({ prices: { 'my-model': entry as ModelPrice } }),
        `costs.prices.my-model.${field}`,
      );
    const e = bad({ input_cost_per_token: -1, output_cost_per_token: 1e-6 }, 'input_cost_per_token');
    expect(e.value).toBe(-1);
    expect(e.message).toContain('costs.prices.my-model.input_cost_per_token');
    expect(e.message).toContain('-1');
    bad({ input_cost_per_token: 1e-6 }, 'output_cost_per_token');
    bad({ input_cost_per_token: Number.NaN, output_cost_per_token: 1e-6 }, 'input_cost_per_token');
    bad({ input_cost_per_token: 1e-6, output_cost_per_token: Infinity }, 'output_cost_per_token');
    bad({ input_cost_per_token: '1e-6', output_cost_per_token: 1e-6 }, 'input_cost_per_token');
    bad({ ...mine, cache_read_input_token_cost: -0.1 }, 'cache_read_input_token_cost');
    bad({ ...mine, cache_creation_input_token_cost: 'x' }, 'cache_creation_input_token_cost');
    bad({ ...mine, output_cost_per_reasoning_token: Infinity }, 'output_cost_per_reasoning_token');
    bad({ ...mine, max_output_tokens: -5 }, 'max_output_tokens');
  });

  it('rejects an entry that is not an object, and prices that are not an object', () => {
    configError(() => PriceTable.create({ prices: { m: 5 as unknown as ModelPrice } }), 'costs.prices.m');
    configError(() => PriceTable.create({ prices: { m: null as unknown as ModelPrice } }), 'costs.prices.m');
    configError(() => PriceTable.create({ prices: [] as unknown as Record<string, ModelPrice> }), 'costs.prices');
  });

  it('accepts 0 prices (a free model)', () => {
    const free = { input_cost_per_token: 0, output_cost_per_token: 0 };
    expect(PriceTable.create({ prices: { free } }).costOf(usage, 'free')?.nanoUsd).toBe(0);
  });

  it('uses the given path prefix', () => {
    configError(
      () => PriceTable.create({ prices: { m: { input_cost_per_token: -1, output_cost_per_token: 0 } } }, 'x.costs'),
      'x.costs.prices.m.input_cost_per_token',
    );
  });

  it('checks builtIn, logger and the options object', () => {
    configError(() => PriceTable.create({ builtIn: 'no' as unknown as boolean }), 'costs.builtIn');
    configError(() => PriceTable.create({ logger: {} as CostLogger }), 'costs.logger');
    configError(() => PriceTable.create(null as unknown as undefined), 'costs');
  });

  it('names <path>.file for a missing, unreadable or non-JSON file', () => {
    const missing = path.join(dir, 'missing.json');
    const e = configError(() => PriceTable.create({ file: missing }), 'costs.file');
    expect(e.message).toContain(missing);
    expect(e.message).toContain('ENOENT');
    configError(() => PriceTable.create({ file: writeJson('broken.json', '{ "a": ') }), 'costs.file');
    configError(() => PriceTable.create({ file: writeJson('array.json', [1, 2]) }), 'costs.file');
    configError(() => PriceTable.create({ file: '' }), 'costs.file');
    configError(() => PriceTable.create({ file: 5 as unknown as string }), 'costs.file');
  });

  it('through CostTracker, errors name the options the user wrote: costs.pricesFile, costs.builtInPrices', () => {
    const missing = path.join(dir, 'missing.json');
    configError(() => CostTracker.create({ pricesFile: missing, usageLog: false }), 'costs.pricesFile');
    const bad = writeJson('tracker-bad.json', { m: { input_cost_per_token: 'x', output_cost_per_token: 1e-6 } });
    expect(
      configError(() => CostTracker.create({ pricesFile: bad, usageLog: false }), 'costs.pricesFile').message,
    ).toContain('"m".input_cost_per_token');
    configError(
      () => CostTracker.create({ builtInPrices: 'no' as unknown as boolean, usageLog: false }),
      'costs.builtInPrices',
    );
  });

  it('names <path>.file, the model and the field for a bad file entry', () => {
    const file = writeJson('bad-entry.json', {
      good: mine,
      'my-chat': { input_cost_per_token: 1e-6, output_cost_per_token: -2e-6, mode: 'chat' },
    });
    const e = configError(() => PriceTable.create({ file }, 'llm'), 'llm.file');
    expect(e.message).toContain('"my-chat".output_cost_per_token');
    expect(e.message).toContain('-0.000002');
  });

  it('a file chat entry (or one without mode) with only one token price is an error, not skipped', () => {
    const noMode = writeJson('one-price.json', { m: { input_cost_per_token: 1e-6 } });
    expect(configError(() => PriceTable.create({ file: noMode }), 'costs.file').message).toContain(
      '"m".output_cost_per_token',
    );
    const chat = writeJson('one-price-chat.json', { m: { output_cost_per_token: 1e-6, mode: 'chat' } });
    configError(() => PriceTable.create({ file: chat }), 'costs.file');
  });

  it('reads the file once, at create', () => {
    const file = writeJson('once.json', { m: mine });
    const t = PriceTable.create({ builtIn: false, file });
    fs.writeFileSync(file, JSON.stringify({ m: { input_cost_per_token: 5, output_cost_per_token: 5 } }));
    expect(t.lookup('m')).toEqual(mine);
  });
});
