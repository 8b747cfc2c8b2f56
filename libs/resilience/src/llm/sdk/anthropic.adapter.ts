import type { Anthropic, ClientOptions } from '@anthropic-ai/sdk';
import { anthropicProvider } from '../providers/anthropic/anthropic.provider.js';
import type { SdkAdapterOptions, SdkClientSettings } from './sdk-adapter.options.js';
import { SdkAdapter, type SdkAdapterSpec } from './sdk-adapter.js';
import { stainlessCallArgs, stainlessClientOptions } from './stainless-client.js';

/** @internal */
export const ANTHROPIC_SDK_SPEC: SdkAdapterSpec<Anthropic, ClientOptions> = {
  provider: anthropicProvider,
  packageName: '@anthropic-ai/sdk',
  versionRange: '^1',
  importSdk: () => import('@anthropic-ai/sdk'),
  exampleMethod: 'messages.create',
  exportName: 'Anthropic',
  create(Ctor, s: SdkClientSettings): Anthropic {
    return new Ctor({
      ...(stainlessClientOptions(s) as ClientOptions),
      // Not read from ANTHROPIC_AUTH_TOKEN: the key is the only credential sent.
      authToken: null,
    });
  },
  args: stainlessCallArgs,
};

/**
 * The official `@anthropic-ai/sdk` (an optional peer, `^1`, loaded on first use) with its retries
 * off (`maxRetries: 0`, on the client and on every request), its `fetch` set to the transport's, so
 * each request is one executor event.
 * @example
 * ```ts
 * const claude = new AnthropicAdapter(process.env.ANTHROPIC_API_KEY, { executor });
 * const message = await claude.call<Message>('messages.create', { model, max_tokens: 256, messages });
 * ```
 * @publicApi
 */
export class AnthropicAdapter extends SdkAdapter<Anthropic> {
  /** `apiKey` undefined: `ANTHROPIC_API_KEY` from `options.env` (default `process.env`). */
  constructor(apiKey: string | undefined, options: SdkAdapterOptions<ClientOptions>) {
    super(ANTHROPIC_SDK_SPEC, apiKey, options);
  }
}
