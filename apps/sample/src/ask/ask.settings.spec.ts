import { BadRequestException } from '@nestjs/common';
import { parseAskRequest } from './ask.dto.js';
import { askExecutorOptions, providerFromEnv, simSettings } from './ask.settings.js';

describe('ask settings', () => {
  it('picks the provider whose key is set (OpenAI, then Anthropic, then Gemini); none: simulate', () => {
    expect(providerFromEnv({})).toBeUndefined();
    expect(providerFromEnv({ OPENAI_API_KEY: ' ' })).toBeUndefined();
    expect(providerFromEnv({ GEMINI_API_KEY: 'g', ANTHROPIC_API_KEY: 'a' })).toMatchObject({
      provider: 'anthropic',
      apiKey: 'a',
      simulated: false,
    });
    expect(providerFromEnv({ OPENAI_API_KEY: 'o', LLM_MODEL: 'gpt-4.1' })).toMatchObject({
      provider: 'openai',
      model: 'gpt-4.1',
    });
  });

  it('against the simulator: 90% of its limits on the same sliding window, two lanes', () => {
    const env = { SIM_LLM_REQUESTS: '100', SIM_LLM_TOKENS: '5000', SIM_LLM_WINDOW_MS: '2000' };
    expect(simSettings({})).toMatchObject({ requestsPerWindow: 500, tokensPerWindow: 200_000, windowMs: 10_000 });
    expect(askExecutorOptions(env, true)).toMatchObject({
      algorithm: 'sliding-window',
      requestsRate: 90,
      requestsPeriodMs: 2000,
      apiTokensRate: 4500,
      apiTokensPeriodMs: 2000,
      defaultLane: 'interactive',
      lanes: [
        { name: 'interactive', reserve: 0.2 },
        { name: 'batch', maxShare: 0.7 },
      ],
    });
    expect(askExecutorOptions({ LLM_REQUESTS_PER_MIN: '20' }, false)).toMatchObject({
      requestsRate: 20,
      requestsPeriodMs: 60_000,
    });
  });

  it('POST /ask bodies: a prompt, an optional known lane', () => {
    expect(parseAskRequest({ prompt: 'hi' })).toEqual({ prompt: 'hi', lane: 'interactive' });
    expect(parseAskRequest({ prompt: 'hi', lane: 'batch' })).toEqual({ prompt: 'hi', lane: 'batch' });
    for (const bad of [
      null,
      [],
      {},
      { prompt: '' },
      { prompt: 3 },
      { prompt: 'x', lane: 'vip' },
      { prompt: 'x'.repeat(4001) },
    ])
      expect(() => parseAskRequest(bad)).toThrow(BadRequestException);
  });
});
