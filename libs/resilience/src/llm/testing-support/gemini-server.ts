// A scriptable Gemini (Generative Language API) server for the llm layer's specs, on
// startLlmServer (llm-test-server.ts): a real node:http server on 127.0.0.1 (ephemeral port).
//
//   const server = await startGeminiServer();            // or startGeminiServer({ apiKey: 'k' })
//   // provider: baseUrl = server.baseUrl; SDK: httpOptions: { baseUrl: server.baseUrl, apiVersion: 'v1beta' }
//   server.enqueue(geminiErrors.rateLimited('2s'));      // the next request gets a per-minute 429
//   server.received[0].headers['x-goog-api-key'];        // every request is recorded
//
// Routes of the default answer (any API version `v1`, `v1beta`, `v1alpha`: @google/genai 2.x
// calls /v1beta, 3.x /v1):
// - `POST /{v}/models/{m}:generateContent` → 200, one GenerateContentResponse (geminiResponse()).
// - `POST /{v}/models/{m}:streamGenerateContent?alt=sse` → 200 `text/event-stream`: the same
//   text in `GEMINI_STREAM_CHUNKS` (3) `data:` chunks (no `event:` line, no terminal marker: the
//   stream ends with the body). Earlier chunks carry `usageMetadata: { promptTokenCount }` only,
//   the last one the full usageMetadata and `finishReason`.
// - `POST /{v}/models/{m}:countTokens` → 200 `{ totalTokens: promptTokenCount }`.
// - anything else → 404 NOT_FOUND (Gemini error shape).
// - With `apiKey` set, a request whose `x-goog-api-key` differs → 400 API_KEY_INVALID.
//
// Deterministic content, computed from the request body:
// - text = `echo: ${last content's parts text}` (`echo: ` alone when there is none).
// - promptTokenCount = ceil(chars / 4) + 3 × contents.length, where chars = all `contents[].parts[].text`
//   plus `systemInstruction.parts[].text` characters.
// - candidatesTokenCount = ceil(text.length / 4); with `generationConfig.maxOutputTokens` = n and
//   more than n tokens, the text is cut to 4n characters, candidatesTokenCount = n, finishReason
//   `MAX_TOKENS` (else `STOP`).
// - totalTokenCount = promptTokenCount + candidatesTokenCount; no cached or thoughts tokens
//   (script a reply with geminiResponse({ usage }) for those).
// - modelVersion = the model of the path; responseId = `gemini-resp-${n}` (n counts from 1, per server).
import type {
  DefaultAnswer,
  LlmReceived,
  LlmTestServer,
  ScriptedReply,
  ScriptedStream,
  StreamStep,
} from './llm-test-server.js';
import { startLlmServer } from './llm-test-server.js';

/** Chunks of a default streamed answer. @internal */
export const GEMINI_STREAM_CHUNKS = 3;

/** Gemini `usageMetadata` fields the server sends. @internal */
export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

/** What a scripted GenerateContentResponse says. @internal */
export interface GeminiResponseSpec {
  text?: string;
  finishReason?: string;
  usage?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** A thought summary part (`thought: true`) sent before the text. */
  thought?: string;
}

/** A GenerateContentResponse body. @internal */
export function geminiResponse(spec: GeminiResponseSpec = {}): Record<string, unknown> {
  const parts: Record<string, unknown>[] = [];
  if (spec.thought !== undefined) parts.push({ text: spec.thought, thought: true });
  if (spec.text !== undefined) parts.push({ text: spec.text });
  const candidate: Record<string, unknown> = { content: { role: 'model', parts }, index: 0 };
  if (spec.finishReason !== undefined) candidate.finishReason = spec.finishReason;
  const body: Record<string, unknown> = { candidates: [candidate] };
  if (spec.usage !== undefined) body.usageMetadata = spec.usage;
  body.modelVersion = spec.modelVersion ?? 'gemini-2.5-flash';
  body.responseId = spec.responseId ?? 'gemini-resp-scripted';
  return body;
}

/** A 200 JSON reply with a GenerateContentResponse. @internal */
export function geminiReply(spec: GeminiResponseSpec = {}, headers?: Record<string, string>): ScriptedReply {
  return { status: 200, body: geminiResponse(spec), ...(headers !== undefined ? { headers } : {}) };
}

/** An SSE stream of GenerateContentResponse chunks, one `data:` event each. @internal */
export function geminiStream(chunks: readonly Record<string, unknown>[], tail: StreamStep[] = []): ScriptedStream {
  return { kind: 'stream', steps: [...chunks.map((c) => ({ data: JSON.stringify(c) })), ...tail] };
}

/** A Google RPC error body `{ error: { code, message, status, details } }`. @internal */
export function geminiErrorBody(code: number, status: string, message: string, details: unknown[] = []) {
  return { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } };
}

function errorReply(code: number, status: string, message: string, details: unknown[] = []): ScriptedReply {
  return { status: code, body: geminiErrorBody(code, status, message, details) };
}

