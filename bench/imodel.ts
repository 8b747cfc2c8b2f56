/**
 * Section 9, iModel overhead: the same POST /v1/chat/completions (the same JSON body, the same
 * headers) to the same local OpenAI-compatible server, 100 callers looping (100 in flight), raw
 * (global `fetch`, what a caller without iModel or an SDK uses; the body stringified per call, read and JSON-parsed)
 * and through `model.chat({ messages })` of an IModel (provider openai, baseUrl the server, its own
 * executor: concurrencyLimit 100, requestsRate and apiTokensRate far above the load, so nothing
 * waits). What is measured is iModel's own work per call: estimate, request mapping, executor
 * event, limiter admission, token reservation and settlement, response mapping. Three more rows
 * split it: a raw fetch with an `AbortSignal` per call (what the transport's signal, for cancel and
 * timeout, costs undici), the executor alone around the raw fetch (its event, admission, reservation
 * and settlement without iModel's mapping) and an iModel whose estimator is a fixed count (the
 * default's gpt-tokenizer count is the difference), and the same request raw over `node:http` with
 * a keep-alive agent (the client the transport uses for JSON calls) with iModel against it (iModel's own work).
 * The server (`startOpenAIServer`, llm/testing-support/openai-server.ts) runs in a child process
 * (bench/imodel-stream.ts with `--server`), so this process's CPU is the client's; it is reset between reps.
 * Method as section 6 (bench/lib/interleave.ts): warm-up (also loads gpt-tokenizer), reps of
 * interleaved rounds, no forced gc, paired medians of per-rep ratios; the verdict is this
 * process's CPU per call.
 * The streaming half is bench/imodel-stream.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Executor } from '../libs/resilience/src/executor/executor.js';
import { IModel } from '../libs/resilience/src/llm/imodel/imodel.js';
import type { ChatMessage } from '../libs/resilience/src/llm/chat/chat.types.js';
import type { TokenEstimator } from '../libs/resilience/src/llm/estimate/token-estimator.js';
import type { IModelOptions } from '../libs/resilience/src/llm/imodel/imodel.options.js';
import { openAIProvider } from '../libs/resilience/src/llm/providers/openai/openai.provider.js';
import { interleaved, overheadRows, type OverheadRow } from './lib/interleave.js';
import { rawHttpPost } from './lib/raw-http-post.js';
import { fmt } from './lib/stats.js';
import type { TargetRow } from './lib/report.js';

/** Chat calls in flight (callers looping on awaited calls). */
export const IMODEL_IN_FLIGHT = 100;
/** The bench's key (the server checks `authorization: Bearer <key>`). */
export const BENCH_KEY = 'sk-bench-9f2c41';
export const BENCH_MODEL = 'gpt-4o-mini';
/** The chat section's messages: a short system prompt and question (~40 tokens). */
export const CHAT_MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a concise assistant. Answer in one short sentence.' },
  { role: 'user', content: 'What does a circuit breaker do in a distributed system, in a few words?' },
];

/** The executor options of every bench iModel: nothing binds, every call is admitted at once. */
export const BENCH_EXECUTOR = { concurrencyLimit: IMODEL_IN_FLIGHT, requestsRate: 1e9, apiTokensRate: 1e12 };

