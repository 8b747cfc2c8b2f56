import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError, TimeoutError } from '../../core/errors/index.js';
import { ResilienceModule } from '../resilience.module.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { TimeoutService } from '../services/timeout.service.js';
import { Timeout } from './timeout.decorator.js';
import { WithRetry } from './with-retry.decorator.js';

class Transient extends Error {
  readonly isTransient = true;
}

/** A promise that settles only when its signal aborts (rejecting with the reason), or never. */
function hang(signal?: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
}

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function boot(options: ResilienceModuleOptions, providers: unknown[] = []): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({
    imports: [ResilienceModule.forRoot(options)],
    providers: providers as never,
  }).compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

describe('@Timeout', () => {
  it('rejects with TimeoutError at the deadline and aborts the signal handed to parameter signalArg', async () => {
    const clock = new VirtualClock(0);
    const seen: (AbortSignal | undefined)[] = [];
    @Injectable()
    class Search {
      @Timeout({ timeoutMs: 100, signalArg: 1 })
      async find(_query: string, signal?: AbortSignal) {
        seen.push(signal);
        return hang(signal);
      }
    }
    const m = await boot({ clock }, [Search]);
    const outcome = m
      .get(Search)
      .find('q')
      .catch((e: unknown) => e);
    await clock.advance(99);
    expect(seen[0]!.aborted).toBe(false);
    await clock.advance(1);
    const error = (await outcome) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ policy: 'Search.find', timeoutMs: 100, scope: 'attempt', isTransient: true });
    expect(seen[0]!.aborted).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('rejects at the deadline even when the method ignores its signal, and leaves no timer once settled', async () => {
    const clock = new VirtualClock(0);
    @Injectable()
    class Stubborn {
      @Timeout({ timeoutMs: 50 })
      async ignore() {
        return hang(undefined);
      }

      @Timeout({ timeoutMs: 50 })
      async quick(x: number) {
        return x * 2;
      }
    }
    const m = await boot({ clock }, [Stubborn]);
    const svc = m.get(Stubborn);
    const outcome = svc.ignore().catch((e: unknown) => e);
    await clock.advance(50);
    expect(await outcome).toBeInstanceOf(TimeoutError);
    await expect(svc.quick(21)).resolves.toBe(42);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('gives each retry a fresh attempt deadline; the total deadline ends the whole call', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    @Injectable()
    class Flaky {
      @WithRetry({ maxRetries: 10, baseDelayMs: 10, jitter: 'none', backoffFactor: 1 })
      @Timeout({ timeoutMs: 100, totalTimeoutMs: 250, signalArg: 0 })
      async call(signal?: AbortSignal) {
        calls++;
        return hang(signal);
      }
    }
    const m = await boot({ clock }, [Flaky]);
    const outcome = m
      .get(Flaky)
      .call()
      .catch((e: unknown) => e);
    // Attempts at 0, 110, 220 (each cut at +100, then 10 ms delay); the total deadline at 250.
    await clock.advance(250);
    const error = (await outcome) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.scope).toBe('total');
    expect(error.timeoutMs).toBe(250);
    expect(calls).toBe(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('names a configured policy; the default entry is merged into inline options', async () => {
    const clock = new VirtualClock(0);
    @Injectable()
    class Api {
      @Timeout('search')
      async named() {
        return hang(undefined);
      }

      @Timeout({ signalArg: 0 })
      async inline(signal?: AbortSignal) {
        return hang(signal);
      }
    }
    const m = await boot({ clock, timeouts: { default: { timeoutMs: 30 }, search: { timeoutMs: 70 } } }, [Api]);
    const api = m.get(Api);
    const named = api.named().catch((e: unknown) => e);
    const inline = api.inline().catch((e: unknown) => e);
    await clock.advance(30);
    expect(await inline).toMatchObject({ policy: 'Api.inline', timeoutMs: 30 });
    await clock.advance(40);
    expect(await named).toMatchObject({ policy: 'search', timeoutMs: 70 });
    // A name refers to the configured policy: only the inline one is created by the decorator.
    expect(m.get(TimeoutService).names()).toEqual(['search', 'Api.inline']);
  });

  it('without any duration (here or in timeouts.default), bootstrap fails naming the method and the option', async () => {
    @Injectable()
    class Bare {
      @Timeout()
      async m() {
        return 1;
      }
    }
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()], providers: [Bare] }).compile();
    const error = await moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as Error).message).toBe(
      'Invalid resilience option @Timeout on Bare.m.timeoutMs: undefined (expected a number of ms > 0 (a timeout needs timeoutMs per attempt, totalTimeoutMs for the whole call, or both) (set it here or in timeouts.default))',
    );
    const m = moduleRef;
    moduleRef = undefined;
    await m.close().catch(() => undefined);
  });

  it('refuses shared / onStoreError (a timeout keeps no state in a store)', async () => {
    const error = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ timeouts: { t: { timeoutMs: 5, shared: true } as never } })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect((error as ResilienceConfigError).path).toBe('timeouts.t.shared');
  });
});

describe('TimeoutService', () => {
  it('execute runs fn under the named deadline, handing it the attempt signal; a caller signal is linked', async () => {
    const clock = new VirtualClock(0);
    const m = await boot({ clock, timeouts: { search: { timeoutMs: 100 } } });
    const timeouts = m.get(TimeoutService);
    expect(timeouts.get('search').options.timeoutMs).toBe(100);
    await expect(timeouts.execute('search', ({ attempt }) => `done@${attempt}`)).resolves.toBe('done@1');
    let handed: AbortSignal | undefined;
    const late = timeouts
      .execute('search', ({ signal }) => {
        handed = signal;
        return hang(signal);
      })
      .catch((e: unknown) => e);
    await clock.advance(100);
    expect(await late).toBeInstanceOf(TimeoutError);
    expect(handed!.aborted).toBe(true);

    const caller = new AbortController();
    const cancelled = timeouts
      .execute('search', ({ signal }) => hang(signal), { signal: caller.signal })
      .catch((e: unknown) => e);
    const reason = new Transient('client left');
    caller.abort(reason);
    expect(await cancelled).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    expect(() => timeouts.get('serach')).toThrow('"serach" (expected the name of a configured timeout: search)');
  });
});
