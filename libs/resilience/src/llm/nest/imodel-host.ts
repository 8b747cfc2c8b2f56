import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { CostTracker } from '../cost/cost-tracker.js';
import type { IModel } from '../imodel/imodel.js';
import { ModelRegistry } from '../imodel/imodel-registry.js';
import { DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS } from './resilience-llm.options.js';

/**
 * The application's models, once per application: the framework-free {@link ModelRegistry}
 * that `fallbacks` are looked up in (every model of the application is in it), the models
 * the module created and its cost tracker, which {@link closeAll} closes at shutdown (the
 * tracker after the models).
 * @internal
 */
@Injectable()
export class IModelHost {
  /** Where every model of the application is registered (by `IModel.create`). */
  readonly registry = new ModelRegistry<IModel>();
  private readonly logger = new Logger('ResilienceLlm');
  private readonly created: IModel[] = [];
  private tracker: CostTracker | undefined;
  private shutdownTimeoutMs = DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS;
  private closing: Promise<void> | undefined;

  constructor(@Optional() @Inject(POLICY_RESOLVER) private readonly resolver?: PolicyResolver) {}

  /** Records a model created by the module. */
  add(model: IModel): IModel {
    this.created.push(model);
    return model;
  }

  /**
   * Records the application's cost tracker (closed after the models). A second one fails the
   * bootstrap: the `CostTracker` token would be ambiguous and budgets split.
   */
  addTracker(tracker: CostTracker): CostTracker {
    if (this.tracker !== undefined) {
      void tracker.close();
      throw new ResilienceConfigError(
        'costs',
        '(a second cost tracker)',
        'costs given to one ResilienceLlmModule.forRoot / forRootAsync of the application (one CostTracker meters every model)',
      );
    }
    return (this.tracker = tracker);
  }

  /**
   * Every `fallbacks` name of every model is a model of the application (once all exist: a
   * typo fails the bootstrap with `ResilienceConfigError` naming `models.<name>.fallbacks[i]`
   * and the registered models, instead of the first call that falls back).
   */
  checkFallbacks(): void {
    for (const model of this.created)
      model.fallbacks.forEach((f, i) => {
        if (!this.registry.has(f))
          throw new ResilienceConfigError(
            `models.${model.name}.fallbacks[${i}]`,
            f,
            `the name of a registered model (registered: ${this.registry.names().join(', ')})`,
          );
      });
  }

  /** The `shutdownTimeoutMs` of `forRoot[Async]`. */
  configure(shutdownTimeoutMs: number): void {
    this.shutdownTimeoutMs = shutdownTimeoutMs;
  }

  /**
   * Closes every model (an executor of a model's own drains), waiting at most
   * `shutdownTimeoutMs` on the module's clock; past it a warning names the models still
   * closing, their own executors are stopped without draining (queued calls cancelled, running
   * ones aborted). Then the cost tracker closes (every ended call settled in the budgets, the
   * usage log flushed and closed), waiting at most `shutdownTimeoutMs` again (past it, a
   * warning). Idempotent.
   */
  closeAll(): Promise<void> {
    this.closing ??= this.close(this.shutdownTimeoutMs).then(() => this.closeTracker(this.shutdownTimeoutMs));
    return this.closing;
  }

  private async closeTracker(timeoutMs: number): Promise<void> {
    const tracker = this.tracker;
    if (tracker === undefined) return;
    const closed = tracker.close().then(
      () => false,
      (error: unknown) => {
        this.logger.warn(`The cost tracker failed to close: ${(error as Error)?.message}`);
        return false;
      },
    );
    if (await this.within(closed, timeoutMs))
      this.logger.warn(
        `The cost tracker did not close within ${timeoutMs} ms (shutdownTimeoutMs): settlements or usage lines still pending`,
      );
  }

  /** True when `work` did not resolve within `timeoutMs` on the module's clock. */
  private async within(work: Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const clock: Clock = this.resolver?.clock ?? systemClock;
    let handle: unknown;
    const timedOut = new Promise<boolean>((resolve) => {
      if (timeoutMs !== Infinity) handle = clock.setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([work, timedOut]);
    if (handle !== undefined) clock.clearTimeout(handle);
    return late;
  }

  private async close(timeoutMs: number): Promise<void> {
    const pending = new Set(this.created);
    if (pending.size === 0) return;
    const closed = [...pending].map((m) =>
      Promise.resolve()
        .then(() => m.close())
        .then(
          () => void pending.delete(m),
          (error: unknown) => {
            pending.delete(m);
            this.logger.warn(`Model ${m.name} failed to close: ${(error as Error)?.message}`);
          },
        ),
    );
    const late = await this.within(
      Promise.all(closed).then(() => false),
      timeoutMs,
    );
    if (!late || pending.size === 0) return;
    this.logger.warn(
      `Model${pending.size > 1 ? 's' : ''} ${[...pending].map((m) => m.name).join(', ')} did not close within ` +
        `${timeoutMs} ms (shutdownTimeoutMs): cancelling what is left`,
    );
    // Still closing means draining an executor of its own (a shared one is left running at once).
    for (const m of pending) void m.executor.stop({ drain: false }).catch(() => undefined);
  }
}

/** Checks the fallbacks at bootstrap, closes the models at shutdown. @internal */
@Injectable()
export class IModelLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly host: IModelHost) {}

  onModuleInit(): void {
    this.host.checkFallbacks();
  }

  async onModuleDestroy(): Promise<void> {
    await this.host.closeAll();
  }
}
