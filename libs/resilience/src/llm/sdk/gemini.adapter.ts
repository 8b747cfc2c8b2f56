import type { GoogleGenAI, GoogleGenAIOptions, HttpOptions } from '@google/genai';
import { GEMINI_DEFAULT_API_VERSION, geminiProvider } from '../providers/gemini/gemini.provider.js';
import type { SdkAdapterOptions, SdkClientSettings } from './sdk-adapter.options.js';
import { SdkAdapter, type SdkAdapterSpec } from './sdk-adapter.js';

type Params = Record<string, unknown>;

/**
 * The client's `httpOptions`: the user's, then ours — base URL, the API version set explicitly,
 * our fetch, no `retryOptions` (the SDK retries only when they are set) and no SDK timeout (it
 * would start a timer per request; the transport's limit applies).
 */
function httpOptionsOf(s: SdkClientSettings, user: HttpOptions | undefined): HttpOptions {
  const { retryOptions: _retries, timeout: _timeout, ...rest } = user ?? {};
  return {
    ...rest,
    ...(s.baseUrl !== undefined ? { baseUrl: s.baseUrl } : {}),
    apiVersion: s.apiVersion ?? user?.apiVersion ?? GEMINI_DEFAULT_API_VERSION,
    fetch: s.fetch,
  };
}

/**
 * The params of a call, with any per-request `config.httpOptions` stripped of what would bypass our
 * policies (`retryOptions`, `fetch`). The params are used as given (no copy) when they set none.
 */
function callParams(params: unknown): unknown {
  if (params === null || typeof params !== 'object') return params;
  const config = (params as Params).config as Params | undefined;
  const http = config?.httpOptions as Params | undefined;
  if (http === undefined || http === null || (http.retryOptions === undefined && http.fetch === undefined))
    return params;
  const { retryOptions: _retries, fetch: _fetch, ...rest } = http;
  return { ...(params as Params), config: { ...config, httpOptions: rest } };
}

/** @internal */
export const GEMINI_SDK_SPEC: SdkAdapterSpec<GoogleGenAI, GoogleGenAIOptions> = {
  provider: geminiProvider,
  packageName: '@google/genai',
  versionRange: '^2 || ^3',
  importSdk: () => import('@google/genai'),
  exampleMethod: 'models.generateContent',
  exportName: 'GoogleGenAI',
  create(Ctor, s: SdkClientSettings): GoogleGenAI {
    const user = s.clientOptions as GoogleGenAIOptions;
    return new Ctor({
      ...user,
      vertexai: false,
      apiKey: s.apiKey,
      httpOptions: httpOptionsOf(s, user.httpOptions),
    });
  },
  args: (params) => [callParams(params)],
};

/**
 * The official `@google/genai` SDK (an optional peer, `^2 || ^3`, loaded on first use) for the
 * Gemini API: `httpOptions.retryOptions` unset (so the SDK never retries), `httpOptions.apiVersion`
 * set explicitly (option `apiVersion`, default `v1beta`), `httpOptions.fetch` set to the
 * transport's, so each request is one executor event.
 * @example
 * ```ts
 * const gemini = new GeminiAdapter(process.env.GEMINI_API_KEY, { executor });
 * const reply = await gemini.call<GenerateContentResponse>('models.generateContent', { model, contents: 'Hi' });
 * ```
 * @publicApi
 */
export class GeminiAdapter extends SdkAdapter<GoogleGenAI> {
  /** `apiKey` undefined: `GEMINI_API_KEY` from `options.env` (default `process.env`). */
  constructor(apiKey: string | undefined, options: SdkAdapterOptions<GoogleGenAIOptions>) {
    super(GEMINI_SDK_SPEC, apiKey, options);
  }
}
