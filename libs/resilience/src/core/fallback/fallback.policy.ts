import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { describeValue, ResilienceConfigError } from '../errors/index.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import type { FallbackStage } from '../pipeline/stages.js';
import type { FallbackEvent } from './fallback.events.js';
import { normalizeFallbackOptions } from './fallback.normalize.js';
import type { FallbackOptions, NormalizedFallbackOptions } from './fallback.options.js';

/**
 * A named fallback: a call that fails with a handled error resolves to a value, to the result
 * of a function of `(error, ...args)`, or to the result of a method of the decorated instance.
 * By default it handles errors with `isTransient === true` (refusals, timeouts, transient
 * upstream errors); it never handles programming errors (`TypeError`, `ReferenceError`,
 * `SyntaxError`, `RangeError`, `EvalError`, `URIError`, `ResilienceConfigError`). Holds no state.
 * @example
 * ```ts
 * const fallback = FallbackPolicy.create('recommendations', { value: [] });
 * const items = await fallback.execute(() => recommender.forUser(id));
 * ```
 * @publicApi
 */
export class FallbackPolicy implements FallbackStage {
  private pipeline: Pipeline | undefined;
  // Created on the first read of `onFallback` (an idle policy holds no emitter).
  #fallback: EventEmitter<FallbackEvent> | undefined = undefined;

  /** Subscribes to fallbacks taken (`{ type: 'fallback', policy, error }`). */
  get onFallback(): Event<FallbackEvent> {
    return (this.#fallback ??= new EventEmitter()).subscribe;
  }

  /**
   * Validates `options` and `deps` (paths start with `fallbacks.<name>`, e.g. `fallbacks.<name>.fn`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   * `deps` is accepted for a uniform shape; a fallback needs neither clock nor store.
   */
  static create(name: string, options: FallbackOptions, deps: PolicyDeps = {}): FallbackPolicy {
    return new FallbackPolicy(name, normalizeFallbackOptions(options, `fallbacks.${name}`), deps);
  }

  /** Trusts `options` (already normalized). */
  constructor(
    readonly name: string,
    readonly options: NormalizedFallbackOptions,
    deps: PolicyDeps = {},
  ) {
    checkPolicyDeps(`fallbacks.${name}`, deps, []);
  }

  /** Whether a call that failed with `error` falls back (never for programming errors). */
  handles(error: unknown): boolean {
    return this.options.handles(error);
  }

  /**
   * The result of a call that failed with `error` (call it only when {@link handles} is true):
   * the `value`, `fn.call(thisArg, error, ...args)`, or `thisArg[method](error, ...args)`.
   * Throws `ResilienceConfigError` (`fallbacks.<name>.method`) when `thisArg` has no such method.
   */
  fallback(error: unknown, thisArg: unknown, args: readonly unknown[]): unknown {
    const o = this.options;
    const e = this.#fallback;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'fallback', policy: this.name, error });
    if (o.kind === 'value') return o.value;
    if (o.kind === 'fn') return o.fn!.call(thisArg, error, ...args);
    const target = thisArg as Record<string, unknown> | null | undefined;
    const method = target?.[o.method!];
    if (typeof method !== 'function')
      throw new ResilienceConfigError(
        `fallbacks.${this.name}.method`,
        o.method,
        `the name of a method of the decorated instance (${describeTarget(thisArg)} has none by that name)`,
      );
    return method.call(thisArg, error, ...args);
  }

  /**
   * Runs `fn({ signal, attempt })`; when it fails with a handled error, resolves to the fallback
   * (`fn` and `method` fallbacks get `options.args` as their arguments; a `method` fallback needs a
   * decorated instance, so it throws `ResilienceConfigError` here).
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ fallback: this })).execute(fn, options);
  }
}

function describeTarget(thisArg: unknown): string {
  if (thisArg === undefined || thisArg === null) return `the call's instance, ${String(thisArg)},`;
  const ctor = (thisArg as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? `an instance of ${ctor.name}` : describeValue(thisArg);
}
