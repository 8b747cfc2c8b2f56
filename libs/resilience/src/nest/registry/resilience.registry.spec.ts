import 'reflect-metadata';
import { CircuitBreakerOpenError, RateLimiterRejectedError, ResilienceConfigError } from '../../core/errors/index.js';
import { VirtualClock } from '../../core/clock.js';
import { CircuitBreaker } from '../decorators/circuit-breaker.decorator.js';
import { RateLimited } from '../decorators/rate-limited.decorator.js';
import { methodSpecOf } from '../decorators/resilient-method.js';
import { WithRetry } from '../decorators/with-retry.decorator.js';
import { ResilienceNotInitializedError } from '../errors/not-initialized.error.js';
import { ResilienceRegistry } from './resilience.registry.js';

class Transient extends Error {
  readonly isTransient = true;
}

describe('ResilienceRegistry', () => {
  const registries: ResilienceRegistry[] = [];
  const create = async (options: Parameters<typeof ResilienceRegistry.create>[0]) => {
    const r = await ResilienceRegistry.create(options);
    registries.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });

  // The README promises that a decorated method always returns a promise: resolution errors
  // (no module, unknown policy) must reject it, not be thrown by the call.
  it('a decorated method returns a rejected promise (never throws) when no ResilienceModule is initialised', async () => {
    class Lonely {
      @CircuitBreaker()
      async m() {
        return 1;
      }
    }
    let result: Promise<number> | undefined;
    let thrown: unknown;
    try {
      result = new Lonely().m();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeUndefined();
    await expect(result).rejects.toBeInstanceOf(ResilienceNotInitializedError);
  });

  it('a decorated method returns a rejected promise (never throws) when its policy cannot be resolved', async () => {
    class Misnamed {
      @WithRetry('nope')
      async m() {
        return 1;
      }
    }
    await create({ retries: { idempotent: {} } });
    let result: Promise<number> | undefined;
    let thrown: unknown;
    try {
      result = new Misnamed().m();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeUndefined();
    await expect(result).rejects.toBeInstanceOf(ResilienceConfigError);
  });

  // A static method's decorator target is the class itself (its constructor is Function).
  it('a static decorated method gets a breaker named ClassName.methodName, not shared with other classes', async () => {
    class Alpha {
      @CircuitBreaker({ failureThreshold: 1 })
      static async ping() {
        throw new Transient('alpha down');
      }
    }
    class Beta {
      @CircuitBreaker({ failureThreshold: 1 })
      static async ping() {
        return 'beta';
      }
    }
    const r = await create({});
    await expect(Alpha.ping()).rejects.toThrow('alpha down');
    await expect(Beta.ping()).resolves.toBe('beta');
    expect(r.names('breaker')).toEqual(['Alpha.ping', 'Beta.ping']);
  });

  it('merges the default entry into every named policy', async () => {
    const r = await create({
      breakers: { default: { recoveryTimeMs: 1234, failureThreshold: 9 }, payments: { failureThreshold: 2 } },
    });
    expect(r.breaker('payments').options).toMatchObject({ recoveryTimeMs: 1234, failureThreshold: 2 });
  });

  it('names the known policies when asked for an unknown one', async () => {
    const r = await create({ retries: { fast: {}, slow: {} } });
    expect(() => r.retry('medium')).toThrow(ResilienceConfigError);
    expect(() => r.retry('medium')).toThrow(/"medium" \(expected the name of a configured retry: fast, slow\)/);
  });

  it('requires a rate for every limiter, from the entry or the default', async () => {
    await expect(create({ limiters: { openai: { periodMs: 1000 } } })).rejects.toThrow(
      /limiters\.openai\.rate: undefined/,
    );
    const r = await create({ limiters: { default: { rate: 7 }, openai: { periodMs: 1000 } } });
    expect(r.limiter('openai').options.rate).toBe(7);
  });

  it('validates the default entries under their own path', async () => {
    await expect(create({ breakers: { default: { recoveryTimeMs: -1 } } })).rejects.toThrow(
      /breakers\.default\.recoveryTimeMs: -1/,
    );
  });

  it('checks clock and random in the constructor too (a registry built without create())', () => {
    expect(() => new ResilienceRegistry({ random: 0.5 as never }, undefined)).toThrow(
      'Invalid resilience option random: 0.5',
    );
    expect(() => new ResilienceRegistry({ clock: {} as never }, undefined)).toThrow(/clock\.now: undefined/);
  });

  it('rejects an unknown store type', async () => {
    await expect(create({ store: { type: 'etcd' } as never })).rejects.toThrow(/store\.type: "etcd"/);
  });

  it('shares one inline policy between methods that name it, and rejects conflicting definitions', async () => {
    class A {
      @CircuitBreaker({ name: 'upstream', failureThreshold: 2 })
      async a() {}

      @CircuitBreaker({ name: 'upstream', failureThreshold: 2 })
      async b() {}

      @CircuitBreaker({ name: 'upstream', failureThreshold: 3 })
      async c() {}

      @CircuitBreaker('upstream')
      async d() {}
    }
    const r = await create({});
    const spec = (m: keyof A) => methodSpecOf(A.prototype[m])!;
    r.pipelineFor(spec('a'));
    r.pipelineFor(spec('b'));
    expect(r.names('breaker')).toEqual(['upstream']);
    expect(() => r.pipelineFor(spec('c'))).toThrow(/@CircuitBreaker on A\.c: "upstream"/);
    // A name alone refers to configured policies only.
    expect(() => r.pipelineFor(spec('d'))).toThrow(
      /@CircuitBreaker on A\.d: "upstream" \(expected a policy configured under 'breakers'/,
    );
  });

  it('inline definitions of one name with equal nested options (written twice) are the same definition', async () => {
    class Excluded extends Error {}
    class B {
      @CircuitBreaker({
        name: 'search',
        failureRateThreshold: 50,
        slidingWindow: { type: 'time', durationMs: 60_000 },
        excludeOn: [Excluded],
      })
      async a() {}

      @CircuitBreaker({
        name: 'search',
        failureRateThreshold: 50,
        slidingWindow: { type: 'time', durationMs: 60_000 },
        excludeOn: [Excluded],
      })
      async b() {}

      @CircuitBreaker({
        name: 'search',
        failureRateThreshold: 50,
        slidingWindow: { type: 'time', durationMs: 30_000 },
        excludeOn: [Excluded],
      })
      async c() {}
    }
    const r = await create({});
    const spec = (m: keyof B) => methodSpecOf(B.prototype[m])!;
    r.pipelineFor(spec('a'));
    expect(() => r.pipelineFor(spec('b'))).not.toThrow();
    expect(r.names('breaker')).toEqual(['search']);
    expect(() => r.pipelineFor(spec('c'))).toThrow(/@CircuitBreaker on B\.c: "search"/);
  });

  it('lets plain classes (created with new) use the current registry, sharing state by name', async () => {
    const clock = new VirtualClock();
    class Client {
      calls = 0;

      @CircuitBreaker({ failureThreshold: 2, recoveryTimeMs: 5000 })
      async get() {
        this.calls++;
        throw new Transient('down');
      }
    }
    const r = await create({ clock });
    const one = new Client();
    const two = new Client();
    await expect(one.get()).rejects.toThrow('down');
    await expect(two.get()).rejects.toThrow('down');
    // The breaker Client.get is shared by both instances: it is open for both now.
    await expect(one.get()).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(one.calls + two.calls).toBe(2);
    expect(r.breaker('Client.get').state()).toBe('open');
    await clock.advance(5000);
    expect(r.breaker('Client.get').state()).toBe('half_open');
  });

  it('passes a trailing AbortSignal (or options.signal) to retry waits', async () => {
    const clock = new VirtualClock();
    class Job {
      calls = 0;

      @WithRetry({ maxRetries: 5, baseDelayMs: 10_000, jitter: 'none' })
      async run(_input: string, _opts: { signal: AbortSignal }) {
        this.calls++;
        throw new Transient('again');
      }
    }
    await create({ clock });
    const job = new Job();
    const ac = new AbortController();
    const pending = job.run('x', { signal: ac.signal });
    const settled = pending.catch((e: unknown) => e);
    await clock.advance(1);
    ac.abort(new Error('stop'));
    expect(await settled).toEqual(new Error('stop'));
    expect(job.calls).toBe(1);
  });

  it('a trailing AbortSignal argument cancels a limiter wait at once', async () => {
    const clock = new VirtualClock();
    class Api {
      calls = 0;

      @RateLimited({ rate: 1, periodMs: 10_000 })
      async call(_signal?: AbortSignal) {
        return ++this.calls;
      }
    }
    await create({ clock });
    const api = new Api();
    expect(await api.call()).toBe(1);
    const ac = new AbortController();
    const waiting = api.call(ac.signal).catch((e: unknown) => e);
    await clock.advance(1_000);
    const reason = new Error('client went away');
    ac.abort(reason);
    expect(await waiting).toBe(reason);
    expect(api.calls).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("a decorated method's arguments feed the tokens and partitionKey functions", async () => {
    class Llm {
      @CircuitBreaker({ failureThreshold: 1, partitionKey: (tenant: string) => tenant })
      @RateLimited({ rate: 10, periodMs: 60_000, mode: 'reject', tokens: (_tenant: string, cost: number) => cost })
      async complete(tenant: string, cost: number) {
        if (tenant === 'broken') throw new Transient('model down');
        return `${tenant}:${cost}`;
      }
    }
    const r = await create({ clock: new VirtualClock() });
    const llm = new Llm();
    expect(await llm.complete('acme', 7)).toBe('acme:7');
    const over = await llm.complete('acme', 4).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(RateLimiterRejectedError);
    expect((over as RateLimiterRejectedError).tokens).toBe(4);
    expect(await llm.complete('acme', 2.5)).toBe('acme:2.5');
    await expect(llm.complete('broken', 0.5)).rejects.toThrow('model down');
    expect(r.breaker('Llm.complete').state('broken')).toBe('open');
    expect(r.breaker('Llm.complete').state('acme')).toBe('closed');
  });

  it('keeps `this` and arguments through the stack', async () => {
    class Calc {
      factor = 3;

      @WithRetry()
      @CircuitBreaker()
      @RateLimited({ rate: 100 })
      async times(x: number) {
        return x * this.factor;
      }
    }
    await create({});
    expect(await new Calc().times(5)).toBe(15);
  });
});
