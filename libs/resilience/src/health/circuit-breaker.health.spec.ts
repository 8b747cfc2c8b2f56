import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { VirtualClock } from '../core/clock.js';
import { ResilienceConfigError } from '../core/errors/index.js';
import { CircuitBreakerService } from '../nest/services/circuit-breaker.service.js';
import { ResilienceModule } from '../nest/resilience.module.js';
import type { ResilienceModuleOptions } from '../nest/resilience-options.interface.js';
import { CircuitBreakerHealthIndicator } from './circuit-breaker.health.js';
import { ResilienceHealthModule } from './resilience-health.module.js';

const boom = () => {
  throw new Error('down');
};

describe('CircuitBreakerHealthIndicator', () => {
  let moduleRef: TestingModule | undefined;
  let clock: VirtualClock;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  async function setup(options: ResilienceModuleOptions) {
    clock = new VirtualClock();
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ clock, ...options }), TerminusModule, ResilienceHealthModule],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return {
      indicator: moduleRef.get(CircuitBreakerHealthIndicator),
      breakers: moduleRef.get(CircuitBreakerService),
      health: moduleRef.get(HealthCheckService),
    };
  }

  /** Opens breaker `name` (failureThreshold 1 in every setup below). */
  async function open(breakers: CircuitBreakerService, name: string, args?: unknown[]) {
    await expect(breakers.execute(name, boom, { args })).rejects.toThrow('down');
    expect(breakers.state(name, args?.[0] as string | undefined)).toBe('open');
  }

  it('reports every breaker; up while all are closed, down (listing it) once one is open, by default', async () => {
    const { indicator, breakers } = await setup({
      breakers: { a: { failureThreshold: 1, recoveryTimeMs: 10_000 }, b: { failureThreshold: 1 } },
    });
    expect(indicator.isHealthy()).toEqual({
      circuit_breakers: {
        status: 'up',
        store: 'memory',
        open: [],
        openCritical: [],
        breakers: {
          a: {
            state: 'closed',
            consecutiveFailures: 0,
            failureThreshold: 1,
            totalFailures: 0,
            totalRejections: 0,
            retryAfterMs: 0,
          },
          b: {
            state: 'closed',
            consecutiveFailures: 0,
            failureThreshold: 1,
            totalFailures: 0,
            totalRejections: 0,
            retryAfterMs: 0,
          },
        },
      },
    });
    const openedAt = clock.now();
    await open(breakers, 'a');
    await clock.advance(2_500);
    await expect(breakers.execute('a', () => 1)).rejects.toThrow("Circuit breaker 'a' is open");
    expect(indicator.isHealthy('circuits')).toEqual({
      circuits: {
        status: 'down',
        store: 'memory',
        open: ['a'],
        openCritical: ['a'],
        breakers: {
          // The consecutive count is cleared when the breaker opens; the totals are lifetime.
          a: {
            state: 'open',
            consecutiveFailures: 0,
            failureThreshold: 1,
            totalFailures: 1,
            totalRejections: 1,
            retryAfterMs: 7_500,
            openedAt: new Date(openedAt).toISOString(),
          },
          b: {
            state: 'closed',
            consecutiveFailures: 0,
            failureThreshold: 1,
            totalFailures: 0,
            totalRejections: 0,
            retryAfterMs: 0,
          },
        },
      },
    });
  });

  it('a half-open breaker (open, idle past its recovery time) is up, with its state shown', async () => {
    const { indicator, breakers } = await setup({ breakers: { a: { failureThreshold: 1, recoveryTimeMs: 10_000 } } });
    const openedAt = clock.now();
    await open(breakers, 'a');
    await clock.advance(9_999);
    expect(indicator.isHealthy().circuit_breakers.status).toBe('down');
    await clock.advance(1);
    // No call was made: the effective state is reported.
    expect(indicator.isHealthy()).toEqual({
      circuit_breakers: {
        status: 'up',
        store: 'memory',
        open: [],
        openCritical: [],
        breakers: {
          a: {
            state: 'half_open',
            consecutiveFailures: 0,
            failureThreshold: 1,
            totalFailures: 1,
            totalRejections: 0,
            retryAfterMs: 0,
            openedAt: new Date(openedAt).toISOString(),
          },
        },
      },
    });
  });

  it('counts toward opening under the name of the mode, beside its threshold; totals are lifetime', async () => {
    const { indicator, breakers } = await setup({
      breakers: {
        streak: { failureThreshold: 3 },
        rate: { failureRateThreshold: 50, slidingWindow: { type: 'count', size: 10 }, minimumCalls: 4 },
      },
    });
    for (const name of ['streak', 'rate']) {
      await expect(breakers.execute(name, () => 'ok')).resolves.toBe('ok');
      for (let i = 0; i < 2; i++) await expect(breakers.execute(name, boom)).rejects.toThrow('down');
    }
    const report = indicator.isHealthy('circuits').circuits.breakers;
    expect(report.streak).toEqual({
      state: 'closed',
      consecutiveFailures: 2,
      failureThreshold: 3,
      totalFailures: 2,
      totalRejections: 0,
      retryAfterMs: 0,
    });
    expect(report.rate).toEqual({
      state: 'closed',
      windowFailures: 2,
      failureRate: 66.7,
      failureRateThreshold: 50,
      totalFailures: 2,
      totalRejections: 0,
      retryAfterMs: 0,
    });
    // reset() clears the count toward opening, not the lifetime totals.
    breakers.reset('streak');
    expect(indicator.isHealthy('circuits').circuits.breakers.streak).toMatchObject({
      consecutiveFailures: 0,
      totalFailures: 2,
    });
  });

  it('with critical names, only those breakers make it down', async () => {
    const { indicator, breakers } = await setup({
      breakers: { payments: { failureThreshold: 1 }, search: { failureThreshold: 1 } },
    });
    await open(breakers, 'search');
    let result = indicator.isHealthy('circuits', { critical: ['payments'] }).circuits;
    expect(result.status).toBe('up');
    // `open` lists every open breaker; `openCritical` the ones that make the check down.
    expect(result.open).toEqual(['search']);
    expect(result.openCritical).toEqual([]);
    expect(result.breakers.search!.state).toBe('open');
    // Without the option, any open breaker counts.
    expect(indicator.isHealthy('circuits').circuits).toMatchObject({
      status: 'down',
      open: ['search'],
      openCritical: ['search'],
    });
    await open(breakers, 'payments');
    result = indicator.isHealthy('circuits', { critical: ['payments'] }).circuits;
    expect(result.status).toBe('down');
    expect(result.open).toEqual(['payments', 'search']);
    expect(result.openCritical).toEqual(['payments']);
  });

  it('critical: [] reports the circuits without ever failing the check', async () => {
    const { indicator, breakers } = await setup({ breakers: { a: { failureThreshold: 1 } } });
    await open(breakers, 'a');
    breakers.forceOpen('a');
    const result = indicator.isHealthy('circuits', { critical: [] }).circuits;
    expect(result.status).toBe('up');
    expect(result.open).toEqual(['a']);
    expect(result.openCritical).toEqual([]);
    expect(result.breakers.a).toMatchObject({ state: 'open', forcedOpen: true });
  });

  it('a critical name that is no breaker fails, naming it and the known breakers', async () => {
    const { indicator } = await setup({ breakers: { payments: {} } });
    let err: unknown;
    try {
      indicator.isHealthy('circuits', { critical: ['paymnets'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as Error).message).toBe(
      'Invalid resilience option health critical: "paymnets" (expected the name of a breaker: payments)',
    );
  });

  it('reports each live partition, and a critical name covers its partitions', async () => {
    const { indicator, breakers } = await setup({
      breakers: { hosts: { failureThreshold: 1, partitionKey: (h: string) => h } },
    });
    await expect(breakers.execute('hosts', () => 'ok', { args: ['a.example'] })).resolves.toBe('ok');
    await open(breakers, 'hosts', ['b.example']);
    const result = indicator.isHealthy('circuits', { critical: ['hosts'] }).circuits;
    expect(result.status).toBe('down');
    expect(result.open).toEqual(['hosts[b.example]']);
    expect(result.openCritical).toEqual(['hosts[b.example]']);
    expect(Object.keys(result.breakers)).toEqual(['hosts[a.example]', 'hosts[b.example]']);
    expect(result.breakers['hosts[a.example]']!.state).toBe('closed');
  });

  it('lists a partitioned breaker that has no live partition yet, under its own name', async () => {
    const { indicator } = await setup({ breakers: { hosts: { partitionKey: (h: string) => h }, plain: {} } });
    const result = indicator.isHealthy('circuits').circuits;
    expect(Object.keys(result.breakers).sort()).toEqual(['hosts', 'plain']);
    expect(result.breakers['hosts']!.state).toBe('closed');
  });

  it('shows disabled breakers as such, up', async () => {
    const { indicator, breakers } = await setup({ breakers: { a: { failureThreshold: 1 } } });
    await open(breakers, 'a');
    breakers.disable('a');
    expect(indicator.isHealthy().circuit_breakers).toMatchObject({
      status: 'up',
      breakers: { a: { state: 'closed', disabled: true } },
    });
  });

  it('makes a Terminus health check fail with 503 while a breaker is open', async () => {
    const { indicator, breakers, health } = await setup({ breakers: { a: { failureThreshold: 1 } } });
    await expect(health.check([() => indicator.isHealthy('circuits')])).resolves.toMatchObject({ status: 'ok' });
    await open(breakers, 'a');
    await expect(health.check([() => indicator.isHealthy('circuits')])).rejects.toBeInstanceOf(
      ServiceUnavailableException,
    );
  });
});
