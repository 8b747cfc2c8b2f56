import { Module, type DynamicModule } from '@nestjs/common';
import { ResilienceExecutorModule } from 'nest-resilience/executor';
import { ResilienceLlmModule } from 'nest-resilience/llm';
import { SampleConfig } from '../config/sample.config.js';
import { ASK_BACKEND, AskBackendModule, type AskBackend, type AskModuleOptions, type Env } from './ask.backend.js';
import { AskController } from './ask.controller.js';
import { ASK_EXECUTOR, ASK_MAX_TOKENS, ASK_MODEL, askExecutorOptions } from './ask.settings.js';
import { UsageController } from './usage.controller.js';

/**
 * `POST /ask` through the iModel `assistant`, which runs on the executor `llm` (lanes
 * `interactive` and `batch`), and `GET /ask/stats`; the model is metered by the application's
 * `CostTracker` (`SampleConfig.costs()`: the daily budget `SAMPLE_DAILY_BUDGET_USD`, the usage
 * log), which `GET /usage` reads. `npm run batch` uses the same module.
 */
@Module({})
export class AskModule {
  static register(env: Env = process.env, options: AskModuleOptions = {}): DynamicModule {
    const backend = AskBackendModule.register(env, options);
    return {
      module: AskModule,
      imports: [
        backend,
        // The cost tracker (injectable as CostTracker), validated at bootstrap; it meters `assistant`.
        ResilienceLlmModule.forRootAsync({
          costs: true,
          useFactory: () => ({ costs: new SampleConfig(env).costs() }),
        }),
        ResilienceExecutorModule.registerExecutorAsync({
          name: ASK_EXECUTOR,
          imports: [backend],
          inject: [ASK_BACKEND],
          useFactory: (b: AskBackend) => askExecutorOptions(env, b.target.simulated),
        }),
        ResilienceLlmModule.registerModelAsync({
          name: ASK_MODEL,
          executor: ASK_EXECUTOR,
          imports: [backend],
          inject: [ASK_BACKEND],
          useFactory: ({ target }: AskBackend) => ({
            provider: target.provider,
            model: target.model,
            apiKey: target.apiKey,
            maxTokens: ASK_MAX_TOKENS,
            timeoutMs: 60_000,
            ...(target.baseUrl !== undefined ? { baseUrl: target.baseUrl } : {}),
          }),
        }),
      ],
      controllers: [AskController, UsageController],
      exports: [backend],
    };
  }
}
