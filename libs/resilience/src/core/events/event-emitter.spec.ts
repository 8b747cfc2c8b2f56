import { describe, expect, it } from '@jest/globals';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { VirtualClock } from '../clock.js';
import { EventEmitter } from './event-emitter.js';

describe('EventEmitter', () => {
  it('subscribe works detached; hasListeners and the change callback follow the listeners', () => {
    let changes = 0;
    const emitter = new EventEmitter<number>(() => changes++);
    const subscribe = emitter.subscribe;
    const seen: number[] = [];
    const a = subscribe((n) => seen.push(n));
    const b = subscribe((n) => seen.push(n * 10));
    expect(emitter.hasListeners).toBe(true);
    emitter.emit(1);
    a.dispose();
    a.dispose();
    emitter.emit(2);
    b.dispose();
    expect(emitter.hasListeners).toBe(false);
    expect(seen).toEqual([1, 10, 20]);
    expect(changes).toBe(4);
  });
});

describe('policy events are lazy', () => {
  it('a breaker times calls only while a success or failure listener is subscribed', async () => {
    const clock = new VirtualClock(0);
    const breaker = CircuitBreakerPolicy.create('lazy', {}, { clock });
    expect(breaker.measuresDuration).toBe(false);
    const on = breaker.onSuccess;
    const durations: number[] = [];
    const sub = on((e) => durations.push(e.durationMs));
    expect(breaker.measuresDuration).toBe(true);
    await breaker.execute(async () => {
      await clock.advance(7);
    });
    sub.dispose();
    expect(breaker.measuresDuration).toBe(false);
    await breaker.execute(() => 1);
    expect(durations).toEqual([7]);
  });
});
