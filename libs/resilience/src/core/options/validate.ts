import type { Clock, RandomSource } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import type { ResilienceStore } from '../store/store.js';

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
  if (!Number.isFinite(value) && !(rule.allowInfinity && value === Infinity))
    throw new ResilienceConfigError(path, value, expected);
  if (rule.integer && Number.isFinite(value) && !Number.isInteger(value))
    throw new ResilienceConfigError(path, value, expected);
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min))
    throw new ResilienceConfigError(path, value, expected);
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

/** Checks an optional boolean option; returns `fallback` when it is undefined. */
export function checkBoolean(path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ResilienceConfigError(path, value, 'a boolean');
  return value;
}

/** Checks an optional plain-object option (not null, not an array); returns `{}` when it is undefined. */
export function checkRecord(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, 'an object');
  return value as Record<string, unknown>;
}

/** Rejects keys not in `known` (catches typos such as `failureTreshold`). */
export function checkKnownKeys(path: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      // A string value is not shown: a mistyped option name may hold a secret (`apikey: 'sk-…'`).
      throw new ResilienceConfigError(
        path ? `${path}.${key}` : key,
        (options as Record<string, unknown>)[key],
        `one of the known options: ${known.join(', ')}`,
        false,
      );
    }
  }
}

/**
 * The first check of a normalizer: `input` is an options object (not null, not an array);
 * throws `ResilienceConfigError(path, input, expected)` otherwise.
 */
export function checkOptionsObject(
  path: string,
  input: unknown,
  expected = 'an options object',
): asserts input is object {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ResilienceConfigError(path, input, expected);
}

/** Checks the `name` of named options (a non-empty string) and returns it. */
export function checkName(path: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new ResilienceConfigError(path, name, 'a non-empty string');
  return name;
}

/**
 * The prologue of a normalizer, once `options` is known to be an object: rejects keys not in
 * `known` (see {@link checkKnownKeys}) and returns the builder of option paths under `path`
 * (`p('burst')` is `<path>.burst`) that the normalizer names its errors with.
 */
export function startNormalize<K extends string = string>(
  path: string,
  options: object,
  known: readonly string[],
): (key: K) => string {
  checkKnownKeys(path, options, known);
  return (key) => `${path}.${key}`;
}

/**
 * Checks that an option is an object (not null, not an array) with a method for each name in
 * `methods` when present; a missing method is reported as `path.method`.
 */
export function optionalMethods<T extends object>(
  path: string,
  value: unknown,
  methods: readonly string[],
  expected: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, expected);
  for (const m of methods) {
    const fn = (value as Record<string, unknown>)[m];
    if (typeof fn !== 'function')
      throw new ResilienceConfigError(`${path}.${m}`, fn, `a function (${path} must be ${expected})`);
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
    throw new ResilienceConfigError(
      `${path}.now`,
      clock.now,
      `a function returning the time in ms (it threw: ${(error as Error)?.message ?? String(error)})`,
    );
  }
  if (typeof now !== 'number' || !Number.isFinite(now))
    throw new ResilienceConfigError(`${path}.now()`, now, 'a finite number of milliseconds');
  return clock;
}

/**
 * Checks a {@link RandomSource} option when present: a function returning numbers in [0, 1).
 * It is not called here (calling it would shift a seeded sequence).
 */
export function optionalRandom(path: string, value: unknown): RandomSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new ResilienceConfigError(
      path,
      value,
      'a function returning a number in [0, 1), e.g. Math.random or seededRandom(seed)',
    );
  return value as RandomSource;
}

const STORE_SHAPE = 'a ResilienceStore: { kind, createBucket(), createBreaker() }, e.g. a MemoryStore or RedisStore';

/**
 * Checks a {@link ResilienceStore} option when present: an object with a non-empty `kind`,
 * `createBucket` and `createBreaker` functions, and functions (or nothing) for the optional
 * members, so a half-implemented store fails here, naming the member, not at the first call.
 */
export function optionalStore(path: string, value: unknown): ResilienceStore | undefined {
  const store = optionalMethods<Record<string, unknown>>(path, value, ['createBucket', 'createBreaker'], STORE_SHAPE);
  if (store === undefined) return undefined;
  if (typeof store.kind !== 'string' || store.kind.length === 0)
    throw new ResilienceConfigError(
      `${path}.kind`,
      store.kind,
      'a non-empty string naming the store (shown in health output)',
    );
  for (const m of ['createSlidingWindow', 'createCounters', 'close', 'withStoreErrorPolicy'] as const) {
    if (store[m] !== undefined && typeof store[m] !== 'function')
      throw new ResilienceConfigError(`${path}.${m}`, store[m], 'a function or absent');
  }
  return store as unknown as ResilienceStore;
}

/** What a policy constructor may be given: the members {@link checkPolicyDeps} checks. */
export interface CheckedDeps {
  clock?: Clock;
  random?: RandomSource;
  store?: ResilienceStore;
}

/**
 * Checks the `deps` a policy is constructed with (once, at construction): `deps` itself must be
 * an object, and each member in `members` is checked with {@link optionalClock},
 * {@link optionalRandom} or {@link optionalStore} under `path.<member>` (e.g. `breakers.payments.clock`).
 * Members not listed are left alone (a policy ignores them).
 */
export function checkPolicyDeps(path: string, deps: unknown, members: readonly (keyof CheckedDeps)[]): CheckedDeps {
  if (deps === undefined) return {};
  if (deps === null || typeof deps !== 'object' || Array.isArray(deps)) {
    throw new ResilienceConfigError(
      `${path}.deps`,
      deps,
      `an object { ${members.map((m) => `${m}?`).join(', ')} } or undefined`,
    );
  }
  const d = deps as Record<string, unknown>;
  const out: CheckedDeps = {};
  for (const m of members) {
    if (m === 'clock') out.clock = optionalClock(`${path}.clock`, d.clock);
    else if (m === 'random') out.random = optionalRandom(`${path}.random`, d.random);
    else out.store = optionalStore(`${path}.store`, d.store);
  }
  return out;
}
