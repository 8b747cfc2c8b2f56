import type { LlmUsage } from '../chat/chat.types.js';
import { anthropicUsageOf } from '../providers/anthropic/anthropic-usage.js';
import { geminiUsageOf } from '../providers/gemini/gemini-usage.js';
import { openAIUsage } from '../providers/openai/openai-usage.js';
import { BUILT_IN_PRICES } from './built-in-prices.js';
import { costOfUsage, estimatedCost, worstCaseNanoUsd } from './call-cost.js';
import type { ModelPrice } from './price.types.js';

const price = (key: string): ModelPrice => {
  const p = BUILT_IN_PRICES[key];
  if (p === undefined) throw new Error(`no built-in price ${key}`);
  return p;
};

const usage = (u: Partial<LlmUsage>): LlmUsage => {
  const full = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...u };
  return { ...full, totalTokens: full.inputTokens + full.outputTokens };
};

/** A price as a whole number of pico-USD per token (every built-in price is one). */
const pico = (usd: number): bigint => {
  const v = Math.round(usd * 1e12);
  if (Math.abs(v - usd * 1e12) > 1e-3) throw new Error(`${usd} is not a whole number of pico-USD`);
  return BigInt(v);
};

/** Exact cost (BigInt pico-USD) of a usage, rounded half up to nano-USD. */
function exactNano(u: LlmUsage, p: ModelPrice): bigint {
  const uncached = BigInt(Math.max(0, u.inputTokens - u.cacheReadTokens - u.cacheWriteTokens));
  const plain = BigInt(Math.max(0, u.outputTokens - u.reasoningTokens));
  const total =
    uncached * pico(p.input_cost_per_token) +
    BigInt(u.cacheReadTokens) * pico(p.cache_read_input_token_cost ?? p.input_cost_per_token) +
    BigInt(u.cacheWriteTokens) * pico(p.cache_creation_input_token_cost ?? p.input_cost_per_token) +
    plain * pico(p.output_cost_per_token) +
    BigInt(u.reasoningTokens) * pico(p.output_cost_per_reasoning_token ?? p.output_cost_per_token);
  return (total + 500n) / 1000n;
}

