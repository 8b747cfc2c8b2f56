import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { VirtualClock } from '../core/clock.js';
import { ResilienceConfigError } from '../core/errors/index.js';
import { CircuitBreakerService } from './services/circuit-breaker.service.js';
import { CircuitBreaker } from './decorators/circuit-breaker.decorator.js';
import { RateLimited } from './decorators/rate-limited.decorator.js';
import { WithRetry } from './decorators/with-retry.decorator.js';
import { RateLimiterService } from './services/rate-limiter.service.js';
import { ResilienceModule } from './resilience.module.js';
import type { ResilienceOptionsFactory } from './resilience.module-definition.js';
import type { ResilienceModuleOptions } from './resilience-options.interface.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';
import { RetryService } from './services/retry.service.js';

class Transient extends Error {
  readonly isTransient = true;
}

const SETTINGS = 'SETTINGS';

@Injectable()
class Settings {
  readonly threshold = 2;
  readonly rate = 3;
}

@Module({ providers: [Settings, { provide: SETTINGS, useValue: { threshold: 2 } }], exports: [Settings, SETTINGS] })
class SettingsModule {}

@Injectable()
class OptionsFromSettings implements ResilienceOptionsFactory {
  constructor(@Inject(Settings) private readonly settings: Settings) {}

  createResilienceOptions(): ResilienceModuleOptions {
    return {
      breakers: { fromFactory: { failureThreshold: this.settings.threshold } },
      limiters: { fromFactory: { rate: this.settings.rate, periodMs: 60_000, mode: 'reject' } },
    };
  }
}

let moduleRef: TestingModule | undefined;

afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

/**
 * Closes a module whose init() failed. NestJS 11's close() awaits the failed initialisation
 * and rethrows its error (12's does not), so accept exactly that error.
 */
async function closeFailedModule(): Promise<void> {
  const m = moduleRef!;
  moduleRef = undefined;
  await m.close().catch((e: unknown) => expect(e).toBeInstanceOf(ResilienceConfigError));
}

