import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { CallMeter, MeteredModel } from '../cost/call-meter.js';
import { CostTracker } from '../cost/cost-tracker.js';
import type { LlmProvider } from '../providers/provider.js';
import { sdkMaxOutput } from './sdk-estimate.js';

/** Most model ids whose metering data an adapter keeps (beyond it, looked up per call). */
const MAX_MODELS = 64;

/**
 * The cost metering of one SDK adapter (`SdkAdapterOptions.costs`): one meter per `call()`, for the
 * model the params name (`params.model`), priced and checked against the budgets like an iModel
 * call (docs/llm/costs.md). A budget that may apply to an unpriced model rejects the call with
 * `ResilienceConfigError` naming `sdkAdapters.<provider>.params.model`.
 * @internal
 */
export class SdkMetering {
  readonly #models = new Map<string, MeteredModel>();

  constructor(
    readonly costs: CostTracker,
    readonly provider: LlmProvider,
    readonly secrets: readonly string[],
  ) {}

  /** Validates `costs` (undefined: no metering). */
  static of(path: string, costs: unknown, provider: LlmProvider, secrets: readonly string[]): SdkMetering | undefined {
    if (costs === undefined) return undefined;
    if (!(costs instanceof CostTracker)) throw new ResilienceConfigError(path, costs, 'a CostTracker');
    return new SdkMetering(costs, provider, secrets);
  }

  /** The meter of one call reserving `tokens` (estimate + output cap) for `params`. */
  meter(params: unknown, tokens: number, defaultMaxTokens: number, budgetKey: string | undefined): CallMeter {
    const p = (params !== null && typeof params === 'object' ? params : {}) as Record<string, unknown>;
    const id = typeof p.model === 'string' ? p.model : '';
    let m = this.#models.get(id);
    if (m === undefined) {
      const name = this.provider.name;
      m = this.costs._model(`${name}-sdk`, id, this.provider, this.secrets, `sdkAdapters.${name}.params.model`);
      if (this.#models.size < MAX_MODELS) this.#models.set(id, m);
    }
    const maxOut = sdkMaxOutput(this.provider.name, p, defaultMaxTokens);
    return this.costs._meter(m, budgetKey, Math.max(0, tokens - maxOut), maxOut, undefined);
  }
}
