// One replica of the Redis budget suite (test/budget-never-exceeded-redis.e2e-spec.ts): its own
// RedisStore and CostTracker (spend in the store's budget ledger, shared by every replica) and an
// iModel calling the suite's counting server. Driven over IPC with the protocol of
// test/support/replicas.ts. Run with `node --import ./bench/register.mjs`.
import { CostTracker, IModel, ModelRegistry, isBudgetExceededError } from 'nest-resilience/llm';
import { RedisStore } from 'nest-resilience/redis';
import { BUDGET, MAX_TOKENS, MODEL, PRICE, PROMPT_TOKENS, type FireResult, type WorkerConfig } from './redis-budget.js';
import { sharedNow } from '../support/shared-clock.js';

type Command = { cmd: 'fire'; calls: number; startAt: number } | { cmd: 'status' } | { cmd: 'exit' };

const config = JSON.parse(process.argv[2]!) as WorkerConfig;
const send = (msg: unknown) => process.send!(msg);
const quiet = { warn: () => undefined, log: () => undefined };
/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;

const store = await RedisStore.create({
  url: config.redisUrl,
  keyPrefix: config.keyPrefix,
  expectedReplicas: 3,
  logger: quiet,
});
const costs = CostTracker.create(
  {
    prices: { [MODEL]: PRICE },
    builtInPrices: false,
    usageLog: false,
    budgets: [{ name: BUDGET, limitUsd: config.limitNano / 1e9, window: 'day' }],
  },
  { store, logger: quiet },
);
const model = IModel.create(
  `budget-${config.name}`,
  {
    provider: 'openai',
    model: MODEL,
    apiKey: 'sk-test-budget-redis',
    baseUrl: config.apiBaseUrl,
    maxTokens: MAX_TOKENS,
    estimator: { estimateInput: () => PROMPT_TOKENS },
    executor: { concurrencyLimit: 50, requestsRate: 100_000, tokenCalibration: 'off' },
    costs,
  },
  { registry: new ModelRegistry<IModel>() },
);

async function fire(c: { calls: number; startAt: number }): Promise<FireResult> {
  await new Promise((r) => setTimeout(r, Math.max(0, c.startAt - now())));
  const results = await Promise.allSettled(
    Array.from({ length: c.calls }, (_, i) =>
      model.chat({ messages: [{ role: 'user', content: `${config.name} call ${i}` }] }),
    ),
  );
  const out: FireResult = { answered: 0, refused: 0, sumNano: 0, other: [], refusals: [] };
  for (const r of results) {
    if (r.status === 'fulfilled') {
      out.answered++;
      out.sumNano += r.value.cost?.nanoUsd ?? Number.NaN;
    } else if (isBudgetExceededError(r.reason)) {
      out.refused++;
      const e = r.reason;
      if (out.refusals.length < 5)
        out.refusals.push({
          budget: e.budget,
          limitUsd: e.limitUsd,
          spentUsd: e.spentUsd,
          reservedUsd: e.reservedUsd,
          resetsAt: e.resetsAt,
        });
    } else out.other.push(String((r.reason as Error)?.message ?? r.reason));
  }
  await costs.settled();
  return out;
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      if (m.cmd === 'fire') send({ ok: true, ...(await fire(m)) });
      else if (m.cmd === 'status') {
        const [status] = await costs.budgetStatus();
        send({ ok: true, status });
      } else if (m.cmd === 'exit') {
        await model.close();
        await costs.close();
        await store.close();
        send({ ok: true });
        process.disconnect();
      }
    } catch (error) {
      send({ ok: false, error: String((error as Error)?.stack ?? error) });
    }
  })();
});
process.on('unhandledRejection', (reason) => send({ ok: false, unhandled: String(reason) }));
send({ ready: true });
