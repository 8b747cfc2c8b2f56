import { Logger, type FactoryProvider } from '@nestjs/common';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import { CostTracker } from '../cost/cost-tracker.js';
import { IModelHost } from './imodel-host.js';
import { RESILIENCE_LLM_SETTINGS } from './imodel.tokens.js';
import type { NormalizedLlmSettings } from './resilience-llm.options.js';

/**
 * The provider of `CostTracker` (the class is the token) of `forRoot({ costs })` /
 * `forRootAsync({ costs: true })`: ONE tracker from the validated `costs` options
 * (`ResilienceConfigError` naming `costs.<option>` at bootstrap), on `ResilienceModule`'s store
 * and clock when it is imported, logging through a Nest `Logger('CostTracker')`. It is handed to
 * the {@link IModelHost}, which closes it after the models at shutdown.
 * @internal
 */
export function costTrackerProvider(): FactoryProvider<CostTracker> {
  return {
    provide: CostTracker,
    inject: [RESILIENCE_LLM_SETTINGS, IModelHost, { token: POLICY_RESOLVER, optional: true }],
    useFactory: (settings: NormalizedLlmSettings, host: IModelHost, resolver: PolicyResolver | undefined) =>
      host.addTracker(
        CostTracker.create(settings.costs ?? {}, {
          logger: new Logger('CostTracker'),
          ...(resolver?.clock !== undefined ? { clock: resolver.clock } : {}),
          ...(resolver?.store !== undefined ? { store: resolver.store } : {}),
        }),
      ),
  };
}
