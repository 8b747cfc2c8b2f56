import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { Executor } from '../executor.js';
import type { ExecutorSource } from '../executor-source.js';
import {
  DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS,
  type NormalizedExecutorSettings,
} from './resilience-executor.options.js';

/**
 * The application's named {@link Executor}s (every `forRoot({ executors })` and
 * `registerExecutor[Async]` registration), one registry per application. On shutdown
 * ({@link stopAll}, from the `onModuleDestroy` of a non-global module, so before the global
 * modules, `ResilienceHttpModule`'s clients and `ResilienceModule`'s store, close) every
 * executor stops draining; past `shutdownTimeoutMs` what is left is cancelled. Also provided as
 * `EXECUTOR_SOURCE` (what the health indicator reads).
 * @publicApi
 */
@Injectable()
export class ExecutorRegistry implements ExecutorSource {
  private readonly logger = new Logger('ResilienceExecutor');
  private readonly items = new Map<string, Executor>();
  private shutdownTimeoutMs = DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS;
  private stopping: Promise<void> | undefined;

  constructor(@Optional() @Inject(POLICY_RESOLVER) private readonly resolver?: PolicyResolver) {}

  /** The executor registered as `name`; throws `ResilienceConfigError` listing the registered names. */
  get(name: string): Executor {
    const item = this.items.get(name);
    if (item === undefined) {
      const known = this.names();
      throw new ResilienceConfigError(
        `executors.${name}`,
        name,
        known.length > 0
          ? `a registered executor: ${known.join(', ')}`
          : 'an executor registered with ResilienceExecutorModule (none is)',
      );
    }
    return item;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.items.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** Every registered executor, in registration order. */
  list(): readonly Executor[] {
    return [...this.items.values()];
  }

  /** Adds `executor` as `name`; a name registered twice throws (the second is stopped). @internal */
  add(name: string, executor: Executor): Executor {
    if (this.items.has(name)) {
      void executor.stop({ drain: false }).catch(() => undefined);
      throw new ResilienceConfigError(
        `executors.${name}`,
        name,
        'an executor name registered once in the application (it is registered twice)',
      );
    }
    this.items.set(name, executor);
    return executor;
  }

  /** The settings of `forRoot[Async]` (`shutdownTimeoutMs`). @internal */
  configure(settings: NormalizedExecutorSettings): void {
    this.shutdownTimeoutMs = settings.shutdownTimeoutMs;
  }

  /**
   * Stops every executor, draining (new submissions are refused with `ExecutorStoppedError`,
   * queued and running events finish); after `timeoutMs` (default the module's
   * `shutdownTimeoutMs`) the executors still draining are stopped with `{ drain: false }`
   * (queued events `CANCELLED`, running ones aborted through their signal) and this resolves
   * without waiting for them. Idempotent: a second call returns the first one's promise.
   */
  stopAll(timeoutMs: number = this.shutdownTimeoutMs): Promise<void> {
    this.stopping ??= this.drain(timeoutMs);
    return this.stopping;
  }

  private async drain(timeoutMs: number): Promise<void> {
    const pending = new Set(this.items.values());
    if (pending.size === 0) return;
    const drained = [...pending].map((e) =>
      e.stop({ drain: true }).then(
        () => void pending.delete(e),
        (error: unknown) => {
          pending.delete(e);
          this.logger.warn(`Executor ${e.snapshot().name} failed to stop: ${(error as Error).message}`);
        },
      ),
    );
    const clock: Clock = this.resolver?.clock ?? systemClock;
    let handle: unknown;
    const timedOut = new Promise<boolean>((resolve) => {
      if (timeoutMs === Infinity) return;
      handle = clock.setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([Promise.all(drained).then(() => false), timedOut]);
    if (handle !== undefined) clock.clearTimeout(handle);
    if (!late || pending.size === 0) return;
    const names = [...pending].map((e) => e.snapshot().name);
    this.logger.warn(
      `Executor${names.length > 1 ? 's' : ''} ${names.join(', ')} did not drain within ${timeoutMs} ms ` +
        '(shutdownTimeoutMs): cancelling what is left',
    );
    for (const e of pending) void e.stop({ drain: false }).catch(() => undefined);
  }
}
