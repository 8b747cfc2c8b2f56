import { isSensitiveHeader, REDACTED, scrubSecrets } from '../../http/headers/headers.js';
import type { UsageRecord } from './usage.types.js';

/** Deepest nesting of metadata kept; deeper values become `[…]`. */
const MAX_DEPTH = 4;
/** Most entries kept per metadata object or array. */
const MAX_ENTRIES = 100;

/**
 * A JSON-safe copy of a metadata value: strings scrubbed of key-shaped text (`scrubSecrets`),
 * values under a credential-like name (`apiKey`, `authorization`, `password`, ...) replaced by
 * `[REDACTED]`, bigints as strings, functions / symbols / undefined dropped, nesting and size bounded.
 */
function cleanValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.toISOString() : null;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length && i < MAX_ENTRIES; i++) out.push(cleanValue(value[i], depth + 1) ?? null);
    return out;
  }
  return cleanObject(value as Record<string, unknown>, depth + 1);
}

function cleanObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key of Object.keys(obj)) {
    if (n++ >= MAX_ENTRIES) break;
    const v = isSensitiveHeader(key) ? REDACTED : cleanValue(obj[key], depth);
    if (v !== undefined) out[scrubSecrets(key)] = v;
  }
  return out;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * The record as written to the sinks: the fields of {@link UsageRecord} in their documented
 * order (nothing else), string fields scrubbed where they may echo provider text
 * (`errorType`, `requestId`, `scope`), metadata cleaned (see above), and `prompt` / `completion`
 * (scrubbed too) only when `includeText`. `fallbackTime` replaces a `time` that is not a string.
 * @internal
 */
export function sanitizeRecord(r: UsageRecord, includeText: boolean, fallbackTime: string): UsageRecord {
  const out: UsageRecord = {
    time: typeof r.time === 'string' ? r.time : fallbackTime,
    modelName: str(r.modelName),
    model: str(r.model),
    provider: r.provider,
    lane: str(r.lane),
    status: r.status,
    ...(r.errorType !== undefined && { errorType: scrubSecrets(str(r.errorType)) }),
    usageReported: r.usageReported === true,
    inputTokens: num(r.inputTokens),
    outputTokens: num(r.outputTokens),
    cacheReadTokens: num(r.cacheReadTokens),
    cacheWriteTokens: num(r.cacheWriteTokens),
    reasoningTokens: num(r.reasoningTokens),
    totalTokens: num(r.totalTokens),
    costUsd: typeof r.costUsd === 'number' && Number.isFinite(r.costUsd) ? r.costUsd : null,
    costEstimated: r.costEstimated === true,
    latencyMs: num(r.latencyMs),
    ...(r.requestId !== undefined && { requestId: scrubSecrets(str(r.requestId)) }),
    eventId: str(r.eventId),
    ...(r.scope !== undefined && { scope: scrubSecrets(str(r.scope)) }),
  };
  if (r.metadata !== null && typeof r.metadata === 'object') out.metadata = cleanObject(r.metadata, 1);
  if (includeText) {
    if (r.prompt !== undefined) out.prompt = scrubSecrets(str(r.prompt));
    if (r.completion !== undefined) out.completion = scrubSecrets(str(r.completion));
  }
  return out;
}

/** A line read back from a usage file: an object with the fields the summaries read. @internal */
export function isUsageLine(value: unknown): value is UsageRecord {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.model === 'string' && typeof v.provider === 'string' && typeof v.status === 'string';
}
