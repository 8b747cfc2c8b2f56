import type { Logger } from '@nestjs/common';
import type { Clock } from '../../core/clock.js';
import { createPipeline, type Pipeline } from '../../core/pipeline/pipeline.js';
import type { PipelineCache, PipelineSource, ResilientMethodSpec } from '../decorators/method-spec.js';
import type { NamedPolicies } from './named-policies.js';
import { checkPipeline, type MethodPolicies } from './pipeline-checks.js';
import { KIND_NAMES, POLICY_KINDS, type KindName } from './policy-kinds.js';

interface Compiled {
  readonly policies: MethodPolicies;
  readonly pipeline: Pipeline;
}

/**
 * The compiled pipelines of the decorated methods of one registry, and the trampoline caches
 * holding them (cleared when the registry closes, so no trampoline keeps it alive).
 */
export class MethodPipelines {
  private readonly compiled = new Map<ResilientMethodSpec, Compiled>();
  private readonly caches = new Set<PipelineCache>();

  constructor(
    private readonly kinds: { readonly [K in KindName]: NamedPolicies<K> },
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * The policies and pipeline of a decorated method, resolved (and validated) on first use,
   * then cross-checked (`checkPipeline`: an error throws, a warning is logged).
   */
  get(spec: ResilientMethodSpec): Compiled {
    let compiled = this.compiled.get(spec);
    if (compiled !== undefined) return compiled;
    const method = `${spec.className}.${spec.methodName}`;
    const policies: Record<string, unknown> = {};
    for (const kind of KIND_NAMES) {
      const ref = spec.refs[kind];
      if (ref !== undefined)
        policies[kind] = this.kinds[kind].resolve(ref, `${POLICY_KINDS[kind].decorator} on ${method}`, method);
    }
    for (const finding of checkPipeline(policies as MethodPolicies, method)) {
      if (finding.level === 'error') throw finding.error;
      this.logger.warn(finding.message);
    }
    compiled = { policies, pipeline: createPipeline({ ...policies, clock: this.clock }) };
    this.compiled.set(spec, compiled);
    return compiled;
  }

  /** Stores the pipeline of `spec` in a trampoline's cache, as built by `source`. */
  bind(source: PipelineSource, spec: ResilientMethodSpec, cache: PipelineCache): Pipeline {
    if (cache.source !== source) {
      cache.pipeline = this.get(spec).pipeline;
      cache.source = source;
      this.caches.add(cache);
    }
    return cache.pipeline!;
  }

  /** Empties every trampoline cache still holding `source`'s pipelines, and forgets them. */
  clear(source: PipelineSource): void {
    for (const cache of this.caches) {
      if (cache.source === source) {
        cache.source = undefined;
        cache.pipeline = undefined;
      }
    }
    this.caches.clear();
    this.compiled.clear();
  }
}
