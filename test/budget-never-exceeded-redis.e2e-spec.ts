// A budget is never exceeded across replicas: three processes, each with its own RedisStore and
// CostTracker on one key prefix, fire ~200 concurrent calls against a budget that admits exactly N;
// the one counting server (in this process) sees exactly N. Restarting the replicas keeps the spend.
import { afterEach, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { worstCaseNanoUsd } from 'nest-resilience/llm';
import { uniquePrefix } from '../libs/resilience/src/redis/testing-support/redis-server.js';
import { useTestRedis } from '../libs/resilience/src/redis/testing-support/use-test-redis.js';
import { startCountingServer, type CountingServer } from './budget/counting-openai-server.js';
import { BUDGET, MAX_TOKENS, PRICE, PROMPT_TOKENS, type FireResult } from './budget/redis-budget.js';
import { spawnAll, stopAll, type Replica } from './support/replicas.js';
import { sharedNow } from './support/shared-clock.js';

const workerScript = fileURLToPath(new URL('./budget/redis-budget-worker.ts', import.meta.url));
const WORST = worstCaseNanoUsd(PROMPT_TOKENS, MAX_TOKENS, PRICE);
const N = 37;
const LIMIT_NANO = N * WORST;
const PER_WORKER = 67; // 201 concurrent calls in all
/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;

type Status = { budget: string; spentUsd: number; reservedUsd: number; remainingUsd: number };

describe('a budget is never exceeded (Redis store, three processes)', () => {
  const t = useTestRedis();
  let server: CountingServer | undefined;
  let workers: Replica[] = [];

  const spawn = (keyPrefix: string) =>
    spawnAll(
      ['A', 'B', 'C'].map((name) => ({
        name,
        redisUrl: t.url,
        keyPrefix,
        apiBaseUrl: server!.apiBaseUrl,
        limitNano: LIMIT_NANO,
      })),
      workerScript,
    );
  /** Every worker fires `calls[i]` concurrent calls, all starting at one instant. */
  const fire = async (calls: number[]) => {
    const startAt = now() + 300;
    const results = await Promise.all(
      workers.map((w, i) => w.request<FireResult>({ cmd: 'fire', calls: calls[i], startAt }, 60_000)),
    );
    for (const r of results) expect(r.other).toEqual([]);
    return results;
  };
  const status = async (w: Replica) => (await w.request<{ status: Status }>({ cmd: 'status' })).status;
  const total = (rs: FireResult[], k: 'answered' | 'refused' | 'sumNano') => rs.reduce((n, r) => n + r[k], 0);

  afterEach(async () => {
    expect(workers.filter((w) => w.crashed())).toHaveLength(0);
    await stopAll(workers);
    workers = [];
    await server?.close();
    server = undefined;
  }, 30_000);

  const setup = async () => {
    server = await startCountingServer({ promptTokens: PROMPT_TOKENS, outputTokens: (max) => max, delayMs: 5 });
    const keyPrefix = uniquePrefix('e2e-budget');
    t.prefixes.push(keyPrefix);
    workers = await spawn(keyPrefix);
    return keyPrefix;
  };

  it(`${3 * PER_WORKER} concurrent calls from three replicas: the provider sees exactly ${N}, the rest get BudgetExceededError, spent = Σ actual`, async () => {
    await setup();
    const results = await fire([PER_WORKER, PER_WORKER, PER_WORKER]);
    expect(server!.requests()).toBe(N);
    expect(total(results, 'answered')).toBe(N);
    expect(total(results, 'refused')).toBe(3 * PER_WORKER - N);
    expect(total(results, 'sumNano')).toBe(LIMIT_NANO);
    for (const e of results.flatMap((r) => r.refusals)) {
      expect(e).toMatchObject({ budget: BUDGET, limitUsd: LIMIT_NANO / 1e9 });
      expect(e.spentUsd + e.reservedUsd + WORST / 1e9).toBeGreaterThan(LIMIT_NANO / 1e9);
      expect(Number.isNaN(Date.parse(e.resetsAt))).toBe(false);
    }
    // Every replica reads the same settled spend from Redis: the limit, nothing reserved.
    for (const w of workers) {
      const s = await status(w);
      expect(s).toMatchObject({ budget: BUDGET, reservedUsd: 0 });
      expect(Math.round(s.spentUsd * 1e9)).toBe(LIMIT_NANO);
    }
  }, 90_000);

  it('a restart keeps the spend: new replicas on the same prefix send the provider nothing more', async () => {
    const keyPrefix = await setup();
    await fire([PER_WORKER, PER_WORKER, PER_WORKER]);
    expect(server!.requests()).toBe(N);
    await stopAll(workers);
    workers = await spawn(keyPrefix);
    const again = await fire([PER_WORKER, PER_WORKER, PER_WORKER]);
    expect(server!.requests()).toBe(N);
    expect(total(again, 'answered')).toBe(0);
    expect(total(again, 'refused')).toBe(3 * PER_WORKER);
    expect(Math.round((await status(workers[0]!)).spentUsd * 1e9)).toBe(LIMIT_NANO);
  }, 90_000);

  it('K calls, a restart, then 200 concurrent calls: the provider sees exactly N − K more', async () => {
    const K = 10;
    const keyPrefix = await setup();
    const first = await fire([K, 0, 0]);
    expect(total(first, 'answered')).toBe(K);
    expect(server!.requests()).toBe(K);
    await stopAll(workers);
    workers = await spawn(keyPrefix);
    const before = await status(workers[1]!);
    expect(Math.round(before.spentUsd * 1e9)).toBe(K * WORST);
    const rest = await fire([PER_WORKER, PER_WORKER, PER_WORKER]);
    expect(server!.requests()).toBe(N);
    expect(total(rest, 'answered')).toBe(N - K);
    expect(total(rest, 'sumNano')).toBe((N - K) * WORST);
    const after = await status(workers[2]!);
    expect(after.reservedUsd).toBe(0);
    expect(Math.round(after.spentUsd * 1e9)).toBe(LIMIT_NANO);
  }, 90_000);
});
