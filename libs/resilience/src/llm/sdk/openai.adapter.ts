import type { ClientOptions, OpenAI } from 'openai';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import type { SdkAdapterOptions, SdkClientSettings } from './sdk-adapter.options.js';
import { SdkAdapter, type SdkAdapterSpec } from './sdk-adapter.js';
import { stainlessCallArgs, stainlessClientOptions } from './stainless-client.js';

/** @internal */
export const OPENAI_SDK_SPEC: SdkAdapterSpec<OpenAI, ClientOptions> = {
  provider: openAIProvider,
  packageName: 'openai',
  versionRange: '^6 || ^7',
  importSdk: () => import('openai'),
  exampleMethod: 'chat.completions.create',
  exportName: 'OpenAI',
  create(Ctor, s: SdkClientSettings): OpenAI {
    return new Ctor(stainlessClientOptions(s) as ClientOptions);
  },
  args: stainlessCallArgs,
};

/**
 * The official `openai` SDK (an optional peer, `^6 || ^7`, loaded on first use) with its retries
 * off (`maxRetries: 0`, on the client and on every request), its `fetch` set to the transport's, so
 * each request is one executor event. Also fits any OpenAI-compatible server (`baseUrl`).
 * @example
 * ```ts
 * const openai = new OpenAIAdapter(process.env.OPENAI_API_KEY, { executor });
 * const completion = await openai.call<ChatCompletion>('chat.completions.create', { model: 'gpt-4o-mini', messages });
 * ```
 * @publicApi
 */
export class OpenAIAdapter extends SdkAdapter<OpenAI> {
  /** `apiKey` undefined: `OPENAI_API_KEY` from `options.env` (default `process.env`). */
  constructor(apiKey: string | undefined, options: SdkAdapterOptions<ClientOptions>) {
    super(OPENAI_SDK_SPEC, apiKey, options);
  }
}
