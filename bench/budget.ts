/**
 * Section 10, budgets (issue 12): what a budget reservation and its settlement cost per call.
 *   (a) memory: `BudgetGuard.reserve` + `settle` on a `MemoryBudgetLedger`, 1 and 3 budgets applying;
 *   (b) Redis: the same on `RedisStore.createBudgetLedger`, next to a raw `PING` and a raw `EVALSHA`
 *       of a trivial script on the same ioredis connection, sequential and 100 in flight; the
 *       commands the ledger sends are counted (the client's `sendCommand`, wrapped on this instance);
 *   (c) end to end: `iModel.chat` to the local OpenAI-compatible server, without and with a
 *       `CostTracker` holding a daily budget (memory ledger), 100 in flight (section 9's method).
 * Limits are far above the load: every call is admitted. Variants interleave (alternating order,
 * gc before each rep); figures are medians over reps. Everything printed comes from the run.
 *   node --expose-gc --import ./bench/register.mjs bench/budget.ts     (this section alone)
 *   npm run bench -- --sections=10                                      (as section 10 of bench/run.ts)
 * Env: REDIS_URL (default redis://127.0.0.1:6379).
 */
import { Redis } from 'ioredis';
import { systemClock } from '../libs/resilience/src/core/clock.js';
import { MemoryBudgetLedger } from '../libs/resilience/src/core/store/memory-budget-ledger.js';
import type { BudgetLedger } from '../libs/resilience/src/core/store/store.js';
import { BudgetGuard, type BudgetCall } from '../libs/resilience/src/llm/budget/budget-guard.js';
import type { BudgetOptions } from '../libs/resilience/src/llm/budget/budget.options.js';
import { RedisStore } from '../libs/resilience/src/redis/redis-store.js';
import { BUDGET_IN_FLIGHT, measureChatWithBudget } from './budget-chat.js';
import { overheadTable } from './executor.js';
import { BENCH_MODEL } from './imodel.js';
import { redisAnswers } from './redis-acquire.js';
import { fmt, fullGc, median, timeConcurrent, timeSequential } from './lib/stats.js';
import { markdownTable, type TargetRow } from './lib/report.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `nrs-bench-budget:${process.pid}:`;
const CALL: BudgetCall = { model: BENCH_MODEL, provider: 'openai' };
const HUGE_USD = 1e6;
/** One budget (global, daily) or three (global, model, provider), none binding. */
const budgetsOf = (n: 1 | 3): BudgetOptions[] =>
  [
    { name: 'bench-global', limitUsd: HUGE_USD, window: 'day' as const },
    { name: 'bench-model', limitUsd: HUGE_USD, scope: 'model' as const, window: 'day' as const },
    { name: 'bench-provider', limitUsd: HUGE_USD, scope: 'provider' as const, window: 'day' as const },
  ].slice(0, n);
const logger = { warn: () => undefined, log: () => undefined };

/** One reservation (1,000 nano-USD) and its settlement (900): the work a metered call adds. */
async function reserveSettle(guard: BudgetGuard): Promise<void> {
  const hold = await guard.reserve(CALL, 1000);
  if (hold === undefined) throw new Error('bench: no budget applied');
  await guard.settle(hold, 900);
}

/** A row of the micro tables: µs per call, sequential and in flight, medians over reps. */
export interface BudgetRow {
  name: string;
  seqUs: number;
  seqMin: number;
  seqMax: number;
  /** Calls per second with BUDGET_IN_FLIGHT in flight. */
  perSec: number;
  /** Sequential time ÷ the base row's in the same rep (paired median). */
  vsBase: number | undefined;
}

interface Micro {
  name: string;
  call: () => Promise<unknown>;
  base?: number;
}

