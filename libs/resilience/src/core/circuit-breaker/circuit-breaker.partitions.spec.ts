import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { CircuitStateChange } from './circuit-breaker.options.js';
import {
  calls,
  checkBreakerHarness,
  clock,
  fail,
  make,
  ok,
  openError,
  resetBreakerHarness,
  resetCalls,
  T0,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — partitions', () => {
  const byHost = (host: string) => host;

  it('gives each partition key its own breaker', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000, partitionKey: byHost });
    await fail(b, new Error('a down'), ['a']);
    await fail(b, new Error('a down'), ['a']);
    expect(b.state('a')).toBe('open');
    expect(b.state('b')).toBe('closed');
    expect(await ok(b, ['b'])).toBe('ok');
    const e = await openError(fail(b, new Error('x'), ['a']));
    expect(e.partitionKey).toBe('a');
    expect(e.message).toBe("Circuit breaker 'b' [a] is open; retry after 1000 ms");
    // Aggregate state is the worst partition.
    expect(b.state()).toBe('open');
    expect(b.partitionCount).toBe(2);
    const snaps = b.snapshots().sort((x, y) => x.partitionKey!.localeCompare(y.partitionKey!));
    expect(snaps.map((s) => [s.partitionKey, s.state, s.failures, s.successes])).toEqual([
      ['a', 'open', 2, 0],
      ['b', 'closed', 0, 1],
    ]);
    expect(b.snapshot('a').stateChanges).toEqual([
      { type: 'breaker.state', policy: 'b', partitionKey: 'a', from: 'closed', to: 'open', at: T0 },
    ]);
    const agg = b.snapshot();
    expect([agg.state, agg.successes, agg.failures, agg.rejections, agg.retryAfterMs]).toEqual([
      'open',
      1,
      2,
      1,
      1_000,
    ]);
    expect(agg.partitionKey).toBeUndefined();
  });

  it('aggregate state is half_open when the worst partition is half-open', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost });
    await fail(b, new Error('x'), ['a']);
    await ok(b, ['b']);
    await clock.advance(1_000);
    expect(b.state()).toBe('half_open');
    await fail(b, new Error('x'), ['c']);
    expect(b.state()).toBe('open');
  });

  it('an unknown partition reports closed and is not created by state() or snapshot(key)', async () => {
    const b = make({ failureThreshold: 1, partitionKey: byHost });
    expect(b.state('nope')).toBe('closed');
    const s = b.snapshot('nope');
    expect([s.partitionKey, s.state, s.successes]).toEqual(['nope', 'closed', 0]);
    expect(b.partitionCount).toBe(0);
    // With no live partition, the breaker still reports itself (health checks list every breaker).
    expect(b.snapshots().map((x) => [x.name, x.partitionKey, x.state, x.failures])).toEqual([
      ['b', undefined, 'closed', 0],
    ]);
    expect(b.partitionCount).toBe(0);
  });

  it('maxPartitions bounds memory; idle partitions are evicted first', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost, maxPartitions: 2 });
    await fail(b, new Error('x'), ['a']); // open: busy
    await ok(b, ['b']); // closed, nothing counted: idle
    await ok(b, ['c']); // b evicted, not the older a
    expect(b.partitionCount).toBe(2);
    expect(b.snapshots().map((s) => s.partitionKey)).toEqual(['a', 'c']);
    expect(b.state('a')).toBe('open');
    for (let i = 0; i < 100; i++) await ok(b, [`h${i}`]);
    expect(b.partitionCount).toBe(2);
    expect(b.state('a')).toBe('open');
  });

  it('a new partition keeps its state even when all others are busy', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000, partitionKey: byHost, maxPartitions: 2 });
    await fail(b, new Error('x'), ['a']);
    await fail(b, new Error('x'), ['a']);
    await fail(b, new Error('x'), ['b']);
    await fail(b, new Error('x'), ['b']);
    await fail(b, new Error('x'), ['c']);
    await fail(b, new Error('x'), ['c']);
    expect(b.partitionCount).toBe(2);
    expect(b.state('c')).toBe('open');
    expect(b.snapshots().map((s) => s.partitionKey)).toEqual(['b', 'c']);
  });

  it('snapshot(key) of a never-used partition under forceOpen reports open without emitting events or creating it', async () => {
    const events: CircuitStateChange[] = [];
    const b = make({ failureThreshold: 1, partitionKey: byHost, onStateChange: (e) => events.push(e) });
    b.forceOpen();
    const s = b.snapshot('ghost');
    expect([s.partitionKey, s.state, s.forcedOpen]).toEqual(['ghost', 'open', true]);
    b.snapshot('ghost');
    expect(events).toEqual([]);
    expect(b.partitionCount).toBe(0);
    // A real call creates it (open) and emits its change once.
    await openError(fail(b, new Error('x'), ['ghost']));
    expect(events).toEqual([
      { type: 'breaker.state', policy: 'b', partitionKey: 'ghost', from: 'closed', to: 'open', at: T0 },
    ]);
  });

  it('policy-level forceOpen applies to existing and new partitions until reset()', async () => {
    const b = make({ failureThreshold: 5, recoveryTimeMs: 1_000, partitionKey: byHost });
    await ok(b, ['a']);
    b.forceOpen();
    expect(b.state()).toBe('open');
    expect(b.state('z')).toBe('open');
    expect((await openError(fail(b, new Error('x'), ['a']))).partitionKey).toBe('a');
    const e = await openError(fail(b, new Error('x'), ['z']));
    expect(e.partitionKey).toBe('z');
    expect(calls).toBe(1);
    expect(b.snapshot().forcedOpen).toBe(true);
    expect(b.snapshot('z').forcedOpen).toBe(true);
    await clock.advance(3_600_000);
    expect(b.state('z')).toBe('open');
    b.reset();
    expect(b.state()).toBe('closed');
    expect(await ok(b, ['new'])).toBe('ok');
    expect(await ok(b, ['z'])).toBe('ok');
    expect(b.snapshot().forcedOpen).toBe(false);
  });

  it('forceOpen(key) opens one partition only; disable() applies to new partitions', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, partitionKey: byHost });
    b.forceOpen('a');
    expect(b.state('a')).toBe('open');
    expect(b.state('b')).toBe('closed');
    expect(await ok(b, ['b'])).toBe('ok');
    b.reset('a');
    expect(b.state('a')).toBe('closed');
    b.disable();
    resetCalls();
    for (let i = 0; i < 3; i++) await fail(b, new Error('x'), ['fresh']);
    expect(calls).toBe(3);
    expect(b.state()).toBe('closed');
    expect(b.snapshot('fresh').disabled).toBe(true);
    expect(b.snapshot().disabled).toBe(true);
  });

  it('keys are stringified', async () => {
    const b = make({ failureThreshold: 1, partitionKey: (id: number) => id as unknown as string });
    await fail(b, new Error('x'), [7]);
    expect(b.state('7')).toBe('open');
  });
});
