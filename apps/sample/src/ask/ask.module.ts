import { Module, type DynamicModule } from '@nestjs/common';
import { ResilienceExecutorModule } from 'nest-resilience/executor';
import { ResilienceLlmModule } from 'nest-resilience/llm';
import { ASK_BACKEND, AskBackendModule, type AskBackend, type AskModuleOptions, type Env } from './ask.backend.js';
import { AskController } from './ask.controller.js';
import { ASK_EXECUTOR, ASK_MAX_TOKENS, ASK_MODEL, askExecutorOptions } from './ask.settings.js';

/**
 * `POST /ask` through the iModel `assistant`, which runs on the executor `llm` (lanes
 * `interactive` and `batch`), and `GET /ask/stats`. `npm run batch` uses the same module.
 */
@Module({})
export class AskModule {
  static register(env: Env = process.env, options: AskModuleOptions = {}): DynamicModule {
    const backend = AskBackendModule.register(env, options);
    return {
      module: AskModule,
      imports: [
        backend,
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
      controllers: [AskController],
      exports: [backend],
    };
  }
}
