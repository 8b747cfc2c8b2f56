import type { ClientOptions as AnthropicClientOptions } from '@anthropic-ai/sdk';
import type { GoogleGenAIOptions } from '@google/genai';
import type { ClientOptions as OpenAIClientOptions } from 'openai';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { ProviderName } from '../chat/chat.types.js';
import { AnthropicAdapter } from './anthropic.adapter.js';
import { GeminiAdapter } from './gemini.adapter.js';
import { OpenAIAdapter } from './openai.adapter.js';
import type { SdkAdapterOptions } from './sdk-adapter.options.js';
import type { SdkAdapter } from './sdk-adapter.js';

/** The adapter class of each provider. @publicApi */
export interface SdkAdapterByProvider {
  openai: OpenAIAdapter;
  anthropic: AnthropicAdapter;
  gemini: GeminiAdapter;
}

/** The SDK client options of each provider. @publicApi */
export interface SdkClientOptionsByProvider {
  openai: OpenAIClientOptions;
  anthropic: AnthropicClientOptions;
  gemini: GoogleGenAIOptions;
}

const NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'gemini'];

/**
 * The SDK adapter of `provider` (`openai`, `anthropic` or `gemini`, case-insensitive): the same as
 * `new OpenAIAdapter(apiKey, options as SdkAdapterOptions<OpenAIClientOptions>)` and so on. Another value: `ResilienceConfigError` naming it.
 * @example
 * ```ts
 * const adapter = createSdkAdapter('openai', process.env.OPENAI_API_KEY, { executor });
 * ```
 * @publicApi
 */
export function createSdkAdapter<P extends ProviderName>(
  provider: P,
  apiKey: string | undefined,
  options: SdkAdapterOptions<SdkClientOptionsByProvider[P]>,
): SdkAdapterByProvider[P];
export function createSdkAdapter(
  provider: string,
  apiKey: string | undefined,
  options: SdkAdapterOptions<Record<string, unknown>>,
): SdkAdapter<object>;
export function createSdkAdapter(
  provider: string,
  apiKey: string | undefined,
  options: SdkAdapterOptions<unknown>,
): SdkAdapter<object> {
  const name = typeof provider === 'string' ? provider.trim().toLowerCase() : provider;
  switch (name) {
    case 'openai':
      return new OpenAIAdapter(apiKey, options as SdkAdapterOptions<OpenAIClientOptions>);
    case 'anthropic':
      return new AnthropicAdapter(apiKey, options as SdkAdapterOptions<AnthropicClientOptions>);
    case 'gemini':
      return new GeminiAdapter(apiKey, options as SdkAdapterOptions<GoogleGenAIOptions>);
    default:
      throw new ResilienceConfigError('sdkAdapters.provider', provider, `one of ${NAMES.join(', ')}`);
  }
}