describe('costOfUsage, per provider convention (real response bodies through the usage mappers)', () => {
  it('OpenAI: cached_tokens are part of prompt_tokens and billed once, at the cache price (LiteLLM #6215)', () => {
    const body = {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'chat.completion',
      created: 1741569952,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_06737a9306',
    };
    const cost = costOfUsage(openAIUsage(body.usage)!, price('gpt-4o-mini'));
    // 86 × 1.5e-7 + 1920 × 7.5e-8 + 300 × 6e-7 = 0.0000129 + 0.000144 + 0.00018
    expect(cost.nanoUsd).toBe(336_900);
    expect(cost.usd).toBe(0.0003369);
    expect(cost.inputUsd).toBeCloseTo(86 * 1.5e-7, 15);
    expect(cost.cacheReadUsd).toBeCloseTo(1920 * 7.5e-8, 15);
    expect(cost.cacheWriteUsd).toBe(0);
    expect(cost.outputUsd).toBeCloseTo(300 * 6e-7, 15);
    expect(cost.estimated).toBe(false);
    // Not subtracting the cached tokens from the prompt (#6215) would give 2006 × 1.5e-7 + ... = 624_900 nano.
    expect(cost.nanoUsd).not.toBe(624_900);
  });

  it('OpenAI: reasoning tokens are part of completion_tokens and billed once (o4-mini)', () => {
    const body = {
      model: 'o4-mini-2025-04-16',
      usage: {
        prompt_tokens: 1000,
        completion_tokens: 1500,
        total_tokens: 2500,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 1200 },
      },
    };
    const cost = costOfUsage(openAIUsage(body.usage)!, price('o4-mini'));
    // 1000 × 1.1e-6 + (300 + 1200) × 4.4e-6
    expect(cost.nanoUsd).toBe(7_700_000);
    expect(cost.outputUsd).toBeCloseTo(300 * 4.4e-6, 15);
    expect(cost.reasoningUsd).toBeCloseTo(1200 * 4.4e-6, 15);
  });

  it('Anthropic: cache creation and read tokens are apart from input_tokens and each billed once (LiteLLM #9812)', () => {
    const body = {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'Hello!' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: 50,
        cache_creation_input_tokens: 2000,
        cache_read_input_tokens: 10000,
        cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 0 },
        output_tokens: 400,
        service_tier: 'standard',
      },
    };
    const u = anthropicUsageOf(body)!;
    expect(u.inputTokens).toBe(12_050);
    const cost = costOfUsage(u, price('claude-sonnet-4-5'));
    // 50 × 3e-6 + 2000 × 3.75e-6 + 10000 × 3e-7 + 400 × 1.5e-5 = 0.00015 + 0.0075 + 0.003 + 0.006
    expect(cost.nanoUsd).toBe(16_650_000);
    expect(cost.inputUsd).toBeCloseTo(50 * 3e-6, 15);
    expect(cost.cacheWriteUsd).toBeCloseTo(2000 * 3.75e-6, 15);
    expect(cost.cacheReadUsd).toBeCloseTo(10000 * 3e-7, 15);
    // Charging the creation tokens as input too (#9812) would add 2000 × 3e-6.
    expect(cost.nanoUsd).not.toBe(16_650_000 + 6_000_000);
  });

  it('Anthropic: thinking tokens reported in output_tokens_details are part of output_tokens', () => {
    const body = { usage: { input_tokens: 100, output_tokens: 1000, output_tokens_details: { thinking_tokens: 800 } } };
    const cost = costOfUsage(anthropicUsageOf(body)!, price('claude-haiku-4-5'));
    // 100 × 1e-6 + 1000 × 5e-6 (no separate reasoning price)
    expect(cost.nanoUsd).toBe(5_100_000);
    expect(cost.reasoningUsd).toBeCloseTo(800 * 5e-6, 15);
    expect(cost.outputUsd).toBeCloseTo(200 * 5e-6, 15);
  });

  it('Gemini: cachedContentTokenCount is part of promptTokenCount and billed once; thoughts priced (LiteLLM #14849)', () => {
    const body = {
      candidates: [{ content: { parts: [{ text: 'Hello!' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount: 12000,
        candidatesTokenCount: 500,
        totalTokenCount: 13300,
        cachedContentTokenCount: 10000,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12000 }],
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 10000 }],
        thoughtsTokenCount: 800,
      },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'mAitaLmkHPPlz7IPvtfUqQ4',
    };
    const cost = costOfUsage(geminiUsageOf(body)!, price('gemini/gemini-2.5-flash'));
    // 2000 × 3e-7 + 10000 × 3e-8 + 500 × 2.5e-6 + 800 × 2.5e-6 = 0.0006 + 0.0003 + 0.00125 + 0.002
    expect(cost.nanoUsd).toBe(4_150_000);
    expect(cost.inputUsd).toBeCloseTo(2000 * 3e-7, 15);
    expect(cost.cacheReadUsd).toBeCloseTo(10000 * 3e-8, 15);
    expect(cost.outputUsd).toBeCloseTo(500 * 2.5e-6, 15);
    expect(cost.reasoningUsd).toBeCloseTo(800 * 2.5e-6, 15);
    // Billing the cached tokens also as input (#14849) would add 10000 × 3e-7.
    expect(cost.nanoUsd).not.toBe(4_150_000 + 3_000_000);
  });
});

