import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { NamedPolicies, type PolicyEnv } from './named-policies.js';
import type { KindName } from './policy-kinds.js';

const env: PolicyEnv = { clock: new VirtualClock(0), random: () => 0.5, store: undefined };

/** A store that is not the memory one (so `shared` matters), recording what it was asked to create. */
function sharedStore(): ResilienceStore & { created: string[] } {
  const memory = new MemoryStore();
  const created: string[] = [];
  const store: ResilienceStore & { created: string[] } = {
    kind: 'shared-test',
    created,
    createBucket: (owner, spec, clock) => (created.push(owner.key), memory.createBucket(owner, spec, clock)),
    createBreaker: (owner, options, clock) => (created.push(owner.key), memory.createBreaker(owner, options, clock)),
    withStoreErrorPolicy: () => store,
  };
  return store;
}

function error(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('did not throw');
}

describe('NamedPolicies', () => {
  it('creates the configured policies, each merged over default (the entry winning)', () => {
    const created: string[] = [];
    const retries = new NamedPolicies(
      'retry',
      { retries: { default: { maxRetries: 1, baseDelayMs: 5 }, fast: { baseDelayMs: 1 }, slow: {} } },
      env,
      (kind, p) => created.push(`${kind}:${p.name}`),
    );
    expect(retries.names()).toEqual(['fast', 'slow']);
    expect(retries.get('fast').options).toMatchObject({ maxRetries: 1, baseDelayMs: 1 });
    expect(retries.get('slow').options).toMatchObject({ maxRetries: 1, baseDelayMs: 5 });
    expect(created).toEqual(['retry:fast', 'retry:slow']);
  });

  it('get of an unknown name lists the known ones (or says none is configured)', () => {
    const breakers = new NamedPolicies('breaker', { breakers: { a: {}, b: {} } }, env);
    expect(error(() => breakers.get('c')).message).toBe(
      'Invalid resilience option breakers: "c" (expected the name of a configured breaker: a, b)',
    );
    const none = new NamedPolicies('bulkhead', {}, env);
    expect(error(() => none.get('db')).message).toBe(
      'Invalid resilience option bulkheads: "db" (expected a configured bulkhead (none is configured under \'bulkheads\'))',
    );
  });

  it.each<[KindName, object, string]>([
    ['limiter', { limiters: { x: { periodMs: 10 } } }, 'limiters.x.rate'],
    ['bulkhead', { bulkheads: { x: { maxQueued: 1 } } }, 'bulkheads.x.maxConcurrent'],
    ['timeout', { timeouts: { x: { signalArg: 0 } } }, 'timeouts.x.timeoutMs'],
    ['fallback', { fallbacks: { x: { excludeOn: [] } } }, 'fallbacks.x.value'],
  ])('%s: a required option missing here and in default fails naming both places', (kind, options, path) => {
    const e = error(() => new NamedPolicies(kind, options as Record<string, unknown>, env));
    expect(e.path).toBe(path);
    expect(e.expected).toContain(`(set it here or in ${path.split('.')[0]}.default)`);
  });

  it('validates default on its own, unless a required option is left to the entries', () => {
    expect(error(() => new NamedPolicies('retry', { retries: { default: { maxRetries: -1 } } }, env)).path).toBe(
      'retries.default.maxRetries',
    );
    // `default` without a rate is fine: each limiter sets its own.
    expect(
      new NamedPolicies('limiter', { limiters: { default: { periodMs: 10 }, a: { rate: 1 } } }, env).names(),
    ).toEqual(['a']);
    expect(error(() => new NamedPolicies('limiter', { limiters: { default: { rate: 0 } } }, env)).path).toBe(
      'limiters.default.rate',
    );
  });

  it('rejects a section or entry that is not an object', () => {
    expect(error(() => new NamedPolicies('breaker', { breakers: [] }, env)).path).toBe('breakers');
    expect(error(() => new NamedPolicies('breaker', { breakers: { a: 3 } }, env)).path).toBe('breakers.a');
  });

  it('store sharing: limiters use a shared store unless shared: false, breakers only with shared: true', () => {
    const store = sharedStore();
    const shared = { ...env, store };
    new NamedPolicies('limiter', { limiters: { on: { rate: 1 }, off: { rate: 1, shared: false } } }, shared);
    new NamedPolicies('breaker', { breakers: { off: {}, on: { shared: true } } }, shared);
    // Only the policies that use the shared store asked it for state (the others live in memory).
    expect(store.created.sort()).toEqual(['breaker:on', 'limiter:on']);
    expect(
      error(() => new NamedPolicies('limiter', { limiters: { x: { rate: 1, shared: 'yes' } } }, shared)).path,
    ).toBe('limiters.x.shared');
    expect(
      error(() => new NamedPolicies('limiter', { limiters: { x: { rate: 1, onStoreError: 'ignore' } } }, shared)).path,
    ).toBe('limiters.x.onStoreError');
  });

  it('kinds without shared state refuse shared and onStoreError, naming the option', () => {
    const e = error(() => new NamedPolicies('retry', { retries: { default: { onStoreError: 'fail-open' } } }, env));
    expect(e.message).toBe(
      'Invalid resilience option retries.default.onStoreError: "fail-open" (expected nothing: retries keep no state in the store (only breakers and limiters do))',
    );
  });

  describe('resolve (decorator references)', () => {
    const where = '@WithRetry on A.m';

    it('a name refers to configured policies only', () => {
      const retries = new NamedPolicies('retry', { retries: { fast: {} } }, env);
      expect(retries.resolve('fast', where, 'A.m')).toBe(retries.get('fast'));
      expect(error(() => retries.resolve('fats', where, 'A.m')).message).toBe(
        'Invalid resilience option @WithRetry on A.m: "fats" (expected one of the configured retries: fast)',
      );
      retries.resolve({ name: 'inline' }, where, 'A.m');
      expect(() => retries.resolve('inline', where, 'B.m')).toThrow('expected one of the configured retries: fast');
    });

    it('inline options define Class.method (or name), merged over default; equal definitions share it', () => {
      const retries = new NamedPolicies('retry', { retries: { default: { maxRetries: 7 } } }, env);
      const a = retries.resolve({ baseDelayMs: 3 }, where, 'A.m');
      expect(a.name).toBe('A.m');
      expect(a.options).toMatchObject({ maxRetries: 7, baseDelayMs: 3 });
      const shared = retries.resolve({ name: 'shared', baseDelayMs: 3 }, where, 'A.n');
      expect(retries.resolve({ name: 'shared', baseDelayMs: 3 }, '@WithRetry on B.m', 'B.m')).toBe(shared);
      expect(() => retries.resolve({ name: 'shared', baseDelayMs: 4 }, '@WithRetry on C.m', 'C.m')).toThrow(
        /@WithRetry on C\.m: "shared" \(expected a name not already defined with other options/,
      );
      expect(error(() => retries.resolve({ name: '' }, where, 'A.m')).path).toBe(`${where}.name`);
      expect(error(() => retries.resolve({ maxRetries: -1 }, where, 'Z.m')).path).toBe(`${where}.maxRetries`);
    });
  });
});
