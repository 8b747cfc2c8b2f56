import type { Pipeline } from '../../core/pipeline/pipeline.js';
import type { KindName } from '../registry/policy-kinds.js';

/**
 * How a decorator refers to its policy: by the name of a configured policy, or inline
 * options (merged over the kind's `default` entry; `name` defaults to `Class.method`).
 * @publicApi
 */
export type PolicyRef<T> = string | (Partial<T> & { name?: string });

/** What the decorators of one method asked for. @internal */
export interface ResilientMethodSpec {
  readonly className: string;
  readonly methodName: string;
  /** True for a static method (its `this` is the class). */
  readonly isStatic: boolean;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  readonly original: Function;
  /** The policy each decorator refers to, by kind. */
  readonly refs: Partial<Record<KindName, PolicyRef<unknown>>>;
}

/**
 * Where a trampoline keeps the pipeline it last ran: the registry that built it and the
 * pipeline. The registry clears it when it closes, so a trampoline never keeps a closed
 * registry (or its store) alive. @internal
 */
export interface PipelineCache {
  source: PipelineSource | undefined;
  pipeline: Pipeline | undefined;
}

/** What a trampoline gets its pipeline from (the application's registry). @internal */
export interface PipelineSource {
  /**
   * The pipeline of `spec`, stored in `cache` until this source closes. Throws
   * `ResilienceRegistryClosedError` once closed, `ResilienceConfigError` for a bad policy.
   */
  bind(spec: ResilientMethodSpec, cache: PipelineCache): Pipeline;
}
