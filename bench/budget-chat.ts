/**
 * Section 10c (see bench/budget.ts): `iModel.chat` to the local OpenAI-compatible server without
 * and with a `CostTracker` holding a daily budget (memory ledger), 100 in flight, section 9's method.
 */
import { CostTracker } from '../libs/resilience/src/llm/cost/cost-tracker.js';
import { benchModel, CHAT_MESSAGES, startIModelBenchServer } from './imodel.js';
import { interleaved, overheadRows, type OverheadRow } from './lib/interleave.js';

/** Callers in flight in 10b and 10c. */
export const BUDGET_IN_FLIGHT = 100;
const HUGE_USD = 1e6;
const logger = { warn: () => undefined, log: () => undefined };

/** (c) `iModel.chat` without and with a CostTracker with a daily budget (memory), 100 in flight. */
export async function measureChatWithBudget(reps: number, perWorker: number): Promise<OverheadRow[]> {
  const server = await startIModelBenchServer();
  const daily = [{ name: 'bench-daily', limitUsd: HUGE_USD, window: 'day' as const }];
  const withBudget = CostTracker.create({ budgets: daily, usageLog: false }, { logger });
  const withAll = CostTracker.create({ budgets: daily }, { logger });
  const models = [
    benchModel('bench-plain', server.chatUrl),
    benchModel('bench-budget', server.chatUrl, undefined, withBudget),
    benchModel('bench-budget-usage', server.chatUrl, undefined, withAll),
  ];
  const variants = [
    { name: '`iModel.chat`, no CostTracker', base: 0, call: () => models[0]!.chat({ messages: CHAT_MESSAGES }) },
    {
      name: '`iModel.chat`, CostTracker: daily budget (memory), no usage log',
      base: 0,
      call: () => models[1]!.chat({ messages: CHAT_MESSAGES }),
    },
    {
      name: '`iModel.chat`, CostTracker: daily budget (memory) + usage log (default: in-memory aggregates)',
      base: 0,
      call: () => models[2]!.chat({ messages: CHAT_MESSAGES }),
    },
  ];
  try {
    const samples = await interleaved(variants, {
      reps,
      inFlight: BUDGET_IN_FLIGHT,
      perWorker,
      // Long enough for the JIT to settle (no forced gc between the warm-up and the reps).
      warmPerWorker: Math.max(10, perWorker),
      reset: server.reset,
    });
    return overheadRows(variants, samples);
  } finally {
    for (const m of models) await m.close();
    await withBudget.close();
    await withAll.close();
    await server.close();
  }
}
