import { NANO_USD_PER_USD } from '../cost/price.types.js';
import type { UsageRecord, UsageSummary, UsageTotals } from './usage.types.js';

/** Most distinct keys per map of a summary (`byModel`, `byProvider`, `byScope`); the rest go to {@link USAGE_OTHER_KEY}. @publicApi */
export const USAGE_SUMMARY_MAX_KEYS = 1000;
/** The bucket of the keys beyond {@link USAGE_SUMMARY_MAX_KEYS}. @publicApi */
export const USAGE_OTHER_KEY = '(other)';
/** The `byScope` key of calls without a `budgetKey`. @publicApi */
export const USAGE_NO_SCOPE = '(none)';

/** Running totals; the cost in integer nano-USD so sums are exact. */
interface Totals {
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  costNano: number;
  unpricedCalls: number;
}

const TOKEN_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'totalTokens',
] as const;

function emptyTotals(): Totals {
  return {
    calls: 0,
    failed: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 0,
    costNano: 0,
    unpricedCalls: 0,
  };
}

/** A count from a record: a finite number >= 0, else 0 (a malformed record never poisons a total). */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** `costUsd` of a record as integer nano-USD; undefined for an unpriced call (`null` or not a number). */
export function costNanoOf(costUsd: unknown): number | undefined {
  if (typeof costUsd !== 'number' || !Number.isFinite(costUsd)) return undefined;
  return Math.round(costUsd * NANO_USD_PER_USD);
}

function addTo(t: Totals, r: UsageRecord, nano: number | undefined): void {
  t.calls++;
  if (r.status !== 'completed') t.failed++;
  for (const f of TOKEN_FIELDS) t[f] += count(r[f]);
  if (nano === undefined) t.unpricedCalls++;
  else t.costNano += nano;
}

function mergeInto(t: Totals, o: Totals): void {
  t.calls += o.calls;
  t.failed += o.failed;
  for (const f of TOKEN_FIELDS) t[f] += o[f];
  t.costNano += o.costNano;
  t.unpricedCalls += o.unpricedCalls;
}

/** The totals under `key`, or under {@link USAGE_OTHER_KEY} once the map holds {@link USAGE_SUMMARY_MAX_KEYS} keys. */
function slot(map: Map<string, Totals>, key: string): Totals {
  let t = map.get(key);
  if (t !== undefined) return t;
  if (map.size >= USAGE_SUMMARY_MAX_KEYS) key = USAGE_OTHER_KEY;
  t = map.get(key);
  if (t === undefined) {
    t = emptyTotals();
    map.set(key, t);
  }
  return t;
}

function publicTotals(t: Totals): UsageTotals {
  const { costNano, ...rest } = t;
  return { ...rest, costUsd: costNano / NANO_USD_PER_USD };
}

function publicMap(map: Map<string, Totals>): Record<string, UsageTotals> {
  const out: Record<string, UsageTotals> = {};
  for (const key of [...map.keys()].sort()) out[key] = publicTotals(map.get(key)!);
  return out;
}

/**
 * Totals of usage records overall and per model (`record.model`, the provider model id),
 * provider and scope (`record.scope`, or `(none)`). Each map holds at most
 * {@link USAGE_SUMMARY_MAX_KEYS} keys; records of further keys are summed under `(other)`.
 * Costs are summed in integer nano-USD (`round(costUsd × 1e9)` per record), so totals are exact.
 * Adding a record is O(1).
 * @publicApi
 */
export class UsageAggregate {
  private readonly total = emptyTotals();
  private readonly models = new Map<string, Totals>();
  private readonly providers = new Map<string, Totals>();
  private readonly scopes = new Map<string, Totals>();

  /** Adds one record. */
  add(record: UsageRecord): void {
    const nano = costNanoOf(record.costUsd);
    addTo(this.total, record, nano);
    addTo(slot(this.models, String(record.model)), record, nano);
    addTo(slot(this.providers, String(record.provider)), record, nano);
    const scope = typeof record.scope === 'string' && record.scope !== '' ? record.scope : USAGE_NO_SCOPE;
    addTo(slot(this.scopes, scope), record, nano);
  }

  /** Adds the totals of `other` (same key bounds). */
  merge(other: UsageAggregate): void {
    mergeInto(this.total, other.total);
    for (const [mine, theirs] of [
      [this.models, other.models],
      [this.providers, other.providers],
      [this.scopes, other.scopes],
    ] as const)
      for (const [key, t] of theirs) mergeInto(slot(mine, key), t);
  }

  /** Number of records added (directly or merged). */
  get calls(): number {
    return this.total.calls;
  }

  /** The summary of days `from`..`to` (labels only; the caller chose the records). Keys sorted. */
  toSummary(from: string, to: string): UsageSummary {
    return {
      from,
      to,
      ...publicTotals(this.total),
      byModel: publicMap(this.models),
      byProvider: publicMap(this.providers),
      byScope: publicMap(this.scopes),
    };
  }
}
