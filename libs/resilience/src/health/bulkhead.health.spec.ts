import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../core/clock.js';
import { ResilienceConfigError } from '../core/errors/index.js';
import { ResilienceModule } from '../nest/resilience.module.js';
import { BulkheadService } from '../nest/services/bulkhead.service.js';
import { BulkheadHealthIndicator } from './bulkhead.health.js';
import { ResilienceHealthModule } from './resilience-health.module.js';

describe('BulkheadHealthIndicator', () => {
  let moduleRef: TestingModule | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function setup() {
    moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRoot({
          clock: new VirtualClock(0),
          bulkheads: { db: { maxConcurrent: 1, maxQueued: 1 }, files: { maxConcurrent: 2 } },
        }),
        TerminusModule,
        ResilienceHealthModule,
      ],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return {
      indicator: moduleRef.get(BulkheadHealthIndicator),
      bulkheads: moduleRef.get(BulkheadService),
      health: moduleRef.get(HealthCheckService),
    };
  }

  it('reports in flight and queued beside the limits; up while nothing is saturated', async () => {
    const { indicator, bulkheads } = await setup();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = bulkheads.execute('files', () => held);
    await flushMicrotasks();
    expect(indicator.isHealthy()).toEqual({
      bulkheads: {
        status: 'up',
        saturated: [],
        saturatedCritical: [],
        bulkheads: {
          db: { inFlight: 0, queued: 0, maxConcurrent: 1, maxQueued: 1, saturated: false },
          files: { inFlight: 1, queued: 0, maxConcurrent: 2, maxQueued: 0, saturated: false },
        },
      },
    });
    release();
    await running;
  });

  it('a saturated bulkhead is listed; it makes the check down only when critical (503 through Terminus)', async () => {
    const { indicator, bulkheads, health } = await setup();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const calls = [bulkheads.execute('db', () => held), bulkheads.execute('db', () => 'queued')];
    await flushMicrotasks();
    expect(indicator.isHealthy('pools').pools).toMatchObject({
      status: 'up',
      saturated: ['db'],
      saturatedCritical: [],
    });
    expect(indicator.isHealthy('pools', { critical: ['db'] }).pools).toMatchObject({
      status: 'down',
      saturated: ['db'],
      saturatedCritical: ['db'],
      bulkheads: { db: { inFlight: 1, queued: 1, saturated: true } },
    });
    await expect(health.check([() => indicator.isHealthy('pools', { critical: ['db'] })])).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
    release();
    await Promise.all(calls);
    expect(indicator.isHealthy('pools', { critical: ['db'] }).pools.status).toBe('up');
  });

  it('a critical name that is no bulkhead fails, naming the known ones', async () => {
    const { indicator } = await setup();
    expect(() => indicator.isHealthy('pools', { critical: ['bd'] })).toThrow(ResilienceConfigError);
    expect(() => indicator.isHealthy('pools', { critical: ['bd'] })).toThrow(
      'Invalid resilience option health critical: "bd" (expected the name of a bulkhead: db, files)',
    );
  });
});