/** The child process: `chatUrl` answers as `startOpenAIServer` does; `pacedUrl` streams one event per `PACE_MS`. */
export interface IModelBenchServer {
  /** OpenAI base URL (`…/v1`) of the stock server. */
  chatUrl: string;
  /** OpenAI base URL of the paced stream server: one content delta per code point of the answer. */
  pacedUrl: string;
  /** Forgets the requests recorded (their bodies) so the child's heap stays flat. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the servers in a child process (bench/imodel-stream.ts `--server`, TypeScript through bench/register.mjs). */
export async function startIModelBenchServer(): Promise<IModelBenchServer> {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', './bench/register.mjs', 'bench/imodel-stream.ts', '--server'],
    { cwd, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      const onExit = () => reject(new Error('iModel bench server exited'));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const urls = (await next()) as { chat: string; paced: string };
  return {
    chatUrl: urls.chat,
    pacedUrl: urls.paced,
    reset: async () => {
      const done = next();
      child.send('reset');
      await done;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
}

/** An iModel of the bench on `baseUrl` (its own executor, {@link BENCH_EXECUTOR}); `costs`: a CostTracker (section 10). */
export function benchModel(
  name: string,
  baseUrl: string,
  estimator?: TokenEstimator,
  costs?: IModelOptions['costs'],
): IModel {
  const options: IModelOptions = {
    provider: 'openai',
    model: BENCH_MODEL,
    apiKey: BENCH_KEY,
    baseUrl,
    executor: BENCH_EXECUTOR,
  };
  if (estimator !== undefined) options.estimator = estimator;
  if (costs !== undefined) options.costs = costs;
  return IModel.create(name, options);
}

/**
 * Runs the chat half of section 9: a warm-up of `warmPerWorker` calls per caller, then `reps`
 * reps of `perWorker` calls per caller and variant (interleaved rounds), 100 callers.
 */
export async function measureIModelOverhead(
  reps: number,
  perWorker: number,
  warmPerWorker: number,
): Promise<OverheadRow[]> {
  const server = await startIModelBenchServer();
  const withDefault = benchModel('bench-imodel', server.chatUrl);
  const withFixed = benchModel('bench-imodel-fixed', server.chatUrl, { estimateInput: () => 40 });
  // The body and headers iModel sends (the provider's mapping of the same request), built once.
  const pr = openAIProvider.chatRequest(
    { messages: CHAT_MESSAGES },
    { model: BENCH_MODEL, apiKey: BENCH_KEY, baseUrl: server.chatUrl, maxTokens: 1024 },
    false,
  );
  const url = server.chatUrl + pr.path;
  const post = async (signal?: AbortSignal): Promise<{ usage?: { total_tokens?: number } }> => {
    const init = { method: 'POST', headers: pr.headers, body: JSON.stringify(pr.body) };
    const res = await fetch(url, signal === undefined ? init : { ...init, signal });
    if (res.status !== 200) throw new Error(`raw fetch: status ${res.status}`);
    return (await res.json()) as { usage?: { total_tokens?: number } };
  };
  // The client iModel's transport uses for JSON calls: node:http with a keep-alive agent.
  const agent = new http.Agent({ keepAlive: true });
  const viaHttp = rawHttpPost(url, pr.headers, pr.body, agent);
  // The executor alone around the raw call (the reservation iModel makes, the usage it reports).
  const executor = Executor.create('bench-imodel-executor', BENCH_EXECUTOR);
  const viaExecutor = () =>
    executor.execute(
      async (ctx) => {
        const body = await post(ctx.signal);
        ctx.reportUsage(body.usage?.total_tokens ?? 0);
        return body;
      },
      { tokens: 1064 },
    );
  const [system, { content: question }] = CHAT_MESSAGES as [ChatMessage, ChatMessage];
  let asked = 0;
  const variants = [
    {
      name: 'raw `fetch` POST /v1/chat/completions (body stringified, read, JSON-parsed)',
      base: 0,
      call: () => post(),
    },
    {
      name: 'raw `fetch` with a signal (an AbortController per call, as the transport has)',
      base: 0,
      call: () => post(new AbortController().signal),
    },
    {
      name: '`Executor.execute` around the raw fetch (ctx.signal, reserve 1,064 tokens, report usage): no iModel',
      base: 0,
      call: viaExecutor,
    },
    {
      name: '`iModel.chat({ messages })`, default estimator (gpt-tokenizer o200k)',
      base: 0,
      call: () => withDefault.chat({ messages: CHAT_MESSAGES }),
    },
    {
      name: '`iModel.chat`, a fixed estimator (no tokenizer; shows the estimate’s share)',
      base: 0,
      call: () => withFixed.chat({ messages: CHAT_MESSAGES }),
    },
    {
      name: 'raw `node:http` POST, keep-alive agent (the client iModel’s transport uses for JSON calls)',
      base: 0,
      call: viaHttp,
    },
    {
      name: '`iModel.chat`, default estimator, against the raw `node:http` row (the same client: iModel’s own work)',
      base: 5,
      call: () => withDefault.chat({ messages: CHAT_MESSAGES }),
    },
    {
      name: '`iModel.chat`, a new question on every call (its count never cached), against the raw `node:http` row',
      base: 5,
      call: () => withDefault.chat({ messages: [system, { role: 'user', content: `${question} (${++asked})` }] }),
    },
  ];
  try {
    const samples = await interleaved(variants, {
      reps,
      inFlight: IMODEL_IN_FLIGHT,
      perWorker,
      warmPerWorker,
      reset: server.reset,
    });
    return overheadRows(variants, samples);
  } finally {
    await withDefault.close();
    await withFixed.close();
    await executor.stop();
    agent.destroy();
    await server.close();
  }
}

/** The target row (iModel, default estimator, CPU per call ≤ 1.05 × raw fetch, 100 in flight) and the same-client row (reported). */
export function imodelTargets(section: string, rows: readonly OverheadRow[]): TargetRow[] {
  const raw = rows[0]!;
  const model = rows[3]!;
  const fixed = rows[4]!;
  const http = rows[5]!;
  const same = rows[6]!;
  const varied = rows[7]!;
  return [
    {
      section,
      target: `iModel CPU per call ≤ 1.05 × raw fetch, ${IMODEL_IN_FLIGHT} in flight (\`chat\`, default estimator)`,
      ours: `${fmt(model.cpuRatio, 3)}× (${fmt(model.cpuUs, 1)} µs CPU; wall time ${fmt(model.ratio, 3)}×); fixed estimator ${fmt(fixed.cpuRatio, 3)}×`,
      comparator: `raw ${fmt(raw.cpuUs, 1)} µs CPU, ${fmt(raw.perSec)} calls/s`,
      pass: model.cpuRatio <= 1.05,
    },
    {
      section,
      target: `iModel CPU per call over a raw \`node:http\` call with a keep-alive agent (the client its transport uses), ${IMODEL_IN_FLIGHT} in flight: reported`,
      ours: `${fmt(same.cpuRatio, 3)}× (+${fmt(same.cpuUs - http.cpuUs, 1)} µs per call); a new question on every call ${fmt(varied.cpuRatio, 3)}×`,
      comparator: `raw \`node:http\` ${fmt(http.cpuUs, 1)} µs CPU`,
      pass: undefined,
    },
  ];
}
