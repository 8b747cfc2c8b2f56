// Shared set-up of the Redis budget suite and its worker (see test/budget-never-exceeded.e2e-spec.ts
// for why these numbers make the worst case of a call equal its actual cost, in integer nano-USD).
import type { ModelPrice } from 'nest-resilience/llm';

export const MODEL = 'budget-redis-e2e-model';
export const BUDGET = 'global-redis-e2e';
export const PRICE: ModelPrice = { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 }; // 100 / 200 nano-USD
export const PROMPT_TOKENS = 11;
export const MAX_TOKENS = 40;

/** What a worker is started with. */
export interface WorkerConfig {
  name: string;
  redisUrl: string;
  keyPrefix: string;
  apiBaseUrl: string;
  limitNano: number;
}

/** What a worker's `fire` answers: its calls' outcomes. */
export interface FireResult {
  answered: number;
  refused: number;
  /** Σ cost of its answered calls, nano-USD. */
  sumNano: number;
  /** Errors other than BudgetExceededError (there must be none). */
  other: string[];
  /** The first refusals' fields. */
  refusals: Array<{ budget: string; limitUsd: number; spentUsd: number; reservedUsd: number; resetsAt: string }>;
}
