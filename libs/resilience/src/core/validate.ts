import type { Clock, RandomSource } from './clock.js';
import { ResilienceConfigError } from './errors.js';

/** Checks one numeric option; throws {@link ResilienceConfigError} naming `path` and the value. */
export function checkNumber(
  path: string,
  value: unknown,
  rule: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean; allowInfinity?: boolean },
): number {
  const parts: string[] = [];
  if (rule.integer) parts.push('an integer');
  else parts.push('a number');
  if (rule.min !== undefined) parts.push(`${rule.minExclusive ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  const expected = parts.join(' ');
  if (typeof value !== 'number' || Number.isNaN(value)) throw new ResilienceConfigError(path, value, expected);
  if (!Number.isFinite(value) && !(rule.allowInfinity && value === Infinity)) throw new ResilienceConfigError(path, value, expected);
  if (rule.integer && Number.isFinite(value) && !Number.isInteger(value)) throw new ResilienceConfigError(path, value, expected);
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) throw new ResilienceConfigError(path, value, expected);
  if (rule.max !== undefined && value > rule.max) throw new ResilienceConfigError(path, value, expected);
  return value;
}

/** Like {@link checkNumber}, but returns `fallback` when the value is undefined. */
export function optionalNumber(
  path: string,
  value: unknown,
  fallback: number,
  rule: Parameters<typeof checkNumber>[2],
): number {
  return value === undefined ? fallback : checkNumber(path, value, rule);
}

/** Checks that an option is a function when present. */
export function optionalFunction<T>(path: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ResilienceConfigError(path, value, 'a function');
  return value as T;
}

/** Checks that an option is one of `allowed` when present. */
export function optionalEnum<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ResilienceConfigError(path, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** Rejects keys not in `known` (catches typos such as `failureTreshold`). */
export function checkKnownKeys(path: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ResilienceConfigError(path ? `${path}.${key}` : key, (options as Record<string, unknown>)[key], `one of the known options: ${known.join(', ')}`);
    }
  }
}

/**
 * Checks that an option is an object (not null, not an array) with a method for each name in
 * `methods` when present; a missing method is reported as `path.method`.
 */
export function optionalMethods<T extends object>(path: string, value: unknown, methods: readonly string[], expected: string): T | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ResilienceConfigError(path, value, expected);
  for (const m of methods) {
    const fn = (value as Record<string, unknown>)[m];
    if (typeof fn !== 'function') throw new ResilienceConfigError(`${path}.${m}`, fn, `a function (${path} must be ${expected})`);
  }
  return value as T;
}

const CLOCK_SHAPE = 'a Clock: { now(), setTimeout(fn, ms), clearTimeout(handle) }, e.g. systemClock or a VirtualClock';

/**
 * Checks a {@link Clock} option when present: an object with `now`, `setTimeout` and
 * `clearTimeout` functions whose `now()` returns a finite number (read once, side-effect free).
 */
export function optionalClock(path: string, value: unknown): Clock | undefined {
  const clock = optionalMethods<Clock>(path, value, ['now', 'setTimeout', 'clearTimeout'], CLOCK_SHAPE);
  if (clock === undefined) return undefined;
  let now: unknown;
  try {
    now = clock.now();
  } catch (error) {
    throw new ResilienceConfigError(`${path}.now`, clock.now, `a function returning the time in ms (it threw: ${(error as Error)?.message ?? String(error)})`);
  }
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new ResilienceConfigError(`${path}.now()`, now, 'a finite number of milliseconds');
  return clock;
}

/**
 * Checks a {@link RandomSource} option when present: a function returning numbers in [0, 1).
 * It is not called here (calling it would shift a seeded sequence).
 */
export function optionalRandom(path: string, value: unknown): RandomSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ResilienceConfigError(path, value, 'a function returning a number in [0, 1), e.g. Math.random or seededRandom(seed)');
  return value as RandomSource;
}
