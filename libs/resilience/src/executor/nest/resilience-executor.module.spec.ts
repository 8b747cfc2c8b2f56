import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { Global, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER } from '../../core/policy/policy-resolver.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { ResilienceModule } from '../../nest/resilience.module.js';
import { CircuitBreakerService } from '../../nest/services/circuit-breaker.service.js';
import { useNestTestApp } from '../../nest/testing-support/nest-test-app.js';
import { Executor } from '../executor.js';
import { ExecutorStoppedError } from '../errors/index.js';
import { EXECUTOR_SOURCE } from '../executor-source.js';
import { ExecutorRegistry } from './executor.registry.js';
import { getExecutorToken } from './executor.tokens.js';
import { InjectExecutor } from './inject-executor.decorator.js';
import { ResilienceExecutorModule } from './resilience-executor.module.js';

const OPTS = { concurrencyLimit: 2, requestsRate: 100 };

@Injectable()
class Jobs {
  constructor(@InjectExecutor('openai') readonly openai: Executor) {}
}

@Injectable()
class TypoJobs {
  constructor(@InjectExecutor('opnai') readonly openai: Executor) {}
}

@Injectable()
class FakeConfig {
  getOrThrow(key: string): number {
    return { OPENAI_CONCURRENCY: 3, OPENAI_RPS: 7 }[key]!;
  }
}

@Global()
@Module({ providers: [FakeConfig], exports: [FakeConfig] })
class FakeConfigModule {}

const { boot, bootError, release } = useNestTestApp();

