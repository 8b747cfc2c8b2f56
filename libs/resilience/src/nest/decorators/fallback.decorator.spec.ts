import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError, TimeoutError } from '../../core/errors/index.js';
import { ResilienceModule } from '../resilience.module.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { FallbackService } from '../services/fallback.service.js';
import { Fallback } from './fallback.decorator.js';
import { Timeout } from './timeout.decorator.js';
import { WithRetry } from './with-retry.decorator.js';

class Transient extends Error {
  readonly isTransient = true;
}
class Permanent extends Error {}

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
  await moduleRef.init();
  return moduleRef;
}

@Injectable()
class Catalog {
  readonly cache = new Map([['sku-1', 9.5]]);

  @Fallback({ value: [] })
  async related(kind: 'transient' | 'permanent' | 'type') {
    if (kind === 'transient') throw new Transient('recommender down');
    if (kind === 'permanent') throw new Permanent('bad request');
    throw new TypeError('bug');
  }

  @Fallback({
    fn: function (this: Catalog, error: unknown, sku: string) {
      return { sku, price: this.cache.get(sku), stale: true, why: (error as Error).message };
    },
  })
  async price(sku: string) {
    throw new Transient(`no price for ${sku}`);
  }

  @Fallback({ method: 'cachedStock' })
  async stock(sku: string, _warehouse: string) {
    throw new Transient(`stock service down (${sku})`);
  }

  cachedStock(error: unknown, sku: string, warehouse: string) {
    return { sku, warehouse, units: 0, error: (error as Error).message };
  }
}

describe('@Fallback', () => {
  it('value: a transient failure resolves to the value; other errors and programming errors pass through', async () => {
    const m = await boot({}, [Catalog]);
    const catalog = m.get(Catalog);
    await expect(catalog.related('transient')).resolves.toEqual([]);
    await expect(catalog.related('permanent')).rejects.toBeInstanceOf(Permanent);
    await expect(catalog.related('type')).rejects.toBeInstanceOf(TypeError);
  });

  it('fn: called with (error, ...args) and the instance as this', async () => {
    const m = await boot({}, [Catalog]);
    await expect(m.get(Catalog).price('sku-1')).resolves.toEqual({
      sku: 'sku-1',
      price: 9.5,
      stale: true,
      why: 'no price for sku-1',
    });
  });

  it('method: the named method of the same instance, with (error, ...args)', async () => {
    const m = await boot({}, [Catalog]);
    await expect(m.get(Catalog).stock('sku-2', 'east')).resolves.toEqual({
      sku: 'sku-2',
      warehouse: 'east',
      units: 0,
      error: 'stock service down (sku-2)',
    });
  });

  it('never falls back on a TypeError, even when fallbackOn says every error', async () => {
    @Injectable()
    class Buggy {
      @Fallback({ value: 'fallback', fallbackOn: () => true })
      async run(kind: string) {
        if (kind === 'type') return (undefined as unknown as { x: () => string }).x();
        throw new Permanent('handled by the filter');
      }
    }
    const m = await boot({}, [Buggy]);
    await expect(m.get(Buggy).run('type')).rejects.toBeInstanceOf(TypeError);
    await expect(m.get(Buggy).run('other')).resolves.toBe('fallback');
  });

  it('a method the class lacks fails app.init(), naming the class, the method and the option', async () => {
    @Injectable()
    class Quotes {
      @Fallback({ method: 'cachedQoute' })
      async quote() {
        return 1;
      }

      cachedQuote() {
        return 0;
      }
    }
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot()],
      providers: [Quotes],
    }).compile();
    const error = await moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as Error).message).toBe(
      'Invalid resilience option @Fallback on Quotes.quote: method: "cachedQoute" (expected the name of a method of Quotes (fallback \'Quotes.quote\' calls it with (error, ...args)))',
    );
    const failed = moduleRef;
    moduleRef = undefined;
    await failed.close().catch(() => undefined);
  });

  it('is outermost whatever the written order: it catches the timeout after every retry', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    @Injectable()
    class Slow {
      @Timeout({ timeoutMs: 100 })
      @Fallback({ fn: (error: unknown) => `fallback after ${(error as TimeoutError).scope} timeout` })
      @WithRetry({ maxRetries: 1, baseDelayMs: 0, jitter: 'none' })
      async call() {
        calls++;
        return new Promise<never>(() => undefined);
      }
    }
    const m = await boot({ clock }, [Slow]);
    const result = m.get(Slow).call();
    await clock.advance(200);
    await expect(result).resolves.toBe('fallback after attempt timeout');
    expect(calls).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('exactly one of value / fn / method: two fail bootstrap naming the second', async () => {
    const error = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ fallbacks: { both: { value: 1, method: 'x' } } })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as ResilienceConfigError).path).toBe('fallbacks.both.method');
  });
});

describe('FallbackService', () => {
  it('execute falls back per the named policy; fn fallbacks get (error, ...options.args)', async () => {
    const m = await boot({
      fallbacks: {
        default: { excludeOn: [Permanent] },
        empty: { value: [] },
        echo: { fn: (_error: unknown, id: string) => `cached ${id}` },
      },
    });
    const fallbacks = m.get(FallbackService);
    expect(fallbacks.names()).toEqual(['empty', 'echo']);
    await expect(fallbacks.execute('empty', () => Promise.reject(new Transient('down')))).resolves.toEqual([]);
    await expect(
      fallbacks.execute('echo', () => Promise.reject(new Transient('down')), { args: ['42'] }),
    ).resolves.toBe('cached 42');
    // The default entry's excludeOn is merged into every fallback.
    await expect(fallbacks.execute('empty', () => Promise.reject(new Permanent('no')))).rejects.toBeInstanceOf(
      Permanent,
    );
    await expect(fallbacks.execute('empty', ({ attempt }) => `ok@${attempt}`)).resolves.toBe('ok@1');
    expect(() => fallbacks.get('emtpy')).toThrow('"emtpy" (expected the name of a configured fallback: empty, echo)');
  });
});
