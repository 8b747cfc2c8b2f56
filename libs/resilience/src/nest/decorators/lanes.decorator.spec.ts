import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { ResilienceModule } from '../resilience.module.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { RateLimiterService } from '../services/rate-limiter.service.js';
import { RateLimited } from './rate-limited.decorator.js';

interface Job {
  id: string;
  priority?: 'interactive' | 'batch' | 'urgent';
}

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function boot(options: ResilienceModuleOptions, providers: unknown[]): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({
    imports: [ResilienceModule.forRoot(options)],
    providers: providers as never,
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

@Injectable()
class Jobs {
  readonly ran: string[] = [];

  @RateLimited({
    rate: 10,
    burst: 1,
    lanes: [{ name: 'interactive' }, { name: 'batch' }],
    defaultLane: 'batch',
    lane: (job: Job) => job.priority ?? 'batch',
  })
  async run(job: Job): Promise<string> {
    this.ran.push(job.id);
    return job.id;
  }
}

@Injectable()
class SharedJobs {
  readonly ran: string[] = [];

  @RateLimited('shared')
  async shared(job: Job): Promise<string> {
    this.ran.push(job.id);
    return job.id;
  }
}

/** Advances the virtual clock by `ms` in `steps`, letting admitted calls run. */
async function tick(clock: VirtualClock, ms: number, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    clock.advance(ms);
    await flushMicrotasks();
  }
}

describe('@RateLimited with lanes', () => {
  it("admits waiting calls by the lane the method's arguments name, highest lane first", async () => {
    const clock = new VirtualClock(0);
    const jobs = (await boot({ clock }, [Jobs])).get(Jobs);
    await jobs.run({ id: 'first' });
    const calls = [
      jobs.run({ id: 'b1' }),
      jobs.run({ id: 'b2', priority: 'batch' }),
      jobs.run({ id: 'i1', priority: 'interactive' }),
      jobs.run({ id: 'i2', priority: 'interactive' }),
    ];
    await tick(clock, 100, 4);
    expect(await Promise.all(calls)).toEqual(['b1', 'b2', 'i1', 'i2']);
    expect(jobs.ran).toEqual(['first', 'i1', 'i2', 'b1', 'b2']);
  });

  it('refuses a lane the arguments name that the limiter does not have, with a typed error', async () => {
    const jobs = (await boot({ clock: new VirtualClock(0) }, [Jobs])).get(Jobs);
    const error = await jobs.run({ id: 'x', priority: 'urgent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect(error).toMatchObject({ path: 'limiters.Jobs.run.lane', value: 'urgent' });
    expect(jobs.ran).toEqual([]);
  });

  it('takes lanes from a module-level limiter; the service picks a lane per call', async () => {
    const clock = new VirtualClock(0);
    const m = await boot(
      {
        clock,
        limiters: {
          shared: { rate: 10, burst: 1, lanes: [{ name: 'interactive' }, { name: 'batch' }], defaultLane: 'batch' },
        },
      },
      [SharedJobs],
    );
    const jobs = m.get(SharedJobs);
    const limiters = m.get(RateLimiterService);
    await jobs.shared({ id: 'first' });
    const batch = jobs.shared({ id: 'batch' });
    const viaService = limiters.execute('shared', () => jobs.ran.push('service'), { lane: 'interactive' });
    const acquired = limiters.acquire('shared', { lane: 'interactive' }).then(() => jobs.ran.push('acquired'));
    await tick(clock, 100, 3);
    await Promise.all([batch, viaService, acquired]);
    expect(jobs.ran).toEqual(['first', 'service', 'acquired', 'batch']);
  });
});
