import { ApiError } from '@google/genai';
import { APIConnectionError, RateLimitError } from 'openai';
import type { ApiClientError } from '../../http/errors/api-client.error.js';
import { CircuitBreakerOpenError } from '../../core/errors/circuit-breaker-open.error.js';
import { isUpstreamAuthenticationError, isUpstreamRateLimitError } from '../../http/errors/status.error.js';
import { geminiProvider } from '../providers/gemini/gemini.provider.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import { typedSdkError, type SdkErrorContext } from './sdk-error-map.js';
import { isSdkCallError } from './sdk-errors.js';

const CANARY = 'sk-canary-7f3a9e';
const ctx = (provider = openAIProvider): SdkErrorContext => ({
  provider,
  methodPath: 'chat.completions.create',
  url: 'http://127.0.0.1:1/v1',
  secrets: [CANARY],
  now: Date.now(),
});

describe('typedSdkError', () => {
  it('prefers the error the transport recorded, then one of ours in the cause chain', () => {
    const ours = new CircuitBreakerOpenError('b', 1000);
    const wrapped = new APIConnectionError({ cause: ours });
    expect(typedSdkError(wrapped, ours, ctx())).toBe(ours);
    expect(typedSdkError(wrapped, undefined, ctx())).toBe(ours);
  });

  it("maps an SDK status error by the provider's errorFor, the SDK error a sanitised cause", () => {
    const headers = new Headers({ 'retry-after': '2', 'x-request-id': 'req_1' });
    const sdkError = new RateLimitError(
      429,
      { message: `Rate limit reached for ${CANARY}`, type: 'requests', code: 'rate_limit_exceeded' },
      `Rate limit reached for ${CANARY}`,
      headers,
    );
    const error = typedSdkError(sdkError, undefined, ctx()) as ApiClientError & { cause?: Error };
    expect(isUpstreamRateLimitError(error)).toBe(true);
    expect([error.retryAfterMs, error.code, error.requestId]).toEqual([2000, 'rate_limit_exceeded', 'req_1']);
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).not.toBe(sdkError);
    for (const s of [String(error), error.stack, JSON.stringify(error), String(error.cause), error.cause!.stack])
      expect(s).not.toContain(CANARY);
  });

  it("maps Gemini's ApiError (status, the body in the message)", () => {
    const body = {
      error: {
        code: 400,
        message: 'API key not valid.',
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      },
    };
    const sdkError = new ApiError({ message: JSON.stringify(body), status: 400 });
    expect(isUpstreamAuthenticationError(typedSdkError(sdkError, undefined, ctx(geminiProvider)))).toBe(true);
  });

  it('anything else is a SdkCallError, scrubbed', () => {
    const error = typedSdkError(new TypeError(`bad param near ${CANARY}`), undefined, ctx());
    expect(isSdkCallError(error)).toBe(true);
    expect(String(error) + String(error.cause)).not.toContain(CANARY);
  });
});
