import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { Executor } from '../../executor/executor.js';
import type { ProviderName } from '../chat/chat.types.js';
import { defaultEstimator } from '../estimate/default-estimator.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import type { LlmProvider } from '../providers/provider.js';
import { currentCallContext, runWithCallOptions } from '../transport/call-context.js';
import { ModelTransport } from '../transport/model-transport.js';
import type { ModelCallOptions } from '../transport/transport.options.js';
import {
  SDK_ADAPTER_DEFAULTS,
  type SdkAdapterOptions,
  type SdkCallOptions,
  type SdkClientSettings,
} from './sdk-adapter.options.js';
import { typedSdkError } from './sdk-error-map.js';
import { SdkAdapterClosedError, SdkCallError, SdkNotInstalledError } from './sdk-errors.js';
import { estimateSdkTokens } from './sdk-estimate.js';
import { SdkMetering } from './sdk-meter.js';
import { typedIterable } from './sdk-stream.js';

/**
 * What one adapter class contributes to {@link SdkAdapter}; `TOptions` is the SDK client's
 * constructor options.
 * @internal
 */
export interface SdkAdapterSpec<TClient, TOptions = never> {
  provider: LlmProvider;
  /** npm package of the SDK, and the range tested. */
  packageName: string;
  versionRange: string;
  /** `import()` of the package (a literal specifier, so bundlers and the layer check see it). */
  importSdk: () => Promise<unknown>;
  /** The client constructor's name among the module's exports (else its default export is used). */
  exportName: string;
  /** The client, from the module's constructor (found by {@link constructorOf}). */
  create(Ctor: new (options: TOptions) => TClient, settings: SdkClientSettings): TClient;
  /** The arguments of one SDK method call (e.g. the params and `{ maxRetries: 0 }`). */
  args(params: unknown): unknown[];
  /** An example method path for error messages. */
  exampleMethod: string;
}

/** The module's named export `name`, else its default export, when it is a constructor. @internal */
export function constructorOf<C>(sdk: unknown, name: string): C | undefined {
  if (sdk === null || typeof sdk !== 'object') return undefined;
  const m = sdk as Record<string, unknown>;
  const c = typeof m[name] === 'function' ? m[name] : m.default;
  return typeof c === 'function' ? (c as C) : undefined;
}

