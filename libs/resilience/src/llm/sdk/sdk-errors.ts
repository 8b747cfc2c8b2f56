import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';
import { sanitizeCause } from '../../http/errors/sanitize-cause.js';
import { scrubSecrets } from '../../http/headers/headers.js';
import type { ProviderName } from '../chat/chat.types.js';

/**
 * The official SDK an adapter drives is not installed (`openai`, `@anthropic-ai/sdk` and
 * `@google/genai` are optional peers of the library). Permanent; the message names the package.
 * @publicApi
 */
export class SdkNotInstalledError extends ResilienceError {
  /** Brand read by {@link isSdkNotInstalledError}. */
  readonly isSdkNotInstalledError = true as const;

  constructor(
    /** The adapter's provider. */
    readonly provider: ProviderName,
    /** The npm package to install (`openai`, `@anthropic-ai/sdk`, `@google/genai`). */
    readonly packageName: string,
    /** The version range the adapter is tested with (`^6 || ^7`, ...). */
    readonly versionRange: string,
    cause?: unknown,
  ) {
    super(
      `The ${provider} SDK adapter needs the optional package "${packageName}" (${versionRange}), which could not be ` +
        `loaded: npm install ${packageName}`,
      cause === undefined ? undefined : { cause: sanitizeCause(cause, undefined, { always: true }) },
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, packageName: this.packageName };
  }
}

/** True for a {@link SdkNotInstalledError}, also from another copy of the package. @publicApi */
export function isSdkNotInstalledError(error: unknown): error is SdkNotInstalledError {
  return hasErrorBrand(error, 'isSdkNotInstalledError');
}

/** `call()` or `client()` on an adapter after `close()`. Permanent. @publicApi */
export class SdkAdapterClosedError extends ResilienceError {
  /** Brand read by {@link isSdkAdapterClosedError}. */
  readonly isSdkAdapterClosedError = true as const;

  constructor(
    /** The adapter's provider. */
    readonly provider: ProviderName,
  ) {
    super(`The ${provider} SDK adapter is closed`);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider };
  }
}

/** True for a {@link SdkAdapterClosedError}, also from another copy of the package. @publicApi */
export function isSdkAdapterClosedError(error: unknown): error is SdkAdapterClosedError {
  return hasErrorBrand(error, 'isSdkAdapterClosedError');
}

/**
 * The SDK threw before or without any HTTP exchange of ours (e.g. its own validation of the
 * params, an unexpected response shape). Permanent. `cause` is a sanitised copy of the SDK's error
 * (name, code and the message scrubbed of the key: none of its request state).
 * @publicApi
 */
export class SdkCallError extends ResilienceError {
  /** Brand read by {@link isSdkCallError}. */
  readonly isSdkCallError = true as const;

  constructor(
    /** The adapter's provider. */
    readonly provider: ProviderName,
    /** The method called (`chat.completions.create`). */
    readonly methodPath: string,
    cause: unknown,
    secrets: readonly string[],
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`The ${provider} SDK call ${methodPath} failed: ${scrubSecrets(message, secrets)}`, {
      cause: sanitizeCause(cause, secrets, { always: true }),
    });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, methodPath: this.methodPath };
  }
}

/** True for a {@link SdkCallError}, also from another copy of the package. @publicApi */
export function isSdkCallError(error: unknown): error is SdkCallError {
  return hasErrorBrand(error, 'isSdkCallError');
}
