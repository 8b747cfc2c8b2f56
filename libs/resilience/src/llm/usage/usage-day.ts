import { ResilienceConfigError } from '../../core/errors/config.error.js';

/** `YYYY-MM-DD`. */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** One cached formatter per time zone (`Intl.DateTimeFormat` is costly to build). Bounded by the zones in use. */
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = FORMATTERS.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (FORMATTERS.size >= 64) FORMATTERS.clear();
    FORMATTERS.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone (or `UTC`) that `Intl` knows. @internal */
export function isTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The calendar day `YYYY-MM-DD` of the instant `ms` in `timeZone`. @internal */
export function dayOf(ms: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(ms);
  let y = '';
  let m = '';
  let d = '';
  for (const p of parts) {
    if (p.type === 'year') y = p.value;
    else if (p.type === 'month') m = p.value;
    else if (p.type === 'day') d = p.value;
  }
  return `${y}-${m}-${d}`;
}

/** True for a real calendar day `YYYY-MM-DD`. @internal */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DAY.exec(value);
  if (m === null) return false;
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return t.toISOString().slice(0, 10) === value;
}

/** A day argument (`YYYY-MM-DD`, or a Date read in `timeZone`) as `YYYY-MM-DD`; throws naming `path` otherwise. @internal */
export function toDay(path: string, value: unknown, timeZone: string): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return dayOf(value.getTime(), timeZone);
  if (isDay(value)) return value;
  throw new ResilienceConfigError(path, value, 'a day `YYYY-MM-DD` or a valid Date');
}

/** The calendar day `n` days after `day` (negative: before). @internal */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The day of an ISO `time` in `timeZone`; `fallbackMs` when `time` is not a valid date. @internal */
export function dayOfTime(time: unknown, timeZone: string, fallbackMs: number): string {
  const ms = typeof time === 'string' ? Date.parse(time) : NaN;
  return dayOf(Number.isFinite(ms) ? ms : fallbackMs, timeZone);
}
