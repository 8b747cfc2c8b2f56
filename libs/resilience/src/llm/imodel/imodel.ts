import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { EventEmitter, type Event } from '../../core/events/event-emitter.js';
import { ExecutorStoppedError } from '../../executor/errors/executor-stopped.error.js';
import { Executor } from '../../executor/executor.js';
import type { ExecutorSnapshot } from '../../executor/executor.options.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { redactUrl } from '../../http/headers/headers.js';
import type { ChatRequest, ChatResult, ProviderName } from '../chat/chat.types.js';
import type { LlmProvider } from '../providers/provider.js';
import { ModelTransport } from '../transport/model-transport.js';
import type { JsonReply, ModelStream } from '../transport/transport.options.js';
import { ModelChatStream, type ChatStream, type StartedStream } from './chat-stream.js';
import { runWithFallbacks, type FallbackModel, type ModelFallbackEvent } from './fallback.js';
import type { ModelRegistry } from './imodel-registry.js';
import { normalizeIModelOptions } from './imodel.normalize.js';
import { ModelCaller, type SentCall } from './model-call.js';
import type { IModelBaseDeps, IModelOptions } from './imodel.options.js';

/** What an iModel runs on: the base deps, the registry its `fallbacks` are looked up in, a `fetch`. @publicApi */
export interface IModelDeps extends IModelBaseDeps {
  /** Where `fallbacks` are found; `create` registers the new model in it (`close()` removes it). */
  registry?: ModelRegistry<IModel>;
  /**
   * A fetch that carries every call (streaming or not). Default: non-streaming calls over the
   * transport's own `node:http` / `node:https` client, streams over `globalThis.fetch` (read at each call).
   */
  fetch?: typeof fetch;
}

/** Options of `acompletion(prompt, options)`: a {@link ChatRequest} without `messages`. @publicApi */
export type AcompletionOptions = Omit<ChatRequest, 'messages'>;

/** Options of `invoke(payload, options)`. @publicApi */
export interface InvokeOptions {
  /** Reservation. Default: the body's length / 4 + the payload's output cap (else the model's `maxTokens`). */
  tokens?: number;
  lane?: string;
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  /** The budgets' `key` scope value (and the usage record's `scope`). */
  budgetKey?: string;
  /** True: a streaming call (returns a `ModelStream` of raw text deltas). */
  stream?: boolean;
}

/** A model's configuration, log-safe (`toJSON()`; never the key). @publicApi */
export interface IModelInfo {
  name: string;
  provider: ProviderName;
  model: string;
  /** Base URL, redacted. */
  baseUrl: string;
  executor: string;
  fallbacks: string[];
  maxTokens: number;
  timeoutMs: number;
}

const noop = (): void => undefined;

/**
 * One configured model (see docs/llm/imodel.md): provider-neutral `chat` and `stream`, the
 * reference's `acompletion` and `invoke`, each call an event of its executor, with `fallbacks`
 * to other models of the registry (docs/llm/fallbacks.md).
 * @publicApi
 */
export class IModel implements FallbackModel {
  readonly provider: LlmProvider;
  readonly executor: Executor;
  readonly fallbacks: readonly string[];
  /** @internal */
  readonly #secrets: readonly string[];
  /** @internal The key and the extra secrets, for the fallback's error records (a prototype getter: `util.inspect` does not show it). */
  get _secrets(): readonly string[] {
    return this.#secrets;
  }
  readonly #call: ModelCaller;
  readonly #timeoutMs: number;
  readonly #owned: boolean;
  readonly #registry: ModelRegistry<IModel> | undefined;
  #fallback: EventEmitter<ModelFallbackEvent> | undefined = undefined;
  #closed: Promise<void> | undefined = undefined;
  readonly #transport: ModelTransport;

  /**
   * Validates `options` (`ResilienceConfigError` naming `models.<name>.<option>`), creates the
   * model (and its own executor `<name>` when `options.executor` is options, not an instance)
   * and registers it in `deps.registry` (a name taken: `ResilienceConfigError`).
   */
  static create(name: string, options: IModelOptions, deps: IModelDeps = {}): IModel {
    return new IModel(name, options, deps);
  }

