import { isResilienceConfigError } from '../../core/errors/config.error.js';
import type { ProviderName } from '../chat/chat.types.js';
import { anthropicProvider } from './anthropic/anthropic.provider.js';
import { geminiProvider } from './gemini/gemini.provider.js';
import { openAIProvider } from './openai/openai.provider.js';
import { PROVIDER_NAMES, providerFor } from './providers.js';

describe('providerFor', () => {
  it('returns the wire format of each provider, named as asked', () => {
    expect(providerFor('openai')).toBe(openAIProvider);
    expect(providerFor('anthropic')).toBe(anthropicProvider);
    expect(providerFor('gemini')).toBe(geminiProvider);
    for (const name of PROVIDER_NAMES) expect(providerFor(name).name).toBe(name);
  });

  it('gives each provider its key variable, base URL and the non-idempotent rule', () => {
    expect(PROVIDER_NAMES.map((n) => [providerFor(n).apiKeyEnv, providerFor(n).idempotent])).toEqual([
      ['OPENAI_API_KEY', false],
      ['ANTHROPIC_API_KEY', false],
      ['GEMINI_API_KEY', false],
    ]);
    expect(providerFor('gemini').defaultBaseUrl).toBe('https://generativelanguage.googleapis.com');
  });

  it('returns frozen objects shared by every call', () => {
    expect(providerFor('gemini')).toBe(providerFor('gemini'));
    for (const name of PROVIDER_NAMES) expect(Object.isFrozen(providerFor(name))).toBe(true);
  });

  it('refuses an unknown name (from untyped configuration) with a ResilienceConfigError on `provider`', () => {
    for (const bad of ['azure', 'toString', '__proto__', '', undefined]) {
      let error: unknown;
      try {
        providerFor(bad as ProviderName);
      } catch (e) {
        error = e;
      }
      expect(isResilienceConfigError(error)).toBe(true);
      expect(error).toMatchObject({ path: 'provider' });
      expect(String(error)).toContain('one of openai, anthropic, gemini');
    }
  });
});
