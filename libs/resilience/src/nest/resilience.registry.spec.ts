import 'reflect-metadata';
import { CircuitBreakerOpenError, ResilienceConfigError } from '../core/errors.js';
import { VirtualClock } from '../core/clock.js';
import { CircuitBreaker } from './decorators/circuit-breaker.decorator.js';
import { RateLimited } from './decorators/rate-limited.decorator.js';
import { methodSpecOf } from './decorators/resilient-method.js';
import { WithRetry } from './decorators/with-retry.decorator.js';
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

  it('merges the default entry into every named policy', async () => {
    const r = await create({ breakers: { default: { recoveryTime: 1234, failureThreshold: 9 }, payments: { failureThreshold: 2 } } });
    expect(r.breaker('payments').options).toMatchObject({ recoveryTime: 1234, failureThreshold: 2 });
  });

  it('names the known policies when asked for an unknown one', async () => {
    const r = await create({ retries: { fast: {}, slow: {} } });
    expect(() => r.retry('medium')).toThrow(ResilienceConfigError);
    expect(() => r.retry('medium')).toThrow(/"medium" \(expected the name of a configured retry: fast, slow\)/);
  });

  it('requires a rate for every limiter, from the entry or the default', async () => {
    await expect(create({ limiters: { openai: { period: 1000 } } })).rejects.toThrow(/limiters\.openai\.rate: undefined/);
    const r = await create({ limiters: { default: { rate: 7 }, openai: { period: 1000 } } });
    expect(r.limiter('openai').options.rate).toBe(7);
  });

  it('validates the default entries under their own path', async () => {
    await expect(create({ breakers: { default: { recoveryTime: -1 } } })).rejects.toThrow(/breakers\.default\.recoveryTime: -1/);
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
    expect(() => r.pipelineFor(spec('d'))).toThrow(/@CircuitBreaker on A\.d: "upstream" \(expected a policy configured under 'breakers'/);
  });

  it('lets plain classes (created with new) use the current registry, sharing state by name', async () => {
    const clock = new VirtualClock();
    class Client {
      calls = 0;

      @CircuitBreaker({ failureThreshold: 2, recoveryTime: 5000 })
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

      @WithRetry({ maxRetries: 5, baseDelay: 10_000, jitter: 'none' })
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