/** Segments a method path may not walk through (prototype plumbing, private members). */
const FORBIDDEN_SEGMENT = /^(?:_|#|constructor$|prototype$)/;

/**
 * Base of the SDK adapters: the official SDK client, created lazily with its own retries off and
 * `fetch` set to a {@link ModelTransport}'s `asFetch()`, so every HTTP request the SDK makes is one
 * executor event (limits, lanes, breaker, our retries, usage reconciling the token reservation).
 * `call()` rejects with the library's typed errors only (see docs/llm/adapters.md).
 * @publicApi
 */
export abstract class SdkAdapter<TClient extends object> {
  /** The provider whose SDK this adapter drives. */
  readonly provider: ProviderName;
  /** The transport all SDK traffic goes through. */
  readonly transport: ModelTransport;
  readonly #spec: SdkAdapterSpec<TClient>;
  readonly #settings: SdkClientSettings;
  readonly #secrets: readonly string[];
  readonly #maxTokens: number;
  readonly #estimator: TokenEstimator;
  readonly #importSdk: () => Promise<unknown>;
  readonly #errorUrl: string;
  readonly #now: () => number;
  readonly #metering: SdkMetering | undefined;
  #client: Promise<TClient> | undefined = undefined;
  #closed = false;

  protected constructor(
    spec: SdkAdapterSpec<TClient>,
    apiKey: string | undefined,
    options: SdkAdapterOptions<unknown>,
  ) {
    const name = spec.provider.name;
    const at = (option: string) => `sdkAdapters.${name}.${option}`;
    if (options === null || typeof options !== 'object')
      throw new ResilienceConfigError(at('options'), options, 'an object');
    const executor: Executor | undefined = options.executor;
    if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function')
      throw new ResilienceConfigError(at('executor'), executor, 'an Executor');
    const key = apiKey ?? (options.env ?? process.env)[spec.provider.apiKeyEnv];
    if (typeof key !== 'string' || key === '')
      throw new ResilienceConfigError(
        at('apiKey'),
        typeof key === 'string' ? key : undefined,
        `a non-empty string (or ${spec.provider.apiKeyEnv} in the environment)`,
      );
    const timeoutMs = options.timeoutMs ?? SDK_ADAPTER_DEFAULTS.timeoutMs;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))
      throw new ResilienceConfigError(at('timeoutMs'), timeoutMs, 'a finite number > 0');
    const maxTokens = options.maxTokens ?? SDK_ADAPTER_DEFAULTS.maxTokens;
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0)
      throw new ResilienceConfigError(at('maxTokens'), maxTokens, 'an integer >= 0');
    const clientOptions = (options.clientOptions ?? {}) as Readonly<Record<string, unknown>>;
    if (clientOptions === null || typeof clientOptions !== 'object')
      throw new ResilienceConfigError(at('clientOptions'), clientOptions, 'an object');
    if (
      options.apiVersion !== undefined &&
      (typeof options.apiVersion !== 'string' || !/^v\d/.test(options.apiVersion))
    )
      throw new ResilienceConfigError(at('apiVersion'), options.apiVersion, 'an API version such as "v1beta" or "v1"');
    if (options.baseUrl !== undefined && (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)))
      throw new ResilienceConfigError(at('baseUrl'), options.baseUrl, 'an http(s) URL');
    this.provider = name;
    this.#spec = spec;
    this.#secrets = [key, ...(options.secrets ?? [])];
    this.#maxTokens = maxTokens;
    this.#estimator = options.estimator ?? defaultEstimator;
    if (typeof this.#estimator?.estimateInput !== 'function')
      throw new ResilienceConfigError(at('estimator'), options.estimator, 'a TokenEstimator');
    this.#importSdk = options.importSdk ?? spec.importSdk;
    this.#metering = SdkMetering.of(at('costs'), options.costs, spec.provider, this.#secrets);
    const baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.#errorUrl = baseUrl ?? spec.provider.defaultBaseUrl;
    this.transport = new ModelTransport(executor, {
      provider: spec.provider,
      secrets: this.#secrets,
      timeoutMs,
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    });
    this.#now = () => executor.clock.now();
    const fetch = this.transport.asFetch();
    this.#settings = { apiKey: key, baseUrl, fetch, timeoutMs, apiVersion: options.apiVersion, clientOptions };
  }

  /** True once {@link SdkAdapter.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The raw SDK client, created on first use with the adapter's settings (retries off, `fetch`
   * through the transport): its calls pass the executor too, but outside `call()` they take the
   * executor's default lane, no token reservation and the SDK's own error classes.
   * Rejects with `SdkNotInstalledError` when the package is missing, `SdkAdapterClosedError` after `close()`.
   */
  client(): Promise<TClient> {
    if (this.#closed) return Promise.reject(new SdkAdapterClosedError(this.provider));
    return (this.#client ??= this.#createClient());
  }

  /**
   * Calls the SDK method at `methodPath` (dotted, from the client: `chat.completions.create`,
   * `messages.create`, `models.generateContent`) with `params`, inside the per-call options
   * (`tokens`, default estimated from `params`; `lane`; `signal`; `metadata`) and returns what the
   * SDK returns (a streaming call: the SDK's stream, whose iteration also fails with typed errors). Rejects with the library's typed error (an
   * `ApiClientError` subclass, `CircuitBreakerOpenError`, `RequestCancelledError`, ...), the SDK's
   * error as its `cause` (sanitised); a path that names no method: `ResilienceConfigError`.
   */
  async call<T = unknown>(methodPath: string, params: unknown, options?: SdkCallOptions): Promise<T> {
    const client = await this.client();
    const { fn, self } = this.#resolve(client, methodPath);
    const tokens = options?.tokens ?? estimateSdkTokens(this.provider, params, this.#maxTokens, this.#estimator);
    const callOptions: ModelCallOptions = {
      tokens,
      lane: options?.lane,
      signal: options?.signal,
      metadata: options?.metadata,
      observer: this.#metering?.meter(params, tokens, this.#maxTokens, options?.budgetKey),
    };
    const args = this.#spec.args(params);
    const map = (error: unknown, recorded: unknown) =>
      typedSdkError(error, recorded, {
        provider: this.#spec.provider,
        methodPath,
        url: this.#errorUrl,
        secrets: this.#secrets,
        now: this.#now(),
      });
    return runWithCallOptions(callOptions, async () => {
      const cc = currentCallContext();
      try {
        return typedIterable((await fn.apply(self, args)) as T, cc, map);
      } catch (error) {
        throw map(error, cc?.lastError);
      }
    });
  }

  /** Marks the adapter closed (idempotent): later `call()` / `client()` reject; calls in flight finish. */
  close(): Promise<void> {
    this.#closed = true;
    this.#client = undefined;
    return Promise.resolve();
  }

  async #createClient(): Promise<TClient> {
    const spec = this.#spec;
    let sdk: unknown;
    try {
      sdk = await this.#importSdk();
    } catch (error) {
      this.#client = undefined;
      throw new SdkNotInstalledError(this.provider, spec.packageName, spec.versionRange, error);
    }
    const Ctor = constructorOf<new (options: never) => TClient>(sdk, spec.exportName);
    if (Ctor === undefined) {
      this.#client = undefined;
      throw new SdkNotInstalledError(this.provider, spec.packageName, spec.versionRange);
    }
    let client: TClient;
    try {
      client = spec.create(Ctor, this.#settings);
    } catch (error) {
      this.#client = undefined;
      throw new SdkCallError(this.provider, 'new client', error, this.#secrets);
    }
    if (this.#closed) throw new SdkAdapterClosedError(this.provider);
    return client;
  }

  #resolve(client: TClient, methodPath: string): { fn: (...args: unknown[]) => unknown; self: unknown } {
    const bad = () =>
      new ResilienceConfigError(
        `sdkAdapters.${this.provider}.call.methodPath`,
        methodPath,
        `a dotted path to a method of the ${this.#spec.packageName} client (e.g. "${this.#spec.exampleMethod}")`,
      );
    if (typeof methodPath !== 'string' || methodPath === '') throw bad();
    let self: unknown = undefined;
    let current: unknown = client;
    for (const segment of methodPath.split('.')) {
      if (FORBIDDEN_SEGMENT.test(segment) || segment in Object.prototype || segment in Function.prototype) throw bad();
      if (current === null || (typeof current !== 'object' && typeof current !== 'function')) throw bad();
      self = current;
      current = (current as Record<string, unknown>)[segment];
    }
    if (typeof current !== 'function') throw bad();
    return { fn: current as (...args: unknown[]) => unknown, self };
  }
}