describe('costOfUsage, prices and rounding', () => {
  const p: ModelPrice = {
    input_cost_per_token: 1e-6,
    output_cost_per_token: 4e-6,
    cache_read_input_token_cost: 1e-7,
    cache_creation_input_token_cost: 2e-6,
    output_cost_per_reasoning_token: 8e-6,
  };

  it('prices reasoning at output_cost_per_reasoning_token when set', () => {
    const cost = costOfUsage(usage({ outputTokens: 100, reasoningTokens: 60 }), p);
    expect(cost.outputUsd).toBeCloseTo(40 * 4e-6, 15);
    expect(cost.reasoningUsd).toBeCloseTo(60 * 8e-6, 15);
    expect(cost.nanoUsd).toBe(160_000 + 480_000);
  });

  it('prices cache tokens at the input price when the entry has no cache prices', () => {
    const plain: ModelPrice = { input_cost_per_token: 1e-6, output_cost_per_token: 4e-6 };
    const cost = costOfUsage(usage({ inputTokens: 100, cacheReadTokens: 30, cacheWriteTokens: 20 }), plain);
    expect(cost.nanoUsd).toBe(100_000);
    expect(cost.inputUsd).toBeCloseTo(50e-6, 15);
    expect(cost.cacheReadUsd).toBeCloseTo(30e-6, 15);
    expect(cost.cacheWriteUsd).toBeCloseTo(20e-6, 15);
  });

  it('rounds to the nearest nano-USD, halves up (18.75 nano per cached token)', () => {
    const lite = price('gemini/gemini-2.0-flash-lite'); // cache read 1.875e-8
    expect(costOfUsage(usage({ inputTokens: 2, cacheReadTokens: 2 }), lite).nanoUsd).toBe(38); // 37.5
    expect(costOfUsage(usage({ inputTokens: 3, cacheReadTokens: 3 }), lite).nanoUsd).toBe(56); // 56.25
    expect(costOfUsage(usage({ inputTokens: 1, cacheReadTokens: 1 }), lite).nanoUsd).toBe(19); // 18.75
    // 22 × 1.875e-8 × 1e9 is 412.49999999999994 in floating point; the exact 412.5 rounds up.
    expect(costOfUsage(usage({ inputTokens: 22, cacheReadTokens: 22 }), lite).nanoUsd).toBe(413);
    expect(costOfUsage(usage({ inputTokens: 50, cacheReadTokens: 50 }), lite).nanoUsd).toBe(938);
    const c = costOfUsage(usage({ inputTokens: 1_000_001, cacheReadTokens: 1_000_001 }), lite);
    expect(c.nanoUsd).toBe(18_750_019); // 18_750_018.75
    expect(c.usd).toBe(c.nanoUsd / 1e9);
  });

  it('equals the exact (BigInt) cost rounded half up, for every built-in price and many usages', () => {
    const counts = [0, 1, 2, 3, 7, 22, 66, 99, 150, 1000, 4095, 12_345, 200_000, 1_048_576];
    let checked = 0;
    for (const [key, pr] of Object.entries(BUILT_IN_PRICES)) {
      for (let i = 0; i < counts.length; i++) {
        const input = counts[i]!;
        const u = usage({
          inputTokens: input,
          cacheReadTokens: Math.floor(input / 3),
          cacheWriteTokens: key.startsWith('claude') ? Math.floor(input / 5) : 0,
          outputTokens: counts[(i + 3) % counts.length]!,
          reasoningTokens: Math.floor(counts[(i + 3) % counts.length]! / 2),
        });
        const nano = costOfUsage(u, pr).nanoUsd;
        if (!Number.isSafeInteger(nano) || BigInt(nano) !== exactNano(u, pr))
          throw new Error(`${key} ${JSON.stringify(u)}: ${nano}, exact ${exactNano(u, pr)}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('sums of nanoUsd are exact integers (what the budgets add up)', () => {
    const pr = price('gpt-4.1-nano');
    let sum = 0;
    let exact = 0n;
    for (let i = 1; i <= 2000; i++) {
      const u = usage({ inputTokens: i * 7, cacheReadTokens: i, outputTokens: i * 3 });
      sum += costOfUsage(u, pr).nanoUsd;
      exact += exactNano(u, pr);
    }
    expect(Number.isSafeInteger(sum)).toBe(true);
    expect(BigInt(sum)).toBe(exact);
  });
});

describe('costOfUsage, inconsistent usage is clamped', () => {
  const p: ModelPrice = {
    input_cost_per_token: 1e-6,
    output_cost_per_token: 4e-6,
    cache_read_input_token_cost: 1e-7,
    cache_creation_input_token_cost: 2e-6,
  };

  it('cache tokens above inputTokens: no negative uncached input; the cache tokens are billed as reported', () => {
    const cost = costOfUsage(usage({ inputTokens: 100, cacheReadTokens: 80, cacheWriteTokens: 50 }), p);
    expect(cost.inputUsd).toBe(0);
    expect(cost.cacheReadUsd).toBeCloseTo(80e-7, 15);
    expect(cost.cacheWriteUsd).toBeCloseTo(100e-6, 15);
    expect(cost.nanoUsd).toBe(8_000 + 100_000);
  });

  it('reasoning above outputTokens: no negative plain output; reasoning billed as reported', () => {
    const cost = costOfUsage(usage({ outputTokens: 10, reasoningTokens: 25 }), p);
    expect(cost.outputUsd).toBe(0);
    expect(cost.nanoUsd).toBe(100_000);
  });

  it('negative, NaN and infinite counts count as 0', () => {
    const bad = {
      inputTokens: -5,
      outputTokens: Number.NaN,
      cacheReadTokens: Infinity,
      cacheWriteTokens: -1,
      reasoningTokens: -Infinity,
      totalTokens: 0,
    };
    const cost = costOfUsage(bad, p);
    expect(cost).toEqual({
      usd: 0,
      nanoUsd: 0,
      inputUsd: 0,
      cacheReadUsd: 0,
      cacheWriteUsd: 0,
      outputUsd: 0,
      reasoningUsd: 0,
      estimated: false,
    });
  });
});

describe('worstCaseNanoUsd', () => {
  it('input at the dearer of input and cache write, output at the dearer of output and reasoning', () => {
    // claude-sonnet-4-5: max(3e-6, 3.75e-6) × 1000 + max(1.5e-5) × 500
    expect(worstCaseNanoUsd(1000, 500, price('claude-sonnet-4-5'))).toBe(3_750_000 + 7_500_000);
    const p: ModelPrice = {
      input_cost_per_token: 1e-6,
      output_cost_per_token: 4e-6,
      output_cost_per_reasoning_token: 8e-6,
    };
    expect(worstCaseNanoUsd(100, 100, p)).toBe(100_000 + 800_000);
    // A cheaper cache-write or reasoning price never lowers the worst case.
    const cheap: ModelPrice = {
      input_cost_per_token: 1e-6,
      output_cost_per_token: 4e-6,
      cache_creation_input_token_cost: 1e-7,
      output_cost_per_reasoning_token: 1e-6,
    };
    expect(worstCaseNanoUsd(100, 100, cheap)).toBe(100_000 + 400_000);
  });

  it('is never below the cost of any usage within the bounds', () => {
    for (const pr of Object.values(BUILT_IN_PRICES)) {
      const worst = worstCaseNanoUsd(1000, 300, pr);
      for (const u of [
        usage({ inputTokens: 1000, outputTokens: 300 }),
        usage({ inputTokens: 1000, cacheWriteTokens: 1000, outputTokens: 300, reasoningTokens: 300 }),
        usage({
          inputTokens: 1000,
          cacheReadTokens: 600,
          cacheWriteTokens: 400,
          outputTokens: 300,
          reasoningTokens: 100,
        }),
      ])
        expect(costOfUsage(u, pr).nanoUsd).toBeLessThanOrEqual(worst);
    }
  });

  it('rounds UP to an integer, ignoring float noise', () => {
    const lite = price('gemini/gemini-2.0-flash-lite'); // 7.5e-8 in, 3e-7 out
    expect(worstCaseNanoUsd(1, 0, lite)).toBe(75);
    const odd: ModelPrice = { input_cost_per_token: 1.875e-8, output_cost_per_token: 0 };
    expect(worstCaseNanoUsd(1, 0, odd)).toBe(19); // 18.75 → 19, not 19 rounded down
    expect(worstCaseNanoUsd(3, 0, odd)).toBe(57); // 56.25 → 57
    // 1000 × 1.5e-7 × 1e9 is 150000.00000000003 in floating point: still 150000.
    expect(worstCaseNanoUsd(1000, 0, price('gpt-4o-mini'))).toBe(150_000);
    expect(worstCaseNanoUsd(0, 0, lite)).toBe(0);
  });

  it('throws a RangeError for negative or non-finite counts', () => {
    const p = price('gpt-4o');
    expect(() => worstCaseNanoUsd(-1, 10, p)).toThrow(RangeError);
    expect(() => worstCaseNanoUsd(10, Number.NaN, p)).toThrow(/maxOutputTokens/);
    expect(() => worstCaseNanoUsd(Infinity, 10, p)).toThrow(/inputTokens/);
  });
});

describe('estimatedCost', () => {
  it('is the amount, estimated, with zero parts', () => {
    expect(estimatedCost(1_234_567)).toEqual({
      usd: 0.001234567,
      nanoUsd: 1_234_567,
      inputUsd: 0,
      cacheReadUsd: 0,
      cacheWriteUsd: 0,
      outputUsd: 0,
      reasoningUsd: 0,
      estimated: true,
    });
    expect(estimatedCost(0).estimated).toBe(true);
  });

  it('throws a RangeError for a non-integer or negative amount', () => {
    expect(() => estimatedCost(1.5)).toThrow(RangeError);
    expect(() => estimatedCost(-1)).toThrow(RangeError);
    expect(() => estimatedCost(Number.NaN)).toThrow(RangeError);
  });
});
