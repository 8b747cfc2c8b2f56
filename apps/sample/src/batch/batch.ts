// `npm run batch`: N prompts (default 3000) in the executor's `batch` lane, with a progress bar and
// a summary. Two ways:
// - `SAMPLE_URL=http://127.0.0.1:3000 npm run batch` (or `--url`): through the running sample's
//   `POST /ask` with `lane: 'batch'`, so the very executor and server that serve `/ask`;
// - `npm run batch` alone: the sample's ask module in this process, with its own simulated
//   server (or the one at `SIM_LLM_URL`; its limits are then shared only with `REDIS_URL`).
// Options: --count (BATCH_COUNT), --concurrency (BATCH_CONCURRENCY, 64), --max-seconds
// (BATCH_MAX_SECONDS, 900), --probe-ms (BATCH_PROBE_MS, 1000: an interactive call that often),
// --budget-usd (in this process only: SAMPLE_DAILY_BUDGET_USD of its ask module; through a running
// sample its own budget applies). The summary prints the cost, the prompts a budget refused, the
// budgets' windows and (in this process) the budget warnings. Exit code 1 when a prompt failed or was refused.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ResilienceModule } from 'nest-resilience';
import { CostTracker, getIModelToken, type IModel } from 'nest-resilience/llm';
import { ASK_BACKEND, type AskBackend } from '../ask/ask.backend.js';
import { AskModule } from '../ask/ask.module.js';
import { ASK_MODEL, externalSimUrl } from '../ask/ask.settings.js';
import { createProgress } from './batch-progress.js';
import { askOverHttp, formatSummary, runBatch, type BatchSummary, type BudgetLine } from './batch-run.js';

function arg(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[env];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} / ${env} must be a number >= 0 (got ${raw})`);
  return n;
}

/** `--budget-usd <n>`, when given (a string for SAMPLE_DAILY_BUDGET_USD). */
function budgetArg(): string | undefined {
  const i = process.argv.indexOf('--budget-usd');
  return i >= 0 ? (process.argv[i + 1] ?? '') : undefined;
}

const exitCodeOf = (s: BatchSummary) => (s.failed > 0 || s.refused > 0 ? 1 : 0);

function urlArg(): string | undefined {
  const i = process.argv.indexOf('--url');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.SAMPLE_URL;
  return raw ? raw.replace(/\/+$/, '') : undefined;
}

async function readRateLimited(statsUrl: string, pick: (b: Record<string, unknown>) => unknown) {
  try {
    const res = await fetch(statsUrl);
    const n = pick((await res.json()) as Record<string, unknown>);
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const count = Math.floor(arg('count', 'BATCH_COUNT', 3000));
  const common = {
    count,
    concurrency: arg('concurrency', 'BATCH_CONCURRENCY', 64),
    maxSeconds: arg('max-seconds', 'BATCH_MAX_SECONDS', 900),
    probeEveryMs: arg('probe-ms', 'BATCH_PROBE_MS', 1000),
    progress: createProgress(count),
  };
  const url = urlArg();
  const budget = budgetArg();
  if (url !== undefined) {
    if (budget !== undefined)
      throw new Error(
        '--budget-usd applies to a batch in this process; the running sample has its own SAMPLE_DAILY_BUDGET_USD',
      );
    console.log(`Batch: ${count} prompts in lane 'batch' through ${url}/ask (the sample's executor and server)`);
    const summary = await runBatch({
      ...common,
      ask: askOverHttp(url),
      serverRateLimited: () =>
        readRateLimited(`${url}/ask/stats`, (b) => (b.simulator as { rateLimited?: unknown })?.rateLimited),
      budgets: async () => {
        const res = await fetch(`${url}/usage`).catch(() => undefined);
        return res?.ok === true ? ((await res.json()) as { budgets?: BudgetLine[] }).budgets : undefined;
      },
    });
    for (const line of formatSummary(summary)) console.log(line);
    process.exitCode = exitCodeOf(summary);
    return;
  }

  const env = budget !== undefined ? { ...process.env, SAMPLE_DAILY_BUDGET_USD: budget } : process.env;
  @Module({ imports: [ResilienceModule.forRoot(), AskModule.register(env)] })
  class BatchModule {}
  const app = await NestFactory.createApplicationContext(BatchModule, { logger: ['log', 'warn', 'error'] });
  try {
    const model = app.get<IModel>(getIModelToken(ASK_MODEL));
    const backend = app.get<AskBackend>(ASK_BACKEND);
    const costs = app.get(CostTracker);
    const warnings: string[] = [];
    costs.onWarning((w) =>
      warnings.push(
        `budget '${w.budget}' reached ${Math.round(w.threshold * 100)}%: ${w.spentUsd.toFixed(6)} of ${w.limitUsd} USD spent`,
      ),
    );
    const external = externalSimUrl(process.env);
    console.log(
      `Batch: ${count} prompts in lane 'batch' through the executor '${model.executor.name}' of this process`,
    );
    const summary = await runBatch({
      ...common,
      ask: async (prompt, lane, signal) => {
        const r = await model.chat({ messages: [{ role: 'user', content: prompt }], lane, signal });
        return {
          inputTokens: r.usage?.inputTokens ?? 0,
          outputTokens: r.usage?.outputTokens ?? 0,
          costUsd: r.cost?.usd ?? null,
        };
      },
      budgets: async () => {
        await costs.settled();
        return costs.budgetStatus();
      },
      warnings: () => warnings,
      serverRateLimited: async () =>
        backend.sim !== undefined
          ? backend.sim.stats().rateLimited
          : external !== undefined
            ? readRateLimited(`${new URL(external).origin}/sim/stats`, (b) => b.rateLimited)
            : undefined,
    });
    for (const line of formatSummary(summary)) console.log(line);
    process.exitCode = exitCodeOf(summary);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