const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** Scripted error replies in Gemini's wire shape. @internal */
export const geminiErrors = {
  /** 429 RESOURCE_EXHAUSTED, per-minute quota, `RetryInfo.retryDelay` (default "2s"): transient. */
  rateLimited: (retryDelay = '2s'): ScriptedReply =>
    errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please retry later.', [
      { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
      { '@type': RETRY_INFO, retryDelay },
    ]),
  /** 429 RESOURCE_EXHAUSTED, per-day quota (`quotaId` with PerDay): permanent until the reset. */
  quotaPerDay: (): ScriptedReply =>
    errorReply(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan.', [
      { '@type': QUOTA_FAILURE, violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] },
      { '@type': RETRY_INFO, retryDelay: '3600s' },
    ]),
  /** 400 INVALID_ARGUMENT with `ErrorInfo.reason: API_KEY_INVALID` (Gemini's answer to a wrong key). */
  apiKeyInvalid: (): ScriptedReply =>
    errorReply(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
    ]),
  /** 400 INVALID_ARGUMENT (a bad request). */
  invalidArgument: (message = 'Invalid JSON payload received.'): ScriptedReply =>
    errorReply(400, 'INVALID_ARGUMENT', message),
  /** 404 NOT_FOUND (unknown model or route). */
  notFound: (message = 'models/unknown is not found for API version v1beta.'): ScriptedReply =>
    errorReply(404, 'NOT_FOUND', message),
  /** 500 INTERNAL. */
  internal: (): ScriptedReply => errorReply(500, 'INTERNAL', 'An internal error has occurred.'),
  /** 503 UNAVAILABLE (overloaded). */
  unavailable: (): ScriptedReply => errorReply(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  /** A 200 stream: one text chunk ("partial"), then a `data: {error}` event (default 500 INTERNAL). */
  streamError: (code = 500, status = 'INTERNAL', message = 'An internal error has occurred.'): ScriptedStream =>
    geminiStream([geminiResponse({ text: 'partial' }), geminiErrorBody(code, status, message)]),
};

const ROUTE = /^\/(v1|v1beta|v1alpha)\/models\/([^/:?]+):(generateContent|streamGenerateContent|countTokens)(\?.*)?$/;

function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  return parts
    .map((p) => (typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : ''))
    .join('');
}

/** The deterministic answer and usage for a request body (see the top of the file). @internal */
export function geminiDefaultContent(body: Record<string, unknown> | undefined): {
  text: string;
  finishReason: string;
  usage: Required<Pick<GeminiUsageMetadata, 'promptTokenCount' | 'candidatesTokenCount' | 'totalTokenCount'>>;
} {
  const contents = Array.isArray(body?.contents) ? (body.contents as { parts?: unknown }[]) : [];
  const system = partsText((body?.systemInstruction as { parts?: unknown } | undefined)?.parts);
  const chars = contents.reduce((n, c) => n + partsText(c?.parts).length, system.length);
  const promptTokenCount = Math.ceil(chars / 4) + 3 * contents.length;
  let text = `echo: ${contents.length > 0 ? partsText(contents[contents.length - 1]?.parts) : ''}`;
  let candidatesTokenCount = Math.ceil(text.length / 4);
  let finishReason = 'STOP';
  const max = (body?.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens;
  if (typeof max === 'number' && max >= 0 && candidatesTokenCount > max) {
    text = text.slice(0, max * 4);
    candidatesTokenCount = max;
    finishReason = 'MAX_TOKENS';
  }
  return {
    text,
    finishReason,
    usage: { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount },
  };
}

/** Splits a text into `n` nearly equal pieces (some may be empty for short texts). */
function split(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size));
}

/** Options of {@link startGeminiServer}. @internal */
export interface GeminiServerOptions {
  /** When set, a request whose `x-goog-api-key` is not this gets 400 API_KEY_INVALID. */
  apiKey?: string;
}

/** The default answer of a Gemini server (see the top of the file). @internal */
export function geminiDefaultAnswer(options: GeminiServerOptions = {}): DefaultAnswer {
  let n = 0;
  return (req: LlmReceived) => {
    const m = ROUTE.exec(req.url);
    if (req.method !== 'POST' || m === null) return geminiErrors.notFound(`Route ${req.method} ${req.url} not found.`);
    if (options.apiKey !== undefined && req.headers['x-goog-api-key'] !== options.apiKey)
      return geminiErrors.apiKeyInvalid();
    const [, , model, method] = m;
    const { text, finishReason, usage } = geminiDefaultContent(req.body);
    if (method === 'countTokens') return { status: 200, body: { totalTokens: usage.promptTokenCount } };
    n += 1;
    const ids = { modelVersion: model!, responseId: `gemini-resp-${n}` };
    if (method === 'generateContent') return geminiReply({ text, finishReason, usage, ...ids });
    const pieces = split(text, GEMINI_STREAM_CHUNKS);
    const chunks = pieces.map((piece, i) =>
      i === pieces.length - 1
        ? geminiResponse({ text: piece, finishReason, usage, ...ids })
        : geminiResponse({ text: piece, usage: { promptTokenCount: usage.promptTokenCount }, ...ids }),
    );
    return geminiStream(chunks);
  };
}

/** Starts a Gemini server on 127.0.0.1 (see the top of the file). @internal */
export function startGeminiServer(options: GeminiServerOptions = {}): Promise<LlmTestServer> {
  return startLlmServer(geminiDefaultAnswer(options));
}
