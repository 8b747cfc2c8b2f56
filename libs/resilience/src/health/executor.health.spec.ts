import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../core/clock.js';
import { ResilienceConfigError } from '../core/errors/index.js';
import { ResilienceModule } from '../nest/resilience.module.js';
import { ExecutorRegistry } from '../executor/nest/executor.registry.js';
import { ResilienceExecutorModule } from '../executor/nest/resilience-executor.module.js';
import { ExecutorHealthIndicator } from './executor.health.js';
import { ResilienceHealthModule } from './resilience-health.module.js';

const LANES = [{ name: 'interactive' }, { name: 'batch', maxShare: 0.7 }];

describe('ExecutorHealthIndicator', () => {
  let moduleRef: TestingModule | undefined;
  let clock: VirtualClock;
  let release: () => void;

  afterEach(async () => {
    release?.();
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function setup(withExecutors = true) {
    clock = new VirtualClock(0);
    moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRoot({ clock }),
        ...(withExecutors
          ? [
              ResilienceExecutorModule.forRoot({
                shutdownTimeoutMs: 0,
                executors: {
                  openai: {
                    concurrencyLimit: 1,
                    queueCapacity: 10,
                    requestsRate: 100,
                    lanes: LANES,
                    defaultLane: 'batch',
                  },
                  search: { concurrencyLimit: 2, requestsRate: 100 },
                },
              }),
            ]
          : []),
        TerminusModule,
        ResilienceHealthModule,
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return { indicator: moduleRef.get(ExecutorHealthIndicator), health: moduleRef.get(HealthCheckService) };
  }

  /** openai: one batch task holding the only slot, 2 batch tasks queued at t=0, 1 interactive at t=1000; now t=3000. */
  async function load() {
    const executor = moduleRef!.get(ExecutorRegistry).get('openai');
    const gate = new Promise<void>((r) => (release = r));
    const results = [executor.execute(() => gate, { metadata: { apiKey: 'sk-secret-123' } })];
    await flushMicrotasks();
    results.push(
      executor.execute(async () => undefined),
      executor.execute(async () => undefined),
    );
    await clock.advance(1000);
    results.push(executor.execute(async () => undefined, { lane: 'interactive' }));
    await clock.advance(2000);
    return { executor, results };
  }

  it('without ResilienceExecutorModule: nothing to report, up', async () => {
    const { indicator } = await setup(false);
    expect(indicator.isHealthy()).toEqual({ executors: { status: 'up', unhealthy: [], executors: {} } });
  });

  it('reports in flight, queue depth and oldest wait per lane; up while no bound is crossed; no secret shown', async () => {
    const { indicator } = await setup();
    const { results } = await load();
    const result = indicator.isHealthy();
    expect(result).toEqual({
      executors: {
        status: 'up',
        unhealthy: [],
        executors: {
          openai: {
            running: true,
            inFlight: 1,
            concurrencyLimit: 1,
            queued: 3,
            queueCapacity: 10,
            queuedByLane: { interactive: 1, batch: 2 },
            oldestWaitMs: { interactive: 2000, batch: 3000 },
            problems: [],
          },
          search: {
            running: true,
            inFlight: 0,
            concurrencyLimit: 2,
            queued: 0,
            queueCapacity: 1000,
            queuedByLane: { default: 0 },
            oldestWaitMs: { default: 0 },
            problems: [],
          },
        },
      },
    });
    expect(JSON.stringify(result)).not.toContain('sk-secret');
    release();
    await Promise.all(results);
    await flushMicrotasks();
    expect(indicator.isHealthy().executors.executors.openai).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('down (503 through Terminus) when a lane waits longer than maxOldestWaitMs or more are queued than maxQueued', async () => {
    const { indicator, health } = await setup();
    const { results } = await load();
    expect(indicator.isHealthy('x', { maxOldestWaitMs: { interactive: 2000 } }).x.status).toBe('up');
    expect(indicator.isHealthy('x', { maxOldestWaitMs: { interactive: 1999 } }).x).toMatchObject({
      status: 'down',
      unhealthy: ['openai'],
      executors: { openai: { problems: ['interactive oldest wait 2000 ms > 1999'] }, search: { problems: [] } },
    });
    expect(indicator.isHealthy('x', { maxOldestWaitMs: 2500 }).x.executors.openai!.problems).toEqual([
      'batch oldest wait 3000 ms > 2500',
    ]);
    expect(indicator.isHealthy('x', { maxQueued: 3 }).x.status).toBe('up');
    expect(indicator.isHealthy('x', { maxQueued: 2 }).x.executors.openai!.problems).toEqual(['queued 3 > 2']);
    expect(indicator.isHealthy('x', { maxQueued: { batch: 1 } }).x.executors.openai!.problems).toEqual([
      'batch queued 2 > 1',
    ]);
    await expect(health.check([() => indicator.isHealthy('x', { maxQueued: 0 })])).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
    // `executors` chooses what is reported and checked.
    expect(indicator.isHealthy('x', { executors: ['search'], maxQueued: 0 }).x).toEqual({
      status: 'up',
      unhealthy: [],
      executors: { search: expect.objectContaining({ queued: 0 }) },
    });
    release();
    await Promise.all(results);
    await flushMicrotasks();
    expect(indicator.isHealthy('x', { maxQueued: 0, maxOldestWaitMs: 0 }).x.status).toBe('up');
  });

  it('a stopped executor is down', async () => {
    const { indicator } = await setup();
    await moduleRef!.get(ExecutorRegistry).get('search').stop();
    expect(indicator.isHealthy().executors).toMatchObject({
      status: 'down',
      unhealthy: ['search'],
      executors: { search: { running: false, problems: ['stopped'] }, openai: { running: true, problems: [] } },
    });
  });

  it('unknown executor or lane names, bad bounds: ResilienceConfigError naming the known ones', async () => {
    const { indicator } = await setup();
    expect(() => indicator.isHealthy('x', { executors: ['opnai'] })).toThrow(
      'Invalid resilience option health critical: "opnai" (expected the name of a executor: openai, search)',
    );
    expect(() => indicator.isHealthy('x', { maxQueued: { interactiv: 1 } })).toThrow(ResilienceConfigError);
    expect(() => indicator.isHealthy('x', { maxQueued: { interactiv: 1 } })).toThrow(
      'health maxQueued.interactiv: "interactiv" (expected the name of a lane: interactive, batch, default)',
    );
    expect(() => indicator.isHealthy('x', { maxOldestWaitMs: -1 })).toThrow('health maxOldestWaitMs');
  });
});
