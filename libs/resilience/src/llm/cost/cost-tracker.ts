import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { EventEmitter, type Event } from '../../core/events/event-emitter.js';
import { MemoryBudgetLedger } from '../../core/store/memory-budget-ledger.js';
import type { BudgetLedger, ResilienceStore } from '../../core/store/store.js';
import type { BudgetOptions } from '../budget/budget.options.js';
import {
  BudgetGuard,
  type BudgetCall,
  type BudgetHold,
  type BudgetStatus,
  type BudgetWarningEvent,
} from '../budget/budget-guard.js';
import type { ProviderName } from '../chat/chat.types.js';
import type { LlmProvider } from '../providers/provider.js';
import { UsageLog, type UsageLogOptions } from '../usage/usage-log.js';
import type { UsageRecord, UsageSummary } from '../usage/usage.types.js';
import { worstCaseNanoUsd } from './call-cost.js';
import { CallMeter, type MeterHost, type MeteredModel } from './call-meter.js';
import { PriceTable } from './price-table.js';
import type { CostLogger, ModelPrice } from './price.types.js';

/**
 * Prices, budgets and the usage log of a set of models (see docs/llm/costs.md). Give it to each
 * `IModel` (`IModelOptions.costs`) that it should meter.
 * @publicApi
 */
export interface CostTrackerOptions {
  /** Price entries (LiteLLM field names) merged over the built-in table and the file; keys: model ids. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** A JSON file in LiteLLM's price-map format (whole or part), merged over the built-in table. */
  pricesFile?: string;
  /** false: no built-in prices (only `prices` and `pricesFile`). Default true. */
  builtInPrices?: boolean;
  /** Budgets; all that apply to a call must admit it (docs/llm/budgets.md). Default none. */
  budgets?: readonly BudgetOptions[];
  /**
   * Journal of the memory ledger, so spend and live reservations survive a restart. Used when the
   * store has no ledger of its own (the memory store); a Redis store keeps spend in Redis.
   */
  spendFile?: string;
  /** How long a reservation is held before it expires by itself, ms. Default 600 000. */
  holdMs?: number;
  /** The usage log (docs/llm/usage-log.md). Default `{}`: in-memory daily aggregates, no file; false: none. */
  usageLog?: UsageLogOptions | false;
}

/** What a cost tracker runs on. @publicApi */
export interface CostTrackerDeps {
  /** Where budgets keep spend: a store with a budget ledger (Redis: shared by every replica). Default: this process. */
  store?: ResilienceStore;
  clock?: Clock;
  /** Warnings (unknown models, budget thresholds, sink and store problems). */
  logger?: CostLogger;
}

const KNOWN = [
  'prices',
  'pricesFile',
  'builtInPrices',
  'budgets',
  'spendFile',
  'holdMs',
  'usageLog',
] as const satisfies readonly (keyof CostTrackerOptions)[];

/**
 * Prices every call of the models it meters, holds their budgets (reserved at dispatch, settled to
 * the actual cost) and writes the usage log. One per application (or per set of models that share
 * budgets).
 * @example
 * ```ts
 * import { CostTracker, IModel } from 'nest-resilience/llm';
 * const costs = CostTracker.create({
 *   budgets: [{ name: 'daily', limitUsd: 20, window: 'day', timeZone: 'Europe/Berlin' }],
 *   usageLog: { dir: './usage' },
 * });
 * const gpt = IModel.create('gpt', {
 *   provider: 'openai',
 *   model: 'gpt-4o-mini',
 *   executor: { concurrencyLimit: 8, requestsRate: 50 },
 *   costs,
 * });
 * costs.onWarning((w) => console.warn(`${w.budget} at ${Math.round(w.threshold * 100)} %`));
 * const today = costs.getDailySummary();
 * ```
 * @publicApi
 */
export class CostTracker {
  readonly prices: PriceTable;
  readonly budgets: BudgetGuard | undefined;
  readonly usage: UsageLog | undefined;
  readonly clock: Clock;
  readonly #ledger: BudgetLedger | undefined;
  readonly #ownsLedger: boolean;
  readonly #pending = new Set<Promise<void>>();
  readonly #host: MeterHost;
  #warning: EventEmitter<BudgetWarningEvent> | undefined = undefined;
  #closed: Promise<void> | undefined = undefined;

  /** Validates `options` (`ResilienceConfigError` naming `costs.<option>`) and creates the tracker. */
  static create(options: CostTrackerOptions = {}, deps: CostTrackerDeps = {}): CostTracker {
    return new CostTracker(options, deps);
  }

