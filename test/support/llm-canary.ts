// Support of test/llm-canary.e2e-spec.ts: per provider, a real test server and replies in its wire
// format that ECHO the configured key (error bodies, in-stream error events, a response header,
// success bodies), and collectors of every artefact a caller or a log can observe.
import net from 'node:net';
import { inspect } from 'node:util';
import type { Executor } from 'nest-resilience/executor';
import type { ChatStream, ProviderName } from 'nest-resilience/llm';
import {
  anthropicErrorBody,
  anthropicErrorEvent,
  anthropicMessage,
  anthropicStream,
  anthropicStreamHead,
  anthropicTextDelta,
  startAnthropicServer,
} from '../../libs/resilience/src/llm/testing-support/anthropic-server.js';
import {
  geminiErrorBody,
  geminiResponse,
  geminiStream,
  startGeminiServer,
} from '../../libs/resilience/src/llm/testing-support/gemini-server.js';
import type {
  LlmTestServer,
  Scripted,
  StreamStep,
} from '../../libs/resilience/src/llm/testing-support/llm-test-server.js';
import { openAIStreamSteps, startOpenAIServer } from '../../libs/resilience/src/llm/testing-support/openai-server.js';

/**
 * A canary no default pattern of `scrubSecrets` catches (no `sk-`, no `AIza`, no `Bearer ` before
 * it): it disappears only when the code scrubs the configured key itself.
 */
export const canaryFor = (p: ProviderName): string => `canary-Zx81-plain-token-${p}`;

/** One provider's server and key-echoing replies. */
export interface CanaryKit {
  provider: ProviderName;
  model: string;
  key: string;
  server: LlmTestServer;
  baseUrl: string;
  /** A 200 JSON answer (text `ok`), the key in headers (success bodies are returned as is: see the spec). */
  ok(): Scripted;
  /** An error reply of `status` whose message and header carry the key (`retryAfter`: seconds). */
  error(status: number, retryAfter?: number): Scripted;
  /**
   * A 200 stream of `deltas` (key in `x-echo-key`), then an in-stream error event carrying the key
   * when `fail`; `ids`: also in the request-id headers (`x-request-id`, `request-id`).
   */
  stream(deltas: string[], fail?: boolean, ids?: boolean): Scripted;
  /** A stream that sends one delta and then hangs (to be cancelled). */
  hang(): Scripted;
  /** A raw `invoke` payload of this provider. */
  payload: Record<string, unknown>;
}

/** Response headers echoing the key: `x-echo-key` (never dropped by name), and with `ids` the request-id headers. */
const echo = (key: string, ids = true): Record<string, string> =>
  ids ? { 'x-echo-key': key, 'x-request-id': `req-${key}`, 'request-id': `req-${key}` } : { 'x-echo-key': key };
/** The message of every scripted error: the key, verbatim. */
export const errorMessage = (key: string): string => `Incorrect credentials ${key} (echoed by the server)`;
const msg = errorMessage;

