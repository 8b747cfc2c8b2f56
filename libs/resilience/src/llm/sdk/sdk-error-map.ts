import { isResilienceError } from '../../core/errors/resilience.error.js';
import { sanitizeCause } from '../../http/errors/sanitize-cause.js';
import { normalizeHeaders, type HeaderInput } from '../../http/headers/headers.js';
import type { LlmProvider } from '../providers/provider.js';
import { SdkCallError } from './sdk-errors.js';

/** What {@link typedSdkError} needs to know about the call. @internal */
export interface SdkErrorContext {
  provider: LlmProvider;
  methodPath: string;
  /** Base URL of the adapter (the record's `url` when the error is mapped from the SDK's). */
  url: string;
  secrets: readonly string[];
  now: number;
}

/** Causes followed at most when looking for our error inside the SDK's. */
const MAX_CAUSE_DEPTH = 8;

interface SdkStatusErrorLike {
  status?: unknown;
  headers?: unknown;
  error?: unknown;
  message?: unknown;
}

/**
 * The typed error an adapter rethrows for what the SDK threw (see docs/llm/adapters.md, "Errors"):
 * 1. the error the transport recorded for this call (the executor event's error, the same object), else
 * 2. a library error in the SDK error's `cause` chain (the SDK wrapped what our fetch threw), else
 * 3. the SDK error's HTTP status, headers and body mapped by the provider's `errorFor`, with a
 *    sanitised copy of the SDK error (name, code, scrubbed message) as its `cause`, else
 * 4. a {@link SdkCallError} (the SDK failed on its own, e.g. validating the params).
 * In cases 1 and 2 the SDK error is only its wrapping of our fetch's rejection (OpenAI's
 * "Connection error.", Anthropic's `APIConnectionError`): it adds nothing and is dropped.
 * @internal
 */
export function typedSdkError(sdkError: unknown, recorded: unknown, ctx: SdkErrorContext): Error {
  const ours = (isResilienceError(recorded) ? recorded : undefined) ?? ourErrorIn(sdkError);
  if (ours !== undefined) return ours;
  const e = sdkError as SdkStatusErrorLike | null;
  if (e !== null && typeof e === 'object' && typeof e.status === 'number' && e.status >= 400) {
    const mapped = ctx.provider.errorFor({
      status: e.status,
      headers: normalizeHeaders(e.headers as HeaderInput),
      body: bodyOf(e),
      method: 'POST',
      url: ctx.url,
      secrets: ctx.secrets,
      now: ctx.now,
      idempotent: ctx.provider.idempotent,
    });
    attachCause(mapped, sdkError, ctx.secrets);
    return mapped;
  }
  return new SdkCallError(ctx.provider.name, ctx.methodPath, sdkError, ctx.secrets);
}

function ourErrorIn(error: unknown): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth++) {
    if (isResilienceError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function attachCause(target: Error, sdkError: unknown, secrets: readonly string[]): void {
  if ((target as { cause?: unknown }).cause !== undefined || !(sdkError instanceof Error)) return;
  Object.defineProperty(target, 'cause', {
    value: sanitizeCause(sdkError, secrets, { always: true }),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** The body an SDK error carries: OpenAI / Anthropic `error` (parsed JSON), Gemini the message (JSON text). */
function bodyOf(e: SdkStatusErrorLike): string {
  if (e.error !== undefined && e.error !== null && typeof e.error === 'object') {
    const body = e.error as Record<string, unknown>;
    // Anthropic: the whole body (`{ type: 'error', error }`); OpenAI: the body's `error` object.
    return JSON.stringify('error' in body ? body : { error: body });
  }
  const message = typeof e.message === 'string' ? e.message : '';
  const start = message.indexOf('{');
  return start >= 0 ? message.slice(start) : message;
}