  private constructor(options: CostTrackerOptions, deps: CostTrackerDeps) {
    if (options === null || typeof options !== 'object') throw new ResilienceConfigError('costs', options, 'an object');
    for (const k of Object.keys(options))
      if (!(KNOWN as readonly string[]).includes(k))
        throw new ResilienceConfigError(`costs.${k}`, '(unknown option)', `one of ${KNOWN.join(', ')}`);
    this.clock = deps.clock ?? systemClock;
    const logger = deps.logger;
    this.prices = PriceTable.create(
      { prices: options.prices, file: options.pricesFile, builtIn: options.builtInPrices, logger },
      'costs',
      { file: 'pricesFile', builtIn: 'builtInPrices' },
    );
    const budgets = options.budgets ?? [];
    if (!Array.isArray(budgets)) throw new ResilienceConfigError('costs.budgets', budgets, 'an array of budgets');
    if (options.spendFile !== undefined && typeof options.spendFile !== 'string')
      throw new ResilienceConfigError('costs.spendFile', options.spendFile, 'a file path');
    if (budgets.length > 0) {
      const store = deps.store;
      const shared =
        store !== undefined && store.kind !== 'memory' ? store.createBudgetLedger?.(this.clock) : undefined;
      if (shared !== undefined && options.spendFile !== undefined)
        throw new ResilienceConfigError(
          'costs.spendFile',
          options.spendFile,
          `no spendFile with a ${store!.kind} store (it keeps spend itself)`,
        );
      this.#ownsLedger = shared === undefined;
      this.#ledger = shared ?? MemoryBudgetLedger.create({ clock: this.clock, file: options.spendFile, logger });
      this.budgets = BudgetGuard.create(budgets, {
        ledger: this.#ledger,
        clock: this.clock,
        logger,
        holdMs: options.holdMs,
        path: 'costs.budgets',
      });
    } else {
      this.#ownsLedger = false;
      this.budgets = undefined;
    }
    const u = options.usageLog ?? {};
    this.usage = u === false ? undefined : UsageLog.create(u, { clock: this.clock, logger, path: 'costs.usageLog' });
    const usage = this.usage;
    const record = usage === undefined ? undefined : (r: UsageRecord): void => usage.record(r);
    this.#host = {
      budgets: this.budgets,
      settle: (hold, actual) => this.#settle(hold, actual),
      record,
      includeText: usage?.includeText === true,
      now: () => this.clock.now(),
    };
  }

  /** Subscribes to the budgets' threshold warnings (once per window per budget and threshold). */
  get onWarning(): Event<BudgetWarningEvent> {
    if (this.budgets !== undefined) return this.budgets.onWarning;
    return (this.#warning ??= new EventEmitter<BudgetWarningEvent>()).subscribe;
  }

  /** Today's (or `day`'s) usage: calls, tokens and cost, per model, provider and scope. */
  getDailySummary(day?: string | Date): UsageSummary {
    if (this.usage === undefined) throw new ResilienceConfigError('costs.usageLog', false, 'a usage log to summarise');
    return this.usage.getDailySummary(day);
  }

  /** Usage over the days `from`..`to` (inclusive; from the files when the log has a `dir`). */
  summarize(from: string | Date, to: string | Date): Promise<UsageSummary> {
    if (this.usage === undefined)
      return Promise.reject(new ResilienceConfigError('costs.usageLog', false, 'a usage log to summarise'));
    return this.usage.summarize(from, to);
  }

  /** The current window of every budget (scoped budgets: for `call`'s values, else those seen). */
  budgetStatus(call?: Partial<BudgetCall>): Promise<BudgetStatus[]> {
    return this.budgets === undefined ? Promise.resolve([]) : this.budgets.status(call);
  }

  /** Resolves once every call that ended so far is settled in the budgets and its usage line written. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    await this.budgets?.idle();
    await this.usage?.flush();
  }

  /** Waits for `settled()`, then closes the usage log, the budgets and a ledger of its own. Idempotent. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      await this.settled();
      await this.usage?.close();
      await this.budgets?.close();
      if (this.#ownsLedger) await this.#ledger?.close?.();
    })());
  }

  /**
   * @internal What a model's meters share; throws `ResilienceConfigError` at `path` when a budget
   * may apply to an unpriced model (its calls could not be checked).
   */
  _model(
    modelName: string,
    model: string,
    provider: LlmProvider,
    secrets: readonly string[],
    path: string,
  ): MeteredModel {
    const name: ProviderName = provider.name;
    const price = this.prices.priceFor(model, name);
    if (price === undefined && this.budgets?.mayApply(model, name) === true)
      throw new ResilienceConfigError(
        path,
        model,
        'a model with a price (costs.prices) while a budget may apply to it',
      );
    return { modelName, model, provider: name, llm: provider, price, secrets };
  }

  /** @internal The meter of one call (`inputTokens`: the estimate; `maxTokens`: the output cap). */
  _meter(
    m: MeteredModel,
    budgetKey: string | undefined,
    inputTokens: number,
    maxTokens: number,
    prompt: (() => string) | undefined,
  ): CallMeter {
    const text = this.#host.includeText && prompt !== undefined ? prompt() : undefined;
    return new CallMeter(this.#host, m, worstCaseNanoUsd, inputTokens, maxTokens, budgetKey, this.clock.now(), text);
  }

  #settle(hold: BudgetHold, actual: number): void {
    const p = this.budgets!.settle(hold, actual).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }
}
