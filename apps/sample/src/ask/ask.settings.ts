// What `POST /ask` and `npm run batch` talk to, from the environment: a provider when its key is
// set, else the local simulated OpenAI-compatible server (llm-sim/), and the executor's limits
// (a little under the simulator's, so that the executor, not the server, does the waiting).
import type { ExecutorOptions } from 'nest-resilience/executor';
import type { ProviderName } from 'nest-resilience/llm';
import { simOptionsFromEnv, type SimEnvOptions } from '../llm-sim/sim-limits.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Name of the executor (ResilienceExecutorModule) and of the iModel (ResilienceLlmModule) of `/ask`. */
export const ASK_EXECUTOR = 'llm';
export const ASK_MODEL = 'assistant';

/** The two lanes: `/ask` calls go first; the batch may take at most 70% of every limit. */
export const ASK_LANES = ['interactive', 'batch'] as const;
export type AskLane = (typeof ASK_LANES)[number];

/** The key the sample sends to its simulator (which checks it). Not a secret. */
export const SIM_DEMO_KEY = 'sk-sample-simulator';

/** The provider `/ask` calls. */
export interface AskTarget {
  provider: ProviderName;
  model: string;
  /** Set for the simulator (`http://127.0.0.1:<port>/v1`) or `LLM_BASE_URL`. */
  baseUrl?: string;
  apiKey: string;
  /** True when the answers come from the simulated server. */
  simulated: boolean;
}

const KEYS: readonly [string, ProviderName, string][] = [
  ['OPENAI_API_KEY', 'openai', 'gpt-4o-mini'],
  ['ANTHROPIC_API_KEY', 'anthropic', 'claude-haiku-4-5'],
  ['GEMINI_API_KEY', 'gemini', 'gemini-2.5-flash'],
];

/** The provider whose key is set (first of OpenAI, Anthropic, Gemini), or undefined: simulate. `LLM_MODEL` overrides the model. */
export function providerFromEnv(env: Env): AskTarget | undefined {
  for (const [variable, provider, model] of KEYS) {
    const key = env[variable];
    if (key === undefined || key.trim() === '') continue;
    const baseUrl = env.LLM_BASE_URL;
    return {
      provider,
      model: env.LLM_MODEL || model,
      apiKey: key,
      simulated: false,
      ...(baseUrl ? { baseUrl } : {}),
    };
  }
  return undefined;
}

/**
 * The simulator's settings: `SIM_LLM_*` (llm-sim/sim-limits.ts), with the sample's defaults when
 * unset: 500 requests and 200 000 tokens per 10 s window, so that a 3,000-prompt batch takes
 * about a minute and a half.
 */
export function simSettings(env: Env): SimEnvOptions {
  return simOptionsFromEnv({ SIM_LLM_REQUESTS: '500', SIM_LLM_TOKENS: '200000', ...env });
}

/** The simulator's URL when `SIM_LLM_URL` points at a running one (e.g. the sample's, for a batch). */
export function externalSimUrl(env: Env): string | undefined {
  const url = env.SIM_LLM_URL?.trim();
  return url ? url.replace(/\/+$/, '') : undefined;
}

/** Default answer length cap of `/ask` (keeps each call's token reservation small). */
export const ASK_MAX_TOKENS = 96;

/**
 * The executor in front of the provider. Against the simulator: its limits at 90% on the same
 * sliding window (so the server's 429s are not needed), 16 calls at once. Against a real
 * provider: `LLM_CONCURRENCY` (4), `LLM_REQUESTS_PER_MIN` (50), `LLM_TOKENS_PER_MIN` (100 000).
 */
export function askExecutorOptions(env: Env, simulated: boolean): ExecutorOptions {
  const lanes = [
    { name: 'interactive', reserve: 0.2 },
    { name: 'batch', maxShare: 0.7 },
  ];
  const common = {
    queueCapacity: 10_000,
    lanes,
    defaultLane: 'interactive',
    retry: { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 5_000 },
  } satisfies Partial<ExecutorOptions>;
  if (simulated) {
    const sim = simSettings(env);
    return {
      ...common,
      concurrencyLimit: 16,
      algorithm: 'sliding-window',
      requestsRate: Math.max(1, Math.floor(sim.requestsPerWindow * 0.9)),
      requestsPeriodMs: sim.windowMs,
      apiTokensRate: Math.max(1, Math.floor(sim.tokensPerWindow * 0.9)),
      apiTokensPeriodMs: sim.windowMs,
    };
  }
  const n = (v: string, d: number) => (env[v] !== undefined && Number(env[v]) > 0 ? Number(env[v]) : d);
  return {
    ...common,
    concurrencyLimit: n('LLM_CONCURRENCY', 4),
    requestsRate: n('LLM_REQUESTS_PER_MIN', 50),
    requestsPeriodMs: 60_000,
    apiTokensRate: n('LLM_TOKENS_PER_MIN', 100_000),
    apiTokensPeriodMs: 60_000,
  };
}
