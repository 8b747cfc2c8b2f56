import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { EventEmitter } from '../../core/events/event-emitter.js';
import type { StoreStatusEvent } from '../../core/store/store-events.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { CircuitBreaker } from '../decorators/circuit-breaker.decorator.js';
import { ResilienceModule } from '../resilience.module.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { BulkheadService } from '../services/bulkhead.service.js';
import { CircuitBreakerService } from '../services/circuit-breaker.service.js';
import { FallbackService } from '../services/fallback.service.js';
import { RateLimiterService } from '../services/rate-limiter.service.js';
import { RetryService } from '../services/retry.service.js';
import { TimeoutService } from '../services/timeout.service.js';
import { ResilienceEvents, type ResilienceEvent } from './resilience-events.js';

class Transient extends Error {
  readonly isTransient = true;
}
const fail = () => Promise.reject(new Transient('down'));

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
  jest.restoreAllMocks();
});

async function boot(options: ResilienceModuleOptions, providers: unknown[] = []): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({
    imports: [ResilienceModule.forRoot(options)],
    providers: providers as never,
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('ResilienceEvents', () => {
  it('delivers the events of every kind of policy, discriminated by type', async () => {
    const clock = new VirtualClock(0);
    const m = await boot({
      clock,
      breakers: { b: { failureThreshold: 1 } },
      retries: { r: { maxRetries: 1, baseDelayMs: 0, jitter: 'none' } },
      limiters: { l: { rate: 1, periodMs: 60_000, mode: 'reject' } },
      timeouts: { t: { timeoutMs: 10 } },
      bulkheads: { h: { maxConcurrent: 1 } },
      fallbacks: { f: { value: 'fallback' } },
    });
    const seen: ResilienceEvent[] = [];
    const subscription = m.get(ResilienceEvents).subscribe((e) => seen.push(e));

    await expect(m.get(CircuitBreakerService).execute('b', fail)).rejects.toThrow('down');
    await expect(m.get(RetryService).execute('r', fail)).rejects.toThrow('down');
    await m.get(RateLimiterService).acquire('l');
    await expect(m.get(RateLimiterService).acquire('l')).rejects.toThrow();
    const late = m
      .get(TimeoutService)
      .execute('t', () => new Promise<never>(() => undefined))
      .catch(() => undefined);
    await clock.advance(10);
    await late;
    let release!: () => void;
    const held = m.get(BulkheadService).execute('h', () => new Promise<void>((resolve) => (release = resolve)));
    await expect(m.get(BulkheadService).execute('h', () => 1)).rejects.toThrow();
    release();
    await held;
    await expect(m.get(FallbackService).execute('f', fail)).resolves.toBe('fallback');

    const types = seen.map((e) => e.type);
    for (const type of [
      'breaker.failure',
      'breaker.state',
      'retry.scheduled',
      'retry.giveup',
      'limiter.rejected',
      'timeout',
      'bulkhead.rejected',
      'fallback',
    ])
      expect(types).toContain(type);
    expect(seen.find((e) => e.type === 'breaker.state')).toMatchObject({ policy: 'b', from: 'closed', to: 'open' });
    expect(seen.find((e) => e.type === 'timeout')).toMatchObject({ policy: 't', scope: 'attempt', timeoutMs: 10 });
    subscription.dispose();
    const count = seen.length;
    await expect(m.get(FallbackService).execute('f', fail)).resolves.toBe('fallback');
    expect(seen).toHaveLength(count);
  });

  it('on(type) delivers only that type; policies created later (inline decorators) are followed too', async () => {
    const clock = new VirtualClock(0);
    class Plain {
      @CircuitBreaker({ failureThreshold: 1 })
      async call() {
        throw new Transient('down');
      }
    }
    const m = await boot({ clock });
    const states: string[] = [];
    const d = m.get(ResilienceEvents).on('breaker.state', (e) => states.push(`${e.policy}:${e.from}->${e.to}`));
    // A class Nest did not create: its breaker is created on its first call, after the subscription.
    await expect(new Plain().call()).rejects.toThrow('down');
    expect(states).toEqual(['Plain.call:closed->open']);
    d.dispose();
  });

  it('subscribes to the policies only while it has listeners (no listener, no cost)', async () => {
    const m = await boot({ breakers: { b: {} } });
    const breaker = m.get(ResilienceRegistry).breaker('b');
    const disposed = jest.fn();
    const original = breaker.onStateChange;
    const subscribe = jest.fn((listener: Parameters<typeof original>[0]) => {
      const inner = original(listener);
      return {
        dispose: () => {
          disposed();
          inner.dispose();
        },
      };
    });
    (breaker as { onStateChange: unknown }).onStateChange = subscribe;
    const events = m.get(ResilienceEvents);
    expect(subscribe).not.toHaveBeenCalled();
    const a = events.subscribe(() => undefined);
    const b = events.on('breaker.state', () => undefined);
    expect(subscribe).toHaveBeenCalledTimes(1);
    a.dispose();
    expect(disposed).not.toHaveBeenCalled();
    b.dispose();
    expect(disposed).toHaveBeenCalledTimes(1);
  });

  it("forwards the store's store.down / store.up", async () => {
    const memory = new MemoryStore();
    const status = new EventEmitter<StoreStatusEvent>();
    const store: ResilienceStore = {
      kind: 'observable',
      createBucket: (owner, spec, clock) => memory.createBucket(owner, spec, clock),
      createBreaker: (owner, options, clock) => memory.createBreaker(owner, options, clock),
      onStatus: status.subscribe,
    };
    const m = await boot({ store });
    const seen: ResilienceEvent[] = [];
    m.get(ResilienceEvents).subscribe((e) => seen.push(e));
    status.emit({ type: 'store.down', store: 'redis', error: 'ECONNREFUSED', at: 1 });
    status.emit({ type: 'store.up', store: 'redis', at: 2 });
    await flushMicrotasks();
    expect(seen.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    await m.close();
    moduleRef = undefined;
    expect(status.hasListeners).toBe(false);
  });
});

describe('ResilienceEvents in a provider', () => {
  it('can be injected and used from a constructor', async () => {
    @Injectable()
    class Audit {
      readonly log: string[] = [];
      constructor(events: ResilienceEvents) {
        events.on('fallback', (e) => this.log.push(e.policy));
      }
    }
    const m = await boot({ fallbacks: { f: { value: 0 } } }, [Audit]);
    await m.get(FallbackService).execute('f', fail);
    expect(m.get(Audit).log).toEqual(['f']);
  });
});