/** Starts the test server of `provider` and returns its kit. */
export async function startKit(provider: ProviderName): Promise<CanaryKit> {
  const key = canaryFor(provider);
  if (provider === 'openai') {
    const server = await startOpenAIServer();
    const chunk = (t: string) => ({ data: JSON.stringify({ choices: [{ index: 0, delta: { content: t } }] }) });
    return {
      provider,
      model: 'gpt-4o-mini',
      key,
      server,
      baseUrl: server.apiBaseUrl,
      ok: () => ({
        headers: echo(key),
        body: {
          id: 'chatcmpl-canary',
          object: 'chat.completion',
          model: 'gpt-4o-mini',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        },
      }),
      error: (status, retryAfter) => ({
        status,
        headers: { ...echo(key), ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}) },
        body: { error: { message: msg(key), type: 'invalid_request_error', param: key, code: 'echo' } },
      }),
      stream: (deltas, fail = false, ids = false) => {
        const steps = openAIStreamSteps({ deltas, finishReason: fail ? null : 'stop', done: !fail });
        if (fail) steps.push({ data: JSON.stringify({ error: { message: msg(key), type: 'server_error' } }) });
        return { kind: 'stream', headers: echo(key, ids), steps };
      },
      hang: () => ({ kind: 'stream', headers: echo(key, false), steps: [chunk('a'), 'hang'] }),
      payload: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
    };
  }
  if (provider === 'anthropic') {
    const server = await startAnthropicServer();
    return {
      provider,
      model: 'claude-sonnet-4-5',
      key,
      server,
      baseUrl: server.baseUrl,
      ok: () => ({ headers: echo(key), body: anthropicMessage('ok') }),
      error: (status, retryAfter) => {
        const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : 'api_error';
        const headers = { ...echo(key), ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}) };
        return { status, headers, body: { ...anthropicErrorBody(type, msg(key)), request_id: key } };
      },
      stream: (deltas, fail = false, ids = false) => {
        if (!fail) return anthropicStream(deltas.join(''), {}, echo(key, ids));
        const steps: StreamStep[] = [
          ...anthropicStreamHead(),
          ...deltas.map((d) => anthropicTextDelta(d)),
          anthropicErrorEvent('overloaded_error', msg(key)),
        ];
        return { kind: 'stream', headers: echo(key, ids), steps };
      },
      hang: () => ({
        kind: 'stream',
        headers: echo(key, false),
        steps: [...anthropicStreamHead(), anthropicTextDelta('a'), 'hang'],
      }),
      payload: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 },
    };
  }
  const server = await startGeminiServer();
  const status = (code: number) =>
    code === 401
      ? 'UNAUTHENTICATED'
      : code === 429
        ? 'RESOURCE_EXHAUSTED'
        : code === 503
          ? 'UNAVAILABLE'
          : 'INVALID_ARGUMENT';
  return {
    provider,
    model: 'gemini-2.5-flash',
    key,
    server,
    baseUrl: server.baseUrl,
    ok: () => ({ headers: echo(key), body: geminiResponse({ text: 'ok', finishReason: 'STOP' }) }),
    error: (code, retryAfter) => {
      const details =
        retryAfter !== undefined
          ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` }]
          : [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', metadata: { key } }];
      const headers = { ...echo(key), ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}) };
      return { status: code, headers, body: geminiErrorBody(code, status(code), msg(key), details) };
    },
    stream: (deltas, fail = false, ids = false) => {
      const chunks = deltas.map((t) => geminiResponse({ text: t }));
      if (!fail) chunks.push(geminiResponse({ text: '', finishReason: 'STOP' }));
      else chunks.push(geminiErrorBody(500, 'INTERNAL', msg(key)));
      return { ...geminiStream(chunks), headers: echo(key, ids) };
    },
    hang: () => ({ ...geminiStream([geminiResponse({ text: 'a' })], ['hang']), headers: echo(key, false) }),
    payload: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: 5 } },
  };
}

/** A loopback port nobody listens on (bound, then closed). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Everything observable of a value: JSON, String, inspect; for errors also stack, toJSON and the cause chain. */
export function artefacts(x: unknown, depth = 0): string[] {
  const out = [inspect(x, { depth: 6, showHidden: false })];
  try {
    out.push(JSON.stringify(x) ?? '');
  } catch (e) {
    out.push(`unserialisable: ${String(e)}`);
  }
  if (x instanceof Error) {
    out.push(String(x), x.message, x.stack ?? '');
    const toJSON = (x as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') out.push(JSON.stringify(toJSON.call(x)) ?? '');
    if (depth < 5 && x.cause !== undefined) out.push(...artefacts(x.cause, depth + 1));
    const errors = (x as { errors?: unknown }).errors;
    if (depth < 5 && Array.isArray(errors)) for (const e of errors) out.push(...artefacts(e, depth + 1));
  } else if (typeof x !== 'object' || x === null) {
    out.push(String(x));
  }
  return out;
}

/** Records, at each status change of `executor`, the change, the event and its logs (as JSON). */
export function recordExecutor(executor: Executor, into: string[]): void {
  executor.onStatus((c) => {
    into.push(JSON.stringify(c), JSON.stringify(c.event), JSON.stringify(c.event.logs), inspect(c.event.toJSON()));
    const e = c.event.error;
    if (e !== undefined) into.push(...artefacts(e));
  });
}

/** The artefacts among `texts` that contain `key` (each cut around the hit). */
export function leaks(texts: readonly string[], key: string): string[] {
  return texts
    .filter((t) => t.includes(key))
    .map((t) => t.slice(Math.max(0, t.indexOf(key) - 160), t.indexOf(key) + key.length + 40));
}

/** A settled promise. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };
export const settle = (p: Promise<unknown>): Promise<Settled> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** Reads a stream to its end: the deltas, then the result (or the first error). */
export async function drain(s: ChatStream): Promise<{ deltas: string[]; end: Settled }> {
  const deltas: string[] = [];
  const end = await settle(
    (async () => {
      for await (const d of s) deltas.push(d.text);
      return s.result();
    })(),
  );
  return { deltas, end };
}
