// The batch itself: N prompts in lane `batch`, a bounded number in flight, a time bound, and a few
// interactive probes alongside (what `/ask` users see meanwhile); what they cost, and the prompts a
// budget refused. Used by batch.ts and the e2e specs.
import { setMaxListeners } from 'node:events';
import { isBudgetExceededError } from 'nest-resilience/llm';
import { createProgress, type BatchProgress } from './batch-progress.js';

/** What one answered prompt used: tokens, and its cost in USD (`null`/absent: not priced). */
export interface AskUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd?: number | null;
}

/** One model call of the batch (or a probe); rejects with `status` set when an HTTP answer failed. */
export type AskFn = (prompt: string, lane: 'interactive' | 'batch', signal: AbortSignal) => Promise<AskUsage>;

/** A budget's window as the summary prints it (`BudgetStatus` of `nest-resilience/llm`, or `GET /usage`'s). */
export interface BudgetLine {
  budget: string;
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  windowId: string;
  resetsAt: string;
}

/** Options of {@link runBatch}. */
export interface BatchOptions {
  count: number;
  ask: AskFn;
  /** Prompts in flight at once (the executor queues them in its batch lane). Default 64. */
  concurrency?: number;
  /** Past this the remaining prompts are cancelled. Default 900 s. */
  maxSeconds?: number;
  /** An interactive call every this many ms while the batch runs (0: none). Default 1000. */
  probeEveryMs?: number;
  /** The server's 429 count (the simulator's stats), read before and after. */
  serverRateLimited?: () => Promise<number | undefined>;
  /** The budgets' windows, read at the end (the summary's `budget` lines). */
  budgets?: () => Promise<readonly BudgetLine[] | undefined>;
  /** Budget warnings seen during the batch (log lines), read at the end. */
  warnings?: () => readonly string[];
  progress?: BatchProgress;
}

/** What {@link runBatch} reports. */
export interface BatchSummary {
  count: number;
  done: number;
  /** Prompts that failed (refusals by a budget not included). */
  failed: number;
  /** Prompts a budget refused before they reached the model (402 / `BudgetExceededError`). */
  refused: number;
  cancelled: number;
  /** 429 answers the batch itself received (after the executor's retries). */
  rateLimitedSeen: number;
  /** 429s the server sent during the batch (the executor retried them), when known. */
  serverRateLimited: number | undefined;
  inputTokens: number;
  outputTokens: number;
  /** USD of the answered prompts (their reported usage at the model's price). */
  costUsd: number;
  /** Answered prompts that had a price. */
  pricedCalls: number;
  durationMs: number;
  interactive: { calls: number; failed: number; rateLimited: number; medianMs: number; maxMs: number };
  /** First few failure messages. */
  errors: string[];
  /** The first refusal's message. */
  firstRefusal: string | undefined;
  budgets: readonly BudgetLine[];
  warnings: readonly string[];
}

const prompt = (i: number) => `Summarise item #${i + 1} of the nightly batch in one sentence.`;

/** A budget refusal: `BudgetExceededError` in process, 402 over HTTP. */
export function isRefused(error: unknown): boolean {
  return isBudgetExceededError(error) || (error as { status?: unknown })?.status === 402;
}

function isRateLimited(error: unknown): boolean {
  const e = error as { status?: unknown; statusCode?: unknown; name?: unknown };
  return e?.status === 429 || e?.statusCode === 429 || e?.name === 'UpstreamRateLimitError';
}

