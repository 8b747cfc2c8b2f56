// What the two Stainless-generated SDKs (`openai`, `@anthropic-ai/sdk`) share: the same client
// options and per-request options, so both adapters set them in one place.
import { SDK_TIMEOUT_MS, type SdkClientSettings } from './sdk-adapter.options.js';

/** Per-request options of every call: the SDK's retries off (ours apply). */
const NO_SDK_RETRIES = Object.freeze({ maxRetries: 0 });

/**
 * The client options of a Stainless SDK: the user's `clientOptions`, then ours — `apiKey`,
 * `baseURL` (when set), `maxRetries: 0`, `timeout` at {@link SDK_TIMEOUT_MS} (explicit, so the
 * SDK neither applies its own limit nor refuses a long non-streaming request; the transport's
 * per-attempt limit applies) and the transport's `fetch`.
 * @internal
 */
export function stainlessClientOptions(s: SdkClientSettings): Record<string, unknown> {
  return {
    ...s.clientOptions,
    apiKey: s.apiKey,
    ...(s.baseUrl !== undefined ? { baseURL: s.baseUrl } : {}),
    maxRetries: 0,
    timeout: SDK_TIMEOUT_MS,
    fetch: s.fetch,
  };
}

/** The arguments of one Stainless SDK method call: the params, then `{ maxRetries: 0 }`. @internal */
export function stainlessCallArgs(params: unknown): unknown[] {
  return [params, NO_SDK_RETRIES];
}
