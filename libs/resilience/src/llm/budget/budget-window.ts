// Window math of the budgets: calendar days and months in an IANA time zone (local date parts from
// `Intl.DateTimeFormat`, boundaries found as instants so DST days last 23 or 25 hours and zones such
// as Asia/Kolkata or Pacific/Chatham need nothing special), and rolling windows of 60 slots.
import type { LedgerWindow } from '../../core/store/store.js';
import type { BudgetWindow } from './budget.options.js';

const DAY_MS = 86_400_000;
/** Slots of a rolling window (`LedgerWindow.slots`). */
export const ROLLING_SLOTS = 60;

/** One window of a budget at some clock time: the same for every scope value of the budget. @internal */
export interface BudgetPeriod {
  /** `YYYY-MM-DD`, `YYYY-MM` or `rolling` (errors, events, status). */
  readonly id: string;
  /** The part of the ledger key naming the window (the id; rolling: `rolling-<rollingMs>`). */
  readonly keyPart: string;
  /** Clock ms the window began (rolling: the start of the current slot). */
  readonly start: number;
  /** Clock ms the cached period must be recomputed at (calendar: the window's end; rolling: the next slot). */
  readonly end: number;
  /** Calendar: the next boundary; rolling: when the oldest counted slot leaves (the next slot boundary). */
  readonly resetsAt: number;
  /** `resetsAt` as ISO 8601 with the zone's offset (`2026-12-03T00:00:00.000+01:00`; UTC: `Z`). */
  readonly resetsAtIso: string;
  /** `LedgerWindow.slotMs` (0: calendar). */
  readonly slotMs: number;
  /** `LedgerWindow.slots` (0: calendar). */
  readonly slots: number;
  /** `LedgerWindow.expiresAt` of every window of this period (see {@link budgetPeriod}). */
  readonly expiresAt: number;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** One formatter per time zone (a bounded set: the zones of the configured budgets). */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The cached formatter of `timeZone`; throws `RangeError` for a zone `Intl` does not know. @internal */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date and time of clock time `t` in `timeZone` (second resolution). */
function localParts(t: number, timeZone: string): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of zoneFormatter(timeZone).formatToParts(t)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'second' || p.type === 'minute')
      out[p.type] = Number(p.value);
    else if (p.type === 'hour') out.hour = Number(p.value) % 24;
  }
  return out;
}

/** Local wall time of `t` minus `t` (floored to the second): the zone's UTC offset then, ms. @internal */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

/** `y*10000 + m*100 + d` of a local date, for ordering. */
function dateKey(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  return p.year * 10_000 + p.month * 100 + p.day;
}

/**
 * The first instant of local date `year-month-day` in `timeZone`: local midnight, or where the day
 * begins when midnight does not exist there (a DST gap at midnight, e.g. America/Santiago).
 * @internal
 */
export function startOfLocalDay(timeZone: string, year: number, month: number, day: number): number {
  const wall = Date.UTC(year, month - 1, day);
  // The offsets before and after any transition near the date (local midnight is within ±14 h of `wall`).
  const c1 = wall - zoneOffsetMs(wall - DAY_MS, timeZone);
  const c2 = wall - zoneOffsetMs(wall + DAY_MS, timeZone);
  let best = Infinity;
  for (const c of [c1, c2]) if (c < best && c + zoneOffsetMs(c, timeZone) === wall) best = c;
  if (best !== Infinity) return best;
  // Midnight falls in a gap: the day begins at the transition, the first second whose date is the day.
  const want = year * 10_000 + month * 100 + day;
  let lo = Math.min(c1, c2);
  let hi = Math.max(c1, c2);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (dateKey(mid, timeZone) >= want) hi = mid;
    else lo = mid;
  }
  return hi;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `t` as ISO 8601 in `timeZone`'s offset then (`…+05:30`; offset 0: `…Z`). @internal */
export function isoInZone(t: number, timeZone: string): string {
  const offsetMin = Math.round(zoneOffsetMs(t, timeZone) / 60_000);
  if (offsetMin === 0) return new Date(t).toISOString();
  const local = new Date(t + offsetMin * 60_000).toISOString().slice(0, -1);
  const a = Math.abs(offsetMin);
  return `${local}${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** The calendar day or month containing `now` in `timeZone`: its id and its start and end instants. @internal */
export function calendarWindow(
  unit: 'day' | 'month',
  timeZone: string,
  now: number,
): { id: string; start: number; end: number } {
  const p = localParts(now, timeZone);
  if (unit === 'month') {
    const next = p.month === 12 ? [p.year + 1, 1] : [p.year, p.month + 1];
    return {
      id: `${pad(p.year, 4)}-${pad(p.month)}`,
      start: startOfLocalDay(timeZone, p.year, p.month, 1),
      end: startOfLocalDay(timeZone, next[0]!, next[1]!, 1),
    };
  }
  const tomorrow = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  return {
    id: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`,
    start: startOfLocalDay(timeZone, p.year, p.month, p.day),
    end: startOfLocalDay(timeZone, tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate()),
  };
}