describe('ResilienceExecutorModule: registration and injection by name', () => {
  it.each([
    ['forRoot', () => ResilienceExecutorModule.forRoot({ executors: { openai: OPTS } })],
    [
      'forRootAsync',
      () => ResilienceExecutorModule.forRootAsync({ useFactory: () => ({}), executors: { openai: OPTS } }),
    ],
    ['registerExecutor', () => ResilienceExecutorModule.registerExecutor({ name: 'openai', ...OPTS })],
    [
      'registerExecutorAsync',
      () => ResilienceExecutorModule.registerExecutorAsync({ name: 'openai', useFactory: async () => OPTS }),
    ],
  ])('%s: @InjectExecutor(name) gets the executor; it runs a task; the registry lists it', async (_how, module) => {
    const ref = await boot([module()], [Jobs]);
    const executor = ref.get(Jobs).openai;
    expect(executor).toBeInstanceOf(Executor);
    expect(executor.snapshot()).toMatchObject({ name: 'openai', running: true, concurrencyLimit: 2 });
    await expect(executor.execute(async ({ attempt }) => `done ${attempt}`)).resolves.toBe('done 1');
    expect(ref.get(getExecutorToken('openai'))).toBe(executor);
    const registry = ref.get(ExecutorRegistry);
    expect(registry.names()).toEqual(['openai']);
    expect(registry.get('openai')).toBe(executor);
    expect(ref.get(EXECUTOR_SOURCE)).toBe(registry);
  });

  it.each([
    ['forRoot', () => ResilienceExecutorModule.forRoot({ executors: { openai: OPTS } })],
    ['registerExecutor', () => ResilienceExecutorModule.registerExecutor({ name: 'openai', ...OPTS })],
    [
      'registerExecutorAsync',
      () => ResilienceExecutorModule.registerExecutorAsync({ name: 'openai', useFactory: () => OPTS }),
    ],
  ])("a mistyped @InjectExecutor('opnai') fails the bootstrap naming it and the class (%s)", async (_how, module) => {
    const err = await bootError([module()], [TypoJobs]);
    expect(err.message).toContain(getExecutorToken('opnai'));
    expect(err.message).toContain('TypoJobs');
  });

  it('registerExecutorAsync: a ConfigService-like factory (inject) and a factory class (useClass)', async () => {
    @Injectable()
    class OpenAiOptions {
      createExecutorOptions() {
        return { concurrencyLimit: 5, requestsRate: 10 };
      }
    }
    const ref = await boot([
      FakeConfigModule as unknown as DynamicModule,
      ResilienceExecutorModule.registerExecutorAsync({
        name: 'openai',
        inject: [FakeConfig],
        useFactory: (config: FakeConfig) => ({
          concurrencyLimit: config.getOrThrow('OPENAI_CONCURRENCY'),
          requestsRate: config.getOrThrow('OPENAI_RPS'),
        }),
      }),
      ResilienceExecutorModule.registerExecutorAsync({ name: 'anthropic', useClass: OpenAiOptions }),
    ]);
    const registry = ref.get(ExecutorRegistry);
    expect(registry.names().sort()).toEqual(['anthropic', 'openai']);
    expect(registry.get('openai').snapshot().concurrencyLimit).toBe(3);
    expect(registry.get('anthropic').snapshot().concurrencyLimit).toBe(5);
  });

  it('isGlobal: false exports the token to the importing module only', async () => {
    @Module({
      imports: [ResilienceExecutorModule.registerExecutor({ name: 'openai', isGlobal: false, ...OPTS })],
      providers: [Jobs],
      exports: [Jobs],
    })
    class Feature {}
    @Module({ providers: [Jobs] })
    class Elsewhere {}
    const ref = await boot([Feature as unknown as DynamicModule]);
    expect(ref.get(Jobs).openai.snapshot().name).toBe('openai');
    await ref.close();
    release();
    const err = await bootError([Feature as unknown as DynamicModule, Elsewhere as unknown as DynamicModule]);
    expect(err.message).toContain(getExecutorToken('openai'));
  });

  it('a name registered twice fails the bootstrap, naming it', async () => {
    const err = (await bootError([
      ResilienceExecutorModule.forRoot({ executors: { openai: OPTS } }),
      ResilienceExecutorModule.registerExecutor({ name: 'openai', ...OPTS }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect(err.path).toBe('executors.openai');
    expect(err.expected).toContain('registered twice');
  });

  it('an empty name and an async registration without a factory throw at definition', () => {
    expect(() => ResilienceExecutorModule.registerExecutor({ name: '', ...OPTS })).toThrow(
      'ResilienceExecutorModule.registerExecutor.name',
    );
    expect(() => ResilienceExecutorModule.registerExecutorAsync({ name: 'x' })).toThrow('executors.x');
    expect(() => ResilienceExecutorModule.forRootAsync({ executors: {} })).toThrow(
      'ResilienceExecutorModule.forRootAsync',
    );
    expect(() => InjectExecutor('')).toThrow(ResilienceConfigError);
  });
});

describe('ResilienceExecutorModule: bad options fail the bootstrap naming executors.<name>.<option> and the value', () => {
  it.each([
    ['forRoot', () => ResilienceExecutorModule.forRoot({ executors: { openai: { ...OPTS, concurrencyLimit: 0 } } })],
    [
      'registerExecutor',
      () => ResilienceExecutorModule.registerExecutor({ name: 'openai', ...OPTS, concurrencyLimit: 0 }),
    ],
    [
      'registerExecutorAsync',
      () =>
        ResilienceExecutorModule.registerExecutorAsync({
          name: 'openai',
          useFactory: () => ({ ...OPTS, concurrencyLimit: 0 }),
        }),
    ],
  ])('%s', async (_how, module) => {
    const err = (await bootError([module()])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect(err.path).toBe('executors.openai.concurrencyLimit');
    expect(err.value).toBe(0);
    expect(err.message).toContain('executors.openai.concurrencyLimit: 0');
  });

  it('options that are no object, an executors section that is no object, bad settings', async () => {
    let err = (await bootError([
      ResilienceExecutorModule.forRoot({ executors: { openai: 'fast' as never } }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('executors.openai');
    err = (await bootError([ResilienceExecutorModule.forRoot({ executors: [] as never })])) as ResilienceConfigError;
    expect(err.path).toBe('executors');
    err = (await bootError([ResilienceExecutorModule.forRoot({ shutdownTimeoutMs: -1 })])) as ResilienceConfigError;
    expect([err.path, err.value]).toEqual(['shutdownTimeoutMs', -1]);
    err = (await bootError([
      ResilienceExecutorModule.forRootAsync({ useFactory: () => ({ executors: { openai: OPTS } }) as never }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('executors');
    expect(err.expected).toContain('cannot add injection tokens');
  });

  it('a retry or breaker name ResilienceModule does not know fails naming the option', async () => {
    const err = (await bootError([
      ResilienceModule.forRoot({ retries: { openai: { maxRetries: 1 } } }),
      ResilienceExecutorModule.forRoot({ executors: { openai: { ...OPTS, retry: 'opnai' } } }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect([err.path, err.value]).toEqual(['executors.openai.retry', 'opnai']);
    expect(err.expected).toContain('openai');
    const breakerErr = (await bootError([
      ResilienceModule.forRoot({ breakers: { openai: {} } }),
      ResilienceExecutorModule.forRoot({ executors: { openai: { ...OPTS, circuitBreaker: 'opnai' } } }),
    ])) as ResilienceConfigError;
    expect([breakerErr.path, breakerErr.value]).toEqual(['executors.openai.circuitBreaker', 'opnai']);
    // Without ResilienceModule, a name cannot resolve.
    const alone = (await bootError([
      ResilienceExecutorModule.forRoot({ executors: { openai: { ...OPTS, retry: 'openai' } } }),
    ])) as ResilienceConfigError;
    expect(alone.path).toBe('executors.openai.retry');
  });
});

describe('ResilienceExecutorModule on ResilienceModule', () => {
  it("the executor gets the module's resolver, clock, random and store", async () => {
    const create = jest.spyOn(Executor, 'create');
    const clock = new VirtualClock(0);
    const store = new MemoryStore();
    const random = () => 0.5;
    const ref = await boot([
      ResilienceModule.forRoot({ clock, store, random, retries: { r: { maxRetries: 1 } } }),
      ResilienceExecutorModule.forRoot({ executors: { openai: OPTS } }),
    ]);
    const resolver = ref.get(POLICY_RESOLVER);
    expect(resolver.store).toBe(store);
    expect(resolver.random).toBe(random);
    const deps = create.mock.calls[0]![2]!;
    expect(deps).toMatchObject({ clock, random, store });
    // The resolver is the module's, scoped so that unknown names fail under executors.openai.
    expect(deps.resolver).toMatchObject({ clock, random, store });
    expect(deps.resolver!.retry('r')).toBe(resolver.retry('r'));
  });

  it("runs on the module's clock: a request rate of 1 per second admits the second task after 1 s of virtual time", async () => {
    const clock = new VirtualClock(0);
    const ref = await boot([
      ResilienceModule.forRoot({ clock }),
      ResilienceExecutorModule.registerExecutor({
        name: 'openai',
        concurrencyLimit: 5,
        requestsRate: 1,
        requestsPeriodMs: 1000,
      }),
    ]);
    const executor = ref.get<Executor>(getExecutorToken('openai'));
    const started: number[] = [];
    const runs = [1, 2].map(() => executor.execute(async () => void started.push(clock.now())));
    await flushMicrotasks();
    expect(started).toEqual([0]);
    await clock.advance(1000);
    await Promise.all(runs);
    expect(started).toEqual([0, 1000]);
  });

  it("retry: 'openai' and circuitBreaker: 'openai' resolve by name through POLICY_RESOLVER", async () => {
    const clock = new VirtualClock(0);
    const ref = await boot([
      ResilienceModule.forRoot({
        clock,
        retries: { openai: { maxRetries: 2, baseDelayMs: 10, jitter: 'none' } },
        breakers: { openai: { failureThreshold: 3, recoveryTimeMs: 60_000 } },
      }),
      ResilienceExecutorModule.forRoot({
        executors: { openai: { ...OPTS, retry: 'openai', circuitBreaker: 'openai' } },
      }),
    ]);
    const executor = ref.get(ExecutorRegistry).get('openai');
    let calls = 0;
    const failing = executor.execute(async () => {
      calls++;
      throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    });
    const outcome = failing.then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    for (let i = 0; i < 20 && calls < 3; i++) await clock.advance(10);
    // The retry named 'openai' (2 retries) ran it 3 times; the breaker named 'openai' counted the 3 failures.
    await expect(outcome).resolves.toBe('reset');
    expect(calls).toBe(3);
    expect(ref.get(CircuitBreakerService).state('openai')).toBe('open');
  });
});

describe('ResilienceExecutorModule shutdown', () => {
  it('drains: closing the application waits for queued and running events, then refuses submissions', async () => {
    const ref = await boot([
      ResilienceExecutorModule.registerExecutor({ name: 'openai', concurrencyLimit: 1, requestsRate: 100 }),
    ]);
    const executor = ref.get(ExecutorRegistry).get('openai');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = executor.execute(async () => {
      await gate;
      return 'first';
    });
    const second = executor.execute(async () => 'second');
    await flushMicrotasks();
    expect(executor.snapshot()).toMatchObject({ inFlight: 1, queued: 1 });
    let closed = false;
    const closing = ref.close().then(() => (closed = true));
    release();
    await flushMicrotasks();
    expect(closed).toBe(false);
    expect(executor.snapshot().running).toBe(false);
    release();
    await closing;
    await expect(first).resolves.toBe('first');
    await expect(second).resolves.toBe('second');
    expect(() => executor.submit(async () => 'late')).toThrow(ExecutorStoppedError);
  });

  it('past shutdownTimeoutMs (on the module clock) what is left is cancelled and the shutdown goes on', async () => {
    const clock = new VirtualClock(0);
    const ref = await boot([
      ResilienceModule.forRoot({ clock }),
      ResilienceExecutorModule.forRoot({
        shutdownTimeoutMs: 5_000,
        executors: { openai: { concurrencyLimit: 1, requestsRate: 100 } },
      }),
    ]);
    const executor = ref.get(ExecutorRegistry).get('openai');
    const stuck = executor.submit(
      ({ signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const queued = executor.submit(async () => 'never');
    await flushMicrotasks();
    let closed = false;
    const closing = ref.close().then(() => (closed = true));
    release();
    await clock.advance(4_999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    await expect(queued.result()).rejects.toBeDefined();
    expect(queued.status).toBe('CANCELLED');
    await expect(stuck.result()).rejects.toBeDefined();
  });
});
