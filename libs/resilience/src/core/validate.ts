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