async function boot(imports: unknown[], providers: unknown[] = []): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({ imports: imports as never, providers: providers as never }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** Runs breaker `name` into the open state and counts the calls it takes. */
async function callsToOpen(breakers: CircuitBreakerService, name: string): Promise<number> {
  let calls = 0;
  for (let i = 0; i < 10 && breakers.state(name) === 'closed'; i++) {
    await expect(
      breakers.execute(name, () => {
        calls++;
        throw new Transient('down');
      }),
    ).rejects.toThrow('down');
  }
  return calls;
}

describe('ResilienceModule.forRootAsync', () => {
  it('useFactory: builds the options from injected providers', async () => {
    const m = await boot([
      ResilienceModule.forRootAsync({
        imports: [SettingsModule],
        inject: [SETTINGS],
        useFactory: async (s: { threshold: number }) => ({
          breakers: { fromFactory: { failureThreshold: s.threshold } },
        }),
      }),
    ]);
    expect(await callsToOpen(m.get(CircuitBreakerService), 'fromFactory')).toBe(2);
  });

  it('useClass: instantiates the factory class (with its own dependencies) and uses its options', async () => {
    const m = await boot([ResilienceModule.forRootAsync({ imports: [SettingsModule], useClass: OptionsFromSettings })]);
    expect(await callsToOpen(m.get(CircuitBreakerService), 'fromFactory')).toBe(2);
    expect(m.get(RateLimiterService).snapshot('fromFactory')).toMatchObject({ rate: 3, periodMs: 60_000, burst: 3 });
  });

  it('useExisting: uses a factory provider that an imported module already provides', async () => {
    let created = 0;
    @Injectable()
    class CountingFactory extends OptionsFromSettings {
      constructor(@Inject(Settings) settings: Settings) {
        super(settings);
        created++;
      }
    }
    @Module({ imports: [SettingsModule], providers: [CountingFactory], exports: [CountingFactory] })
    class FactoryModule {}
    const m = await boot([ResilienceModule.forRootAsync({ imports: [FactoryModule], useExisting: CountingFactory })]);
    expect(await callsToOpen(m.get(CircuitBreakerService), 'fromFactory')).toBe(2);
    // The existing instance is used, not a second one.
    expect(created).toBe(1);
  });

  it('without useFactory, useClass or useExisting (or with two of them) throws at once, saying what is needed', () => {
    expect(() => ResilienceModule.forRootAsync({})).toThrow(ResilienceConfigError);
    expect(() => ResilienceModule.forRootAsync({ imports: [SettingsModule] })).toThrow(
      'Invalid resilience option ResilienceModule.forRootAsync: [object Object] (expected exactly one of useFactory, useClass or useExisting)',
    );
    expect(() => ResilienceModule.forRootAsync({ useFactory: () => ({}), useClass: OptionsFromSettings })).toThrow(
      'ResilienceModule.forRootAsync: "useFactory and useClass" (expected exactly one of',
    );
  });

  it('validates the factory options at bootstrap, naming the path and value', async () => {
    const builder = Test.createTestingModule({
      imports: [
        ResilienceModule.forRootAsync({ useFactory: () => ({ retries: { slow: { baseDelayMs: Number.NaN } } }) }),
      ],
    });
    await expect(builder.compile()).rejects.toThrow(
      'Invalid resilience option retries.slow.baseDelayMs: NaN (expected a number >= 0)',
    );
  });
});

describe('ResilienceModule.forRoot: default entries', () => {
  it('are merged into every named policy and into inline decorator options, the entry winning', async () => {
    const clock = new VirtualClock();
    @Injectable()
    class Svc {
      @CircuitBreaker({ failureThreshold: 2 })
      async inline() {
        throw new Transient('down');
      }

      @CircuitBreaker()
      async bare() {
        throw new Transient('down');
      }
    }
    const m = await boot(
      [
        ResilienceModule.forRoot({
          clock,
          breakers: { default: { failureThreshold: 4, recoveryTimeMs: 1_234 }, named: { failureThreshold: 3 } },
          retries: { default: { maxRetries: 1, baseDelayMs: 0, jitter: 'none' }, named: { baseDelayMs: 50 } },
          limiters: { default: { rate: 7, periodMs: 60_000 }, named: { burst: 2 } },
        }),
      ],
      [Svc],
    );
    const registry = m.get(ResilienceRegistry);
    expect(registry.breaker('named').options).toMatchObject({ failureThreshold: 3, recoveryTimeMs: 1_234 });
    expect(registry.retry('named').options).toMatchObject({ maxRetries: 1, baseDelayMs: 50, jitter: 'none' });
    expect(registry.limiter('named').options).toMatchObject({ rate: 7, periodMs: 60_000, burst: 2 });
    // Inline options: default under, inline over.
    expect(registry.breaker('Svc.inline').options).toMatchObject({ failureThreshold: 2, recoveryTimeMs: 1_234 });
    expect(registry.breaker('Svc.bare').options).toMatchObject({ failureThreshold: 4, recoveryTimeMs: 1_234 });
    // And the behaviour follows: 2 failures open Svc.inline, 4 open Svc.bare.
    const svc = m.get(Svc);
    const breakers = m.get(CircuitBreakerService);
    for (let i = 0; i < 2; i++) await expect(svc.inline()).rejects.toThrow('down');
    expect(breakers.state('Svc.inline')).toBe('open');
    for (let i = 0; i < 3; i++) await expect(svc.bare()).rejects.toThrow('down');
    expect(breakers.state('Svc.bare')).toBe('closed');
    await expect(svc.bare()).rejects.toThrow('down');
    expect(breakers.state('Svc.bare')).toBe('open');
    expect(breakers.snapshot('Svc.bare').retryAfterMs).toBe(1_234);
  });
});

describe('bootstrap validation of function and object options', () => {
  const timers = { setTimeout: () => 0, clearTimeout: () => undefined };
  /** Compiles a module with these options; returns the ResilienceConfigError it fails with. */
  async function rejected(options: unknown, viaFactory = false): Promise<ResilienceConfigError> {
    const imports = [
      viaFactory
        ? ResilienceModule.forRootAsync({ useFactory: () => options as ResilienceModuleOptions })
        : ResilienceModule.forRoot(options as ResilienceModuleOptions),
    ];
    const error = await Test.createTestingModule({ imports })
      .compile()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return error as ResilienceConfigError;
  }

  it.each<[string, unknown, string, unknown]>([
    ['random: 0.5', { random: 0.5 }, 'random', 0.5],
    ['random: a string', { random: 'seeded' }, 'random', 'seeded'],
    ['clock: {}', { clock: {} }, 'clock.now', undefined],
    ['clock: null', { clock: null }, 'clock', null],
    ['clock without clearTimeout', { clock: { now: () => 1, setTimeout: () => 0 } }, 'clock.clearTimeout', undefined],
    ['clock whose now() is not a number', { clock: { now: () => '1', ...timers } }, 'clock.now()', '1'],
    ['clock whose now() is NaN', { clock: { now: () => NaN, ...timers } }, 'clock.now()', NaN],
    ['store: null', { store: null }, 'store', null],
    ['store: a string', { store: 'redis' }, 'store', 'redis'],
    [
      'store instance without createBreaker',
      { store: { kind: 'x', createBucket: () => undefined } },
      'store.createBreaker',
      undefined,
    ],
    [
      'store instance without kind',
      { store: { createBucket: () => undefined, createBreaker: () => undefined } },
      'store.kind',
      undefined,
    ],
    [
      'store instance with a non-function close',
      { store: { kind: 'x', createBucket: () => undefined, createBreaker: () => undefined, close: true } },
      'store.close',
      true,
    ],
    [
      'non-function failOn in breakers.default',
      { breakers: { default: { failOn: 'yes' } } },
      'breakers.default.failOn',
      'yes',
    ],
    ['non-function onRetry', { retries: { x: { onRetry: {} } } }, 'retries.x.onRetry', {}],
    ['retryOn an object', { retries: { x: { retryOn: { TypeError } } } }, 'retries.x.retryOn', { TypeError }],
    ['tokens an object', { limiters: { x: { rate: 5, tokens: { n: 1 } } } }, 'limiters.x.tokens', { n: 1 }],
    [
      'non-function partitionKey',
      { limiters: { x: { rate: 5, partitionKey: 'user' } } },
      'limiters.x.partitionKey',
      'user',
    ],
    ['non-function onStateChange', { breakers: { x: { onStateChange: [] } } }, 'breakers.x.onStateChange', []],
  ])(
    '%s fails at bootstrap, naming the path and value (forRoot and forRootAsync)',
    async (_label, options, path, value) => {
      for (const viaFactory of [false, true]) {
        const e = await rejected(options, viaFactory);
        expect(e.path).toBe(path);
        expect(e.value).toEqual(value);
        expect(e.message).toContain(`Invalid resilience option ${path}: `);
      }
    },
  );

  it('says what a clock and a random source are', async () => {
    expect((await rejected({ clock: {} })).message).toBe(
      'Invalid resilience option clock.now: undefined (expected a function (clock must be a Clock: { now(), setTimeout(fn, ms), clearTimeout(handle) }, e.g. systemClock or a VirtualClock))',
    );
    expect((await rejected({ random: 0.5 })).message).toBe(
      'Invalid resilience option random: 0.5 (expected a function returning a number in [0, 1), e.g. Math.random or seededRandom(seed))',
    );
  });

  it('a clock whose now() throws is named with the reason', async () => {
    const e = await rejected({
      clock: {
        now: () => {
          throw new Error('no time');
        },
        ...timers,
      },
    });
    expect(e.path).toBe('clock.now');
    expect(e.expected).toContain('no time');
  });

  it('a plain clock object and a random function are accepted and used by the policies', async () => {
    const clock = new VirtualClock();
    const plain = {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clock.clearTimeout(h),
    };
    const m = await boot([
      ResilienceModule.forRoot({
        clock: plain,
        random: () => 0.5,
        retries: { x: { maxRetries: 1, baseDelayMs: 100 } },
      }),
    ]);
    let calls = 0;
    const done = m.get(RetryService).execute('x', async () => {
      if (++calls === 1) throw new Transient('once');
      return calls;
    });
    await clock.advance(1_000);
    await expect(done).resolves.toBe(2);
  });
});

describe('bootstrap validation of decorators', () => {
  it('a request-scoped provider naming a missing policy fails app.init(), naming the method and the value', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @WithRetry('idempotnet')
      async run() {
        return 1;
      }
    }
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ retries: { idempotent: {} } })],
      providers: [PerRequest],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      'Invalid resilience option @WithRetry on PerRequest.run: "idempotnet" (expected one of the configured retries: idempotent)',
    );
    await closeFailedModule();
  });

  it('a limiter named by a decorator that is not configured fails app.init() even when none is', async () => {
    @Injectable()
    class Svc {
      @RateLimited('openai')
      async run() {
        return 1;
      }
    }
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()], providers: [Svc] }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      'Invalid resilience option @RateLimited on Svc.run: "openai" (expected a policy configured under \'limiters\' (none is))',
    );
    await closeFailedModule();
  });
});