/**
 * The window of a budget at clock time `now`. `expiresAt` (when the ledger may drop the window's
 * state): calendar, the window's end + `holdMs`; rolling, `end + (slots + 1) × slotMs + holdMs` with
 * `end` the next slot boundary, i.e. at least `now + (slots + 1) × slotMs + holdMs` for any `now` the
 * period is used at (it is cached for its slot).
 * @internal
 */
export function budgetPeriod(window: BudgetWindow, timeZone: string, holdMs: number, now: number): BudgetPeriod {
  if (typeof window === 'object') {
    const slotMs = Math.ceil(window.rollingMs / ROLLING_SLOTS);
    const start = Math.floor(now / slotMs) * slotMs;
    const end = start + slotMs;
    return Object.freeze({
      id: 'rolling',
      keyPart: `rolling-${window.rollingMs}`,
      start,
      end,
      resetsAt: end,
      resetsAtIso: isoInZone(end, timeZone),
      slotMs,
      slots: ROLLING_SLOTS,
      expiresAt: end + (ROLLING_SLOTS + 1) * slotMs + holdMs,
    });
  }
  const w = calendarWindow(window, timeZone, now);
  return Object.freeze({
    id: w.id,
    keyPart: w.id,
    start: w.start,
    end: w.end,
    resetsAt: w.end,
    resetsAtIso: isoInZone(w.end, timeZone),
    slotMs: 0,
    slots: 0,
    expiresAt: w.end + holdMs,
  });
}

/**
 * Ledger key of one window: `<budget>:<scope value, or * for a global budget>:<window>`. The scope
 * value is percent-encoded (`:`, `/`, `{`, `}`, `*`, spaces... escaped), so values cannot collide
 * with each other or the separators, and a Redis hash tag cannot be smuggled in.
 * @internal
 */
export function budgetWindowKey(budget: string, scopeValue: string | undefined, keyPart: string): string {
  const value = scopeValue === undefined ? '*' : encodeURIComponent(scopeValue).replace(/\*/g, '%2A');
  return `${budget}:${value}:${keyPart}`;
}

/** One scope value's window of a budget in the current period, with this process's warning state. @internal */
export interface WindowEntry {
  readonly window: LedgerWindow;
  readonly period: BudgetPeriod;
  readonly scopeValue: string | undefined;
  /** Thresholds (count, in `warnAt` order) already marked in this window, as far as this process knows. */
  warned: number;
}

/** Most scope values whose windows one budget caches (the oldest is dropped beyond it). */
export const MAX_CACHED_VALUES = 10_000;

/**
 * The current windows of one budget: the period is computed once and reused until the clock passes
 * its end (no `Intl` work on the hot path); the {@link WindowEntry} of each scope value is built once
 * per period (bounded, oldest dropped).
 * @internal
 */
export class BudgetWindows {
  #period: BudgetPeriod | undefined = undefined;
  readonly #entries = new Map<string | undefined, WindowEntry>();

  constructor(
    readonly name: string,
    readonly window: BudgetWindow,
    readonly timeZone: string,
    /** `LedgerWindow.limit`, nano-USD. */
    readonly limit: number,
    readonly holdMs: number,
  ) {}

  /** The period at clock time `now` (recomputed only once `now` reaches the cached one's end). */
  period(now: number): BudgetPeriod {
    const p = this.#period;
    if (p !== undefined && now < p.end && now >= p.start) return p;
    this.#entries.clear();
    return (this.#period = budgetPeriod(this.window, this.timeZone, this.holdMs, now));
  }

  /** The entry of `scopeValue` (undefined: a global budget) at clock time `now`. */
  entry(scopeValue: string | undefined, now: number): WindowEntry {
    const period = this.period(now);
    let e = this.#entries.get(scopeValue);
    if (e !== undefined) return e;
    if (this.#entries.size >= MAX_CACHED_VALUES) this.#entries.delete(this.#entries.keys().next().value);
    const window: LedgerWindow = Object.freeze({
      key: budgetWindowKey(this.name, scopeValue, period.keyPart),
      limit: this.limit,
      slotMs: period.slotMs,
      slots: period.slots,
      expiresAt: period.expiresAt,
    });
    e = { window, period, scopeValue, warned: 0 };
    this.#entries.set(scopeValue, e);
    return e;
  }
}
