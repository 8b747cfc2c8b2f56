import type { LedgerTotals, LedgerWindow } from '../../core/store/store.js';
import { hashTaggedKey } from '../redis-keys.js';

/** The hash tag every ledger key of a store shares, so one script may touch several windows on a Cluster. */
export const LEDGER_TAG = 'budgets';

const ESCAPES: Record<string, string> = { '%': '%25', '{': '%7B', '}': '%7D' };

/**
 * The Redis keys of the ledger windows under `prefix`: `<prefix>{budgets}:<window key>:w` (the hash)
 * and `…:e` (the sorted set) per window, in order. `%`, `{` and `}` in a window key are escaped, so
 * distinct window keys give distinct Redis keys and the hash tag is always `budgets`.
 * @internal
 */
export function ledgerKeys(prefix: string, windows: readonly LedgerWindow[]): string[] {
  const base = hashTaggedKey(prefix, LEDGER_TAG);
  const keys = new Array<string>(windows.length * 2);
  for (let i = 0; i < windows.length; i++) {
    const k = `${base}:${windows[i]!.key.replace(/[%{}]/g, (c) => ESCAPES[c]!)}`;
    keys[2 * i] = `${k}:w`;
    keys[2 * i + 1] = `${k}:e`;
  }
  return keys;
}

/** Throws a `RangeError` unless `value` is an integer in [0, 2^53). @internal */
export function checkAmount(op: string, name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`RedisBudgetLedger.${op}: ${name} must be a non-negative safe integer, got ${String(value)}`);
}

/** Throws a `RangeError` unless `value` is a finite number (a clock time). @internal */
export function checkTime(op: string, name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new RangeError(`RedisBudgetLedger.${op}: ${name} must be a finite clock time, got ${String(value)}`);
}

/** Throws a `RangeError` unless the window's limit is a number >= 0 (Lua would admit anything against NaN). @internal */
export function checkLimit(op: string, w: LedgerWindow): void {
  if (!(w.limit >= 0))
    throw new RangeError(`RedisBudgetLedger.${op}: window.limit must be a number >= 0, got ${String(w.limit)}`);
}

/**
 * Relative TTL (ms, at least 1) of a window's keys: until `expiresAt` (or `until`, when later) by the
 * caller's clock at `now`. Relative, so a caller's clock that differs from Redis's (virtual time,
 * skew) still gives the window its whole life.
 * @internal
 */
export function ttlOf(op: string, w: LedgerWindow, now: number, until = -Infinity): string {
  checkTime(op, 'window.expiresAt', w.expiresAt);
  return String(Math.max(1, Math.ceil(Math.max(w.expiresAt, until) - now)));
}

/**
 * The settle script's arguments for window `w` and spend made at `at`: the slot field (`s:<slot>`, ''
 * for a fixed window), the clock time the slot leaves the window, the TTL.
 * @internal
 */
export function pushSettleArgs(out: (string | number)[], w: LedgerWindow, at: number, now: number): void {
  if (w.slotMs > 0) {
    const slot = Math.floor(at / w.slotMs);
    out.push(`s:${slot}`, String((slot + 1 + w.slots) * w.slotMs));
  } else out.push('', '0');
  out.push(ttlOf('settle', w, now));
}

/** `{spent1, reserved1, spent2, ...}` from `from` on, as totals per window. @internal */
export function totalsOf(reply: readonly unknown[], windows: number, from = 0): LedgerTotals[] {
  const out = new Array<LedgerTotals>(windows);
  for (let i = 0; i < windows; i++)
    out[i] = { spent: Number(reply[from + 2 * i]), reserved: Number(reply[from + 2 * i + 1]) };
  return out;
}