async function measureMicro(
  variants: readonly Micro[],
  reps: number,
  seq: number,
  perWorker: number,
): Promise<BudgetRow[]> {
  for (const v of variants) await timeSequential(v.call, Math.min(seq, 2000)); // warm-up: scripts loaded, JIT
  const seqNs = variants.map((): number[] => []);
  const perSec = variants.map((): number[] => []);
  for (let r = 0; r < reps; r++) {
    const order = variants.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      fullGc();
      seqNs[i]!.push(await timeSequential(variants[i]!.call, seq));
      perSec[i]!.push(await timeConcurrent(variants[i]!.call, BUDGET_IN_FLIGHT, perWorker));
    }
  }
  return variants.map((v, i) => ({
    name: v.name,
    seqUs: median(seqNs[i]!) / 1000,
    seqMin: Math.min(...seqNs[i]!) / 1000,
    seqMax: Math.max(...seqNs[i]!) / 1000,
    perSec: median(perSec[i]!),
    vsBase: v.base === undefined ? undefined : median(seqNs[i]!.map((ns, r) => ns / seqNs[v.base!]![r]!)),
  }));
}

export function budgetTable(rows: readonly BudgetRow[], baseName: string): string {
  return markdownTable(
    [
      'variant',
      'µs / call sequential (median, min–max)',
      `calls/s, ${BUDGET_IN_FLIGHT} in flight`,
      `× ${baseName} (paired)`,
    ],
    rows.map((r) => [
      r.name,
      `${fmt(r.seqUs, 2)} (${fmt(r.seqUs === 0 ? 0 : r.seqMin, 2)}–${fmt(r.seqMax, 2)})`,
      fmt(r.perSec),
      r.vsBase === undefined ? '–' : fmt(r.vsBase, 2),
    ]),
  );
}

function guardOn(ledger: BudgetLedger, n: 1 | 3): BudgetGuard {
  return BudgetGuard.create(budgetsOf(n), { ledger, logger, clock: systemClock });
}

/** (a) memory ledger, 1 and 3 budgets. */
export async function measureMemoryBudget(reps: number, seq: number, perWorker: number): Promise<BudgetRow[]> {
  const g1 = guardOn(MemoryBudgetLedger.create(), 1);
  const g3 = guardOn(MemoryBudgetLedger.create(), 3);
  const noop = async () => undefined;
  try {
    return await measureMicro(
      [
        { name: 'an empty async call (floor)', call: noop },
        { name: 'reserve + settle, memory ledger, 1 budget', call: () => reserveSettle(g1), base: 0 },
        { name: 'reserve + settle, memory ledger, 3 budgets', call: () => reserveSettle(g3), base: 0 },
      ],
      reps,
      seq,
      perWorker,
    );
  } finally {
    await g1.idle();
    await g3.idle();
    await g1.close();
    await g3.close();
  }
}

/** Commands one operation sends, counted on the client (median over `n` operations). */
export interface RoundTrips {
  reserve: number;
  settle: number;
  /** Operations counted. */
  n: number;
  /** Command names seen. */
  commands: string;
}