/** Runs the batch; resolves with the summary (never rejects on a failed prompt). */
export async function runBatch(options: BatchOptions): Promise<BatchSummary> {
  const { count, ask } = options;
  const progress = options.progress ?? createProgress(count, 'silent');
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per prompt in flight
  const bound = setTimeout(
    () => abort.abort(new Error('batch time bound reached')),
    (options.maxSeconds ?? 900) * 1000,
  );
  const before = await options.serverRateLimited?.();
  const s: BatchSummary = {
    count,
    done: 0,
    failed: 0,
    refused: 0,
    cancelled: 0,
    rateLimitedSeen: 0,
    serverRateLimited: undefined,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    pricedCalls: 0,
    durationMs: 0,
    interactive: { calls: 0, failed: 0, rateLimited: 0, medianMs: 0, maxMs: 0 },
    errors: [],
    firstRefusal: undefined,
    budgets: [],
    warnings: [],
  };
  const start = performance.now();
  let next = 0;
  let finished = false;

  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (abort.signal.aborted) {
        s.cancelled++;
        continue;
      }
      try {
        const usage = await ask(prompt(i), 'batch', abort.signal);
        s.done++;
        s.inputTokens += usage.inputTokens;
        s.outputTokens += usage.outputTokens;
        if (typeof usage.costUsd === 'number') {
          s.costUsd += usage.costUsd;
          s.pricedCalls++;
        }
        progress.tick(true);
      } catch (error) {
        const message = String((error as Error)?.message ?? error);
        if (abort.signal.aborted) s.cancelled++;
        else if (isRefused(error)) {
          s.refused++;
          s.firstRefusal ??= message;
        } else s.failed++;
        if (isRateLimited(error)) s.rateLimitedSeen++;
        if (!isRefused(error) && s.errors.length < 5) s.errors.push(message);
        progress.tick(isRefused(error) && !abort.signal.aborted ? 'refused' : false);
      }
    }
  };

  const latencies: number[] = [];
  const probes = async () => {
    const every = options.probeEveryMs ?? 1000;
    if (every <= 0) return;
    while (!finished) {
      await new Promise((r) => setTimeout(r, every));
      if (finished) break;
      const t0 = performance.now();
      try {
        await ask('Quick question: what time is it where you are?', 'interactive', abort.signal);
        latencies.push(performance.now() - t0);
      } catch (error) {
        s.interactive.failed++;
        if (isRateLimited(error)) s.interactive.rateLimited++;
      }
      s.interactive.calls++;
    }
  };

  const probing = probes();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  finished = true;
  await probing;
  clearTimeout(bound);
  progress.stop();
  s.durationMs = performance.now() - start;
  const after = await options.serverRateLimited?.();
  s.serverRateLimited = before !== undefined && after !== undefined ? after - before : undefined;
  latencies.sort((a, b) => a - b);
  s.interactive.medianMs = latencies.length > 0 ? latencies[Math.floor(latencies.length / 2)]! : 0;
  s.interactive.maxMs = latencies.at(-1) ?? 0;
  s.budgets = (await options.budgets?.()) ?? [];
  s.warnings = options.warnings?.() ?? [];
  return s;
}

/** `POST <url>/ask` (a non-200 answer rejects with its status). */
export function askOverHttp(url: string): AskFn {
  return async (prompt, lane, signal) => {
    const res = await fetch(`${url}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt, lane }),
      signal,
    });
    const body = (await res.json().catch(() => ({}))) as {
      usage?: { inputTokens?: number; outputTokens?: number };
      costUsd?: number | null;
      message?: unknown;
    };
    if (res.status !== 200) {
      const detail = res.status === 402 ? String(body.message) : JSON.stringify(body);
      throw Object.assign(new Error(`POST /ask answered ${res.status}: ${detail}`), { status: res.status });
    }
    return {
      inputTokens: body.usage?.inputTokens ?? 0,
      outputTokens: body.usage?.outputTokens ?? 0,
      costUsd: body.costUsd ?? null,
    };
  };
}

/** The summary as the lines `npm run batch` prints. */
export function formatSummary(s: BatchSummary): string[] {
  const secs = s.durationMs / 1000;
  const i = s.interactive;
  return [
    'Batch summary',
    `  prompts      ${s.count} (done ${s.done}, failed ${s.failed}, refused ${s.refused}, cancelled ${s.cancelled})`,
    `  duration     ${secs.toFixed(1)} s (${(s.done / Math.max(secs, 0.001)).toFixed(1)} prompts/s)`,
    `  tokens       ${s.inputTokens + s.outputTokens} (input ${s.inputTokens}, output ${s.outputTokens})`,
    `  cost         ${usd(s.costUsd)} USD (${s.pricedCalls} priced answers, from the usage the provider reported)`,
    `  429s         ${s.serverRateLimited ?? 'unknown'} sent by the server (retried by the executor), ${s.rateLimitedSeen} seen by the batch`,
    `  interactive  ${i.calls} calls during the batch: median ${i.medianMs.toFixed(0)} ms, max ${i.maxMs.toFixed(0)} ms, ` +
      `${i.failed} failed (${i.rateLimited} with 429)`,
    ...(s.refused > 0
      ? [`  refused      ${s.refused} by a budget, before reaching the model; first: ${s.firstRefusal}`]
      : []),
    ...s.budgets.map(
      (b) =>
        `  budget       ${b.budget}: ${usd(b.spentUsd)} of ${usd(b.limitUsd)} USD spent, ${usd(b.reservedUsd)} reserved ` +
        `(window ${b.windowId}, resets at ${b.resetsAt})`,
    ),
    ...s.warnings.map((w) => `  warning      ${w}`),
    ...s.errors.map((e) => `  error        ${e}`),
  ];
}

/** USD with 6 decimals (a call of a small model costs a few millionths). */
function usd(n: number): string {
  return n.toFixed(6);
}