  private constructor(
    readonly name: string,
    options: IModelOptions,
    deps: IModelDeps,
  ) {
    const o = normalizeIModelOptions(name, options, deps);
    const registry = deps.registry;
    if (registry?.has(name))
      throw new ResilienceConfigError(`models.${name}`, name, 'a name no other registered model has');
    if (o.fallbacks.length > 0 && registry === undefined)
      throw new ResilienceConfigError(`models.${name}.fallbacks`, o.fallbacks, 'deps.registry to find them in');
    this.provider = o.provider;
    this.#timeoutMs = o.timeoutMs;
    this.fallbacks = o.fallbacks;
    this.#secrets = o.secrets;
    this.#owned = !(o.executor instanceof Executor);
    this.executor =
      o.executor instanceof Executor
        ? o.executor
        : Executor.create(name, o.executor, { clock: deps.clock, store: deps.store, resolver: deps.resolver });
    const transport = (this.#transport = new ModelTransport(this.executor, {
      provider: o.provider,
      secrets: o.secrets,
      timeoutMs: o.timeoutMs,
      fetch: deps.fetch,
      clock: deps.clock,
    }));
    const clock = deps.clock ?? this.executor.clock;
    const metered = o.costs?._model(name, o.config.model, o.provider, o.secrets, `models.${name}.model`);
    this.#call = new ModelCaller(
      name,
      o.provider,
      o.config,
      transport,
      o.estimator,
      clock,
      o.temperature,
      o.secrets,
      o.costs,
      metered,
    );
    this.#registry = registry;
    registry?.register(this);
  }

  /** Provider model id. */
  get model(): string {
    return this.#call.config.model;
  }

  /** Subscribes to the moves of this model's calls to a fallback (`{ from, to, error }`). */
  get onFallback(): Event<ModelFallbackEvent> {
    return (this.#fallback ??= new EventEmitter<ModelFallbackEvent>()).subscribe;
  }

  /** A chat call (falls back per `fallbacks`): resolves with the result or rejects with a typed error. */
  chat(request: ChatRequest): Promise<ChatResult> {
    if (this.fallbacks.length === 0) return this._chat(request, []);
    return runWithFallbacks(this, this.#lookup, this.#reporter(false), (m, from) => m._chat(request, from));
  }

  /** A streaming chat call; falls back only before the first delta. */
  stream(request: ChatRequest): ChatStream {
    return new ModelChatStream((track) => {
      const attempt = async (m: IModel, from: string[]): Promise<StartedStream> => {
        const s = m._openStream(request, from);
        track(s.stream);
        await s.stream.started();
        return s;
      };
      if (this.fallbacks.length === 0) return attempt(this, []);
      return runWithFallbacks(this, this.#lookup, this.#reporter(true), attempt);
    });
  }

  /**
   * The reference's `acompletion`: `prompt` as one user message (the model's defaults, no
   * fallback). Returns the executor event at once; its `result()` resolves with the reply
   * `{ status, headers, data }` (`data`: the provider's JSON body). Throws what
   * `Executor.submit` throws (`ExecutorQueueFullError`, `ExecutorStoppedError`).
   */
  acompletion(prompt: string, options: AcompletionOptions = {}): NetworkRequestEvent<JsonReply> {
    this.#checkOpen();
    const c = this.#call;
    const request = c.withDefaults({ ...options, messages: [{ role: 'user', content: prompt }] });
    const tokens = c.estimate(request);
    const sent = c.sendChat(request, tokens, c.meter(request, tokens));
    sent.reply.catch(noop);
    return sent.event;
  }

  /**
   * A raw provider payload (`provider.rawRequest`: the body as given, plus the model where the
   * wire format wants it): returns the event at once, its `result()` the reply
   * `{ status, headers, data }`; with `stream: true`, the `ModelStream` of raw text deltas. No
   * fallback. Nothing but the payload reaches the provider.
   */
  invoke(
    payload: Record<string, unknown>,
    options?: InvokeOptions & { stream?: false },
  ): NetworkRequestEvent<JsonReply>;
  invoke(payload: Record<string, unknown>, options: InvokeOptions & { stream: true }): ModelStream;
  invoke(payload: Record<string, unknown>, options: InvokeOptions = {}): NetworkRequestEvent<JsonReply> | ModelStream {
    this.#checkOpen();
    if (options.stream === true) return this.#call.raw(payload, options, true) as ModelStream;
    const sent = this.#call.raw(payload, options, false) as SentCall;
    sent.reply.catch(noop);
    return sent.event;
  }

  /** @internal One chat call on this model alone. */
  _chat(request: ChatRequest, fallbackFrom: string[]): Promise<ChatResult> {
    if (this.#closed !== undefined) return Promise.reject(new ExecutorStoppedError(this.executor.name));
    return this.#call.chat(request, fallbackFrom);
  }

  /** @internal Opens one streaming call on this model alone. */
  _openStream(request: ChatRequest, fallbackFrom: string[]): StartedStream {
    this.#checkOpen();
    return this.#call.openStream(request, fallbackFrom);
  }

  /** The configuration, log-safe (never the key). */
  toJSON(): IModelInfo {
    const config = this.#call.config;
    return {
      name: this.name,
      provider: this.provider.name,
      model: config.model,
      baseUrl: redactUrl(config.baseUrl, this.#secrets),
      executor: this.executor.name,
      fallbacks: [...this.fallbacks],
      maxTokens: config.maxTokens,
      timeoutMs: this.#timeoutMs,
    };
  }

  /** The configuration and its executor's state now. */
  snapshot(): IModelInfo & { closed: boolean; executorState: ExecutorSnapshot } {
    return { ...this.toJSON(), closed: this.#closed !== undefined, executorState: this.executor.snapshot() };
  }

  /**
   * Leaves the registry; an owned executor is stopped (`drain` as `Executor.stop`, default
   * true), a shared one is left running. Later calls reject with `ExecutorStoppedError`. Idempotent.
   */
  close(options: { drain?: boolean } = {}): Promise<void> {
    if (this.#closed === undefined) {
      this.#registry?.unregister(this);
      // An owned executor has stopped once every call ended: the transport's sockets close then.
      // A shared one may still run calls of this model: its idle sockets close by themselves.
      const t = this.#transport;
      this.#closed = this.#owned ? this.executor.stop(options).then(() => t.close()) : Promise.resolve();
    }
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new ExecutorStoppedError(this.executor.name);
  }

  /** The registry, as the fallback loop reads it (the constructor requires one with fallbacks). */
  get #lookup(): { find(name: string): IModel | undefined; names(): string[] } {
    return this.#registry!;
  }

  /** Reports a move to `onFallback` listeners (an event object only while someone listens). */
  #reporter(stream: boolean): (from: string, to: string, error: unknown) => void {
    return stream ? this.#reportStream : this.#reportChat;
  }
  readonly #reportChat = (from: string, to: string, error: unknown): void => this.#report(from, to, error, false);
  readonly #reportStream = (from: string, to: string, error: unknown): void => this.#report(from, to, error, true);
  #report(from: string, to: string, error: unknown, stream: boolean): void {
    const e = this.#fallback;
    if (e === undefined || !e.hasListeners) return;
    const errorType = error instanceof Error ? error.name : typeof error;
    e.emit({ modelName: this.name, from, to, error, errorType, stream });
  }
}
