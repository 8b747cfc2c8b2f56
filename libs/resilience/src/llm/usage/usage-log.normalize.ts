import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { checkBoolean, checkOptionsObject, optionalNumber, startNormalize } from '../../core/options/validate.js';
import { isTimeZone } from './usage-day.js';
import type { UsageSink } from './usage.types.js';

/** Options of a {@link UsageLog} (see docs/llm/usage-log.md). @publicApi */
export interface UsageLogOptions {
  /** Directory of the daily JSONL files `<prefix>-YYYY-MM-DD.jsonl` (day in `timeZone`). Absent: no file sink. */
  dir?: string;
  /** File name prefix. Default `usage`. */
  prefix?: string;
  sinks?: readonly UsageSink[];
  /** Keep prompt and completion text in records. Default false. */
  includeText?: boolean;
  /** Most records buffered while sinks are slow; beyond it records are dropped and COUNTED. Default 10_000. */
  maxBuffered?: number;
  /** Day boundaries of files and summaries. Default `UTC`. */
  timeZone?: string;
  /** Days of per-day aggregates kept in memory for getDailySummary. Default 31. */
  keepDays?: number;
}

/** Defaults of the optional {@link UsageLogOptions}. @publicApi */
export const USAGE_LOG_DEFAULTS = Object.freeze({
  prefix: 'usage',
  includeText: false,
  maxBuffered: 10_000,
  timeZone: 'UTC',
  keepDays: 31,
});

const KNOWN = {
  dir: true,
  prefix: true,
  sinks: true,
  includeText: true,
  maxBuffered: true,
  timeZone: true,
  keepDays: true,
} as const satisfies Record<keyof UsageLogOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/** {@link UsageLogOptions} after defaults and validation. @internal */
export interface NormalizedUsageLogOptions {
  dir: string | undefined;
  prefix: string;
  sinks: readonly UsageSink[];
  includeText: boolean;
  maxBuffered: number;
  timeZone: string;
  keepDays: number;
}

/** Checks a directory option: a non-empty string. @internal */
export function checkDir(path: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw new ResilienceConfigError(path, value, 'a non-empty directory path');
  return value;
}

/** Checks a file name prefix: letters, digits, `.`, `_`, `-` (no path separator). @internal */
export function checkPrefix(path: string, value: unknown): string {
  if (value === undefined) return USAGE_LOG_DEFAULTS.prefix;
  if (typeof value !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(value) || /^\.+$/.test(value))
    throw new ResilienceConfigError(path, value, 'a file name prefix of letters, digits, `.`, `_` or `-`');
  return value;
}

/** Checks a time zone: an IANA name `Intl` knows (`UTC`, `Europe/Paris`). @internal */
export function checkTimeZone(path: string, value: unknown): string {
  if (value === undefined) return USAGE_LOG_DEFAULTS.timeZone;
  if (!isTimeZone(value))
    throw new ResilienceConfigError(path, value, 'an IANA time zone, e.g. `UTC` or `Europe/Paris`');
  return value;
}

function sinksOf(path: string, value: unknown): readonly UsageSink[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ResilienceConfigError(path, value, 'an array of UsageSink { name, write() }');
  const names = new Set<string>();
  value.forEach((sink: unknown, i) => {
    const at = `${path}[${i}]`;
    if (sink === null || typeof sink !== 'object')
      throw new ResilienceConfigError(at, sink, 'a UsageSink { name, write(records), close?() }');
    const s = sink as Record<string, unknown>;
    if (typeof s.name !== 'string' || s.name.length === 0)
      throw new ResilienceConfigError(`${at}.name`, s.name, 'a non-empty string');
    if (names.has(s.name)) throw new ResilienceConfigError(`${at}.name`, s.name, 'a name no other sink has');
    names.add(s.name);
    if (typeof s.write !== 'function') throw new ResilienceConfigError(`${at}.write`, s.write, 'a function');
    if (s.close !== undefined && typeof s.close !== 'function')
      throw new ResilienceConfigError(`${at}.close`, s.close, 'a function or absent');
  });
  return [...(value as UsageSink[])];
}

/**
 * Applies defaults and validates usage log options once; throws {@link ResilienceConfigError}
 * naming `<path>.<option>` (default path `costs.usageLog`) and the value.
 * @publicApi
 */
export function normalizeUsageLogOptions(options: UsageLogOptions, path = 'costs.usageLog'): NormalizedUsageLogOptions {
  checkOptionsObject(path, options, 'an options object { dir?, sinks?, includeText?, ... }');
  const p = startNormalize<keyof UsageLogOptions>(path, options, KNOWN_KEYS);
  const dir = options.dir === undefined ? undefined : checkDir(p('dir'), options.dir);
  return {
    dir,
    prefix: checkPrefix(p('prefix'), options.prefix),
    sinks: sinksOf(p('sinks'), options.sinks),
    includeText: checkBoolean(p('includeText'), options.includeText, USAGE_LOG_DEFAULTS.includeText),
    maxBuffered: optionalNumber(p('maxBuffered'), options.maxBuffered, USAGE_LOG_DEFAULTS.maxBuffered, {
      integer: true,
      min: 1,
    }),
    timeZone: checkTimeZone(p('timeZone'), options.timeZone),
    keepDays: optionalNumber(p('keepDays'), options.keepDays, USAGE_LOG_DEFAULTS.keepDays, {
      integer: true,
      min: 1,
      max: 3660,
    }),
  };
}
