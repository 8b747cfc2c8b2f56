import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import {
  startSimulatedOpenAI,
  type SimulatedOpenAI,
  type SimulatedOpenAIOptions,
} from '../llm-sim/simulated-openai.server.js';
import { externalSimUrl, providerFromEnv, SIM_DEMO_KEY, simSettings, type AskTarget } from './ask.settings.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Injection token of the {@link AskBackend}: what `/ask` calls, and the simulator when there is one. */
export const ASK_BACKEND = 'SAMPLE:ASK_BACKEND';

/** What `/ask` calls: the provider, and the simulated server the sample started (if it did). */
export interface AskBackend {
  target: AskTarget;
  /** The simulator started by this application (stopped with it). */
  sim?: SimulatedOpenAI;
}

/** Options of {@link AskModule.register} (tests: a faster simulator). */
export interface AskModuleOptions {
  /** Merged over the simulator's settings from `SIM_LLM_*`. */
  simulator?: Partial<SimulatedOpenAIOptions>;
}

/** Picks the provider, or starts the simulator and says so loudly. */
async function createBackend(env: Env, options: AskModuleOptions): Promise<AskBackend> {
  const logger = new Logger('Ask');
  const real = providerFromEnv(env);
  if (real !== undefined) {
    logger.log(`POST /ask calls ${real.provider} (${real.model}) with the key from the environment`);
    return { target: real };
  }
  const simulated = { provider: 'openai', model: 'gpt-4o-mini', apiKey: SIM_DEMO_KEY, simulated: true } as const;
  const external = externalSimUrl(env);
  if (external !== undefined) {
    logger.warn(`No provider key: POST /ask calls the SIMULATED OpenAI-compatible server at ${external} (SIM_LLM_URL)`);
    return { target: { ...simulated, baseUrl: external } };
  }
  const settings = simSettings(env);
  const sim = await startSimulatedOpenAI({ ...settings, apiKey: SIM_DEMO_KEY, ...options.simulator });
  logger.warn(
    `No provider key in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY): POST /ask answers ` +
      `from a SIMULATED OpenAI-compatible server at ${sim.url} (${settings.requestsPerWindow} requests, ` +
      `${settings.tokensPerWindow} tokens per ${settings.windowMs} ms; SIM_LLM_* to change). Not a real model.`,
  );
  return { target: { ...simulated, baseUrl: sim.url }, sim };
}

/** Stops the simulator the application started, after the HTTP server and the executors. */
@Injectable()
export class AskLifecycle implements OnApplicationShutdown {
  constructor(@Inject(ASK_BACKEND) private readonly backend: AskBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.sim?.close();
  }
}

/** Holds the {@link AskBackend} (global inside the app, so the executor and model factories can inject it). */
@Module({})
export class AskBackendModule {
  static register(env: Env, options: AskModuleOptions): DynamicModule {
    return {
      module: AskBackendModule,
      providers: [{ provide: ASK_BACKEND, useFactory: () => createBackend(env, options) }, AskLifecycle],
      exports: [ASK_BACKEND],
    };
  }
}