/** (b) Redis: rows plus the round trips counted per reserve and per settle. */
export async function measureRedisBudget(
  reps: number,
  seq: number,
  perWorker: number,
): Promise<{ rows: BudgetRow[]; trips: RoundTrips[] } | undefined> {
  if (!(await redisAnswers())) return undefined;
  const client = new Redis(url);
  const store = new RedisStore({ client, keyPrefix: prefix, logger });
  let sent = 0;
  const names = new Set<string>();
  const original = client.sendCommand.bind(client);
  (client as { sendCommand: typeof client.sendCommand }).sendCommand = ((cmd: { name: string }, ...rest: unknown[]) => {
    sent++;
    names.add(cmd.name);
    return (original as (...a: unknown[]) => unknown)(cmd, ...rest);
  }) as typeof client.sendCommand;
  const ledger = store.createBudgetLedger(systemClock);
  const g1 = guardOn(ledger, 1);
  const g3 = guardOn(ledger, 3);
  const sha = (await client.script('LOAD', 'return 1')) as string;
  try {
    for (let i = 0; i < 50; i++) await reserveSettle(g3); // scripts loaded
    const trips: RoundTrips[] = [];
    for (const [n, g] of [
      [1, g1],
      [3, g3],
    ] as const) {
      const res: number[] = [];
      const set: number[] = [];
      names.clear();
      const count = 200;
      for (let i = 0; i < count; i++) {
        const s0 = sent;
        const hold = await g.reserve(CALL, 1000);
        const s1 = sent;
        await g.settle(hold!, 900);
        await g.idle();
        res.push(s1 - s0);
        set.push(sent - s1);
      }
      trips.push({
        reserve: median(res),
        settle: median(set),
        n: count,
        commands: `${n} budget(s): ${[...names].join(', ')}`,
      });
    }
    const rows = await measureMicro(
      [
        { name: 'raw `PING` (ioredis, same connection)', call: () => client.ping() },
        { name: 'raw `EVALSHA` of `return 1` (same connection)', call: () => client.evalsha(sha, 0), base: 0 },
        {
          name: '`reserve` only, Redis ledger, 1 budget (its hold expires)',
          call: () => g1.reserve(CALL, 1000),
          base: 0,
        },
        { name: 'reserve + settle, Redis ledger, 1 budget', call: () => reserveSettle(g1), base: 0 },
        { name: 'reserve + settle, Redis ledger, 3 budgets', call: () => reserveSettle(g3), base: 0 },
      ],
      reps,
      seq,
      perWorker,
    );
    return { rows, trips };
  } finally {
    await g1.idle();
    await g3.idle();
    await g1.close();
    await g3.close();
    let cursor = '0';
    for (let i = 0; i < 1000; i++) {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await client.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
    client.disconnect();
  }
}

/** Runs the section and emits its tables; returns its target rows (round trips: 1 per reserve, 1 per settle). */
export async function runBudgetSection(emit: (s: string) => void, quick: boolean, reps: number): Promise<TargetRow[]> {
  const seq = quick ? 2000 : 10_000;
  const perWorker = quick ? 20 : 100;
  const targets: TargetRow[] = [];
  emit(
    `### 10a. Memory ledger: ${fmt(seq)} sequential calls per rep, then ${BUDGET_IN_FLIGHT} in flight × ${perWorker}\n`,
  );
  const mem = await measureMemoryBudget(reps, seq, perWorker);
  emit(budgetTable(mem, 'the empty call') + '\n');
  emit(
    `### 10b. Redis ledger (${url}): ${fmt(seq)} sequential calls per rep, then ${BUDGET_IN_FLIGHT} in flight × ${perWorker}, one ioredis connection\n`,
  );
  const redis = await measureRedisBudget(reps, quick ? 1000 : 3000, perWorker);
  if (redis === undefined) {
    emit(`Skipped: no Redis answers at ${url}.\n`);
  } else {
    emit(budgetTable(redis.rows, 'PING') + '\n');
    emit(
      markdownTable(
        [
          'budgets',
          'commands per reserve (median)',
          'commands per settle (median)',
          'operations counted',
          'commands seen',
        ],
        redis.trips.map((t, i) => [i === 0 ? '1' : '3', fmt(t.reserve), fmt(t.settle), fmt(t.n), t.commands]),
      ) + '\n',
    );
    const ping = redis.rows[0]!;
    const reserve = redis.rows[2]!;
    targets.push({
      section: '10',
      target: 'Redis budget: 1 round trip per reserve and 1 per settle (1 and 3 budgets)',
      ours: redis.trips.map((t, i) => `${i === 0 ? 1 : 3} budget(s): ${t.reserve} + ${t.settle}`).join('; '),
      comparator: `reserve ${fmt(reserve.seqUs, 1)} µs = ${fmt(reserve.vsBase, 2)}× PING ${fmt(ping.seqUs, 1)} µs`,
      pass: redis.trips.every((t) => t.reserve === 1 && t.settle === 1),
    });
  }
  emit(
    `### 10c. \`iModel.chat\` to the local OpenAI-compatible server, ${BUDGET_IN_FLIGHT} in flight, without and with a CostTracker\n`,
  );
  const chat = await measureChatWithBudget(reps, quick ? 10 : 30);
  emit(overheadTable(chat) + '\n');
  return targets;
}

if (process.argv[1]?.endsWith('budget.ts')) {
  const quick = process.argv.includes('--quick');
  await runBudgetSection((s) => console.log(s), quick, quick ? 3 : 7);
}
