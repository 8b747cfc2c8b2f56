// The batch itself: N prompts in lane `batch`, a bounded number in flight, a time bound, and a few
// interactive probes alongside (what `/ask` users see meanwhile). Used by batch.ts and the e2e spec.
import { setMaxListeners } from 'node:events';
import { createProgress, type BatchProgress } from './batch-progress.js';

/** One model call of the batch (or a probe); rejects with `status` set when an HTTP answer failed. */
export type AskFn = (
  prompt: string,
  lane: 'interactive' | 'batch',
  signal: AbortSignal,
) => Promise<{ inputTokens: number; outputTokens: number }>;

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
  progress?: BatchProgress;
}

/** What {@link runBatch} reports. */
export interface BatchSummary {
  count: number;
  done: number;
  failed: number;
  cancelled: number;
  /** 429 answers the batch itself received (after the executor's retries). */
  rateLimitedSeen: number;
  /** 429s the server sent during the batch (the executor retried them), when known. */
  serverRateLimited: number | undefined;
  inputTokens: number;
  outputTokens: number;
  durationMs: number;
  interactive: { calls: number; failed: number; rateLimited: number; medianMs: number; maxMs: number };
  /** First few failure messages. */
  errors: string[];
}

const prompt = (i: number) => `Summarise item #${i + 1} of the nightly batch in one sentence.`;

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
    cancelled: 0,
    rateLimitedSeen: 0,
    serverRateLimited: undefined,
    inputTokens: 0,
    outputTokens: 0,
    durationMs: 0,
    interactive: { calls: 0, failed: 0, rateLimited: 0, medianMs: 0, maxMs: 0 },
    errors: [],
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
        progress.tick(true);
      } catch (error) {
        if (abort.signal.aborted) s.cancelled++;
        else s.failed++;
        if (isRateLimited(error)) s.rateLimitedSeen++;
        if (s.errors.length < 5) s.errors.push(String((error as Error)?.message ?? error));
        progress.tick(false);
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
    const body = (await res.json().catch(() => ({}))) as { usage?: { inputTokens?: number; outputTokens?: number } };
    if (res.status !== 200)
      throw Object.assign(new Error(`POST /ask answered ${res.status}: ${JSON.stringify(body)}`), {
        status: res.status,
      });
    return { inputTokens: body.usage?.inputTokens ?? 0, outputTokens: body.usage?.outputTokens ?? 0 };
  };
}

/** The summary as the lines `npm run batch` prints. */
export function formatSummary(s: BatchSummary): string[] {
  const secs = s.durationMs / 1000;
  const i = s.interactive;
  return [
    'Batch summary',
    `  prompts      ${s.count} (done ${s.done}, failed ${s.failed}, cancelled ${s.cancelled})`,
    `  duration     ${secs.toFixed(1)} s (${(s.done / Math.max(secs, 0.001)).toFixed(1)} prompts/s)`,
    `  tokens       ${s.inputTokens + s.outputTokens} (input ${s.inputTokens}, output ${s.outputTokens})`,
    `  429s         ${s.serverRateLimited ?? 'unknown'} sent by the server (retried by the executor), ${s.rateLimitedSeen} seen by the batch`,
    `  interactive  ${i.calls} calls during the batch: median ${i.medianMs.toFixed(0)} ms, max ${i.maxMs.toFixed(0)} ms, ` +
      `${i.failed} failed (${i.rateLimited} with 429)`,
    ...s.errors.map((e) => `  error        ${e}`),
  ];
}
