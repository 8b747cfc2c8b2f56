import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { ProviderName } from '../chat/chat.types.js';
import { anthropicProvider } from './anthropic/anthropic.provider.js';
import { geminiProvider } from './gemini/gemini.provider.js';
import { openAIProvider } from './openai/openai.provider.js';
import type { LlmProvider } from './provider.js';

/** The three wire formats by name (frozen). @internal */
const PROVIDERS: Readonly<Record<ProviderName, LlmProvider>> = Object.freeze({
  openai: openAIProvider,
  anthropic: anthropicProvider,
  gemini: geminiProvider,
});

/** The provider names `providerFor` knows, in documentation order. @publicApi */
export const PROVIDER_NAMES: readonly ProviderName[] = Object.freeze(['openai', 'anthropic', 'gemini'] as const);

/**
 * The wire format of a provider: `openai` → `openAIProvider` (also every OpenAI-compatible
 * server), `anthropic` → `anthropicProvider`, `gemini` → `geminiProvider`. The same frozen
 * object on every call. Any other value (from untyped configuration) throws a
 * `ResilienceConfigError` on the path `provider` (see docs/llm/providers.md).
 * @publicApi
 */
export function providerFor(name: ProviderName): LlmProvider {
  const provider = Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name] : undefined;
  if (provider === undefined) throw new ResilienceConfigError('provider', name, `one of ${PROVIDER_NAMES.join(', ')}`);
  return provider;
}
