import 'reflect-metadata';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CircuitBreaker, CircuitBreakerService, RateLimited, ResilienceModule, WithRetry } from 'nest-resilience';

class Transient extends Error {
  readonly isTransient = true;
}

describe('bootstrap validation', () => {
  it('fails app.init() when a decorator names a policy that does not exist', async () => {
    @Injectable()
    class Payments {
      @CircuitBreaker('paymnets')
      async charge() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ breakers: { payments: {} } })],
      providers: [Payments],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      /@CircuitBreaker on Payments\.charge: "paymnets" \(expected one of the configured breakers: payments\)/,
    );
  });

  it('fails app.init() when a decorated controller method names a policy that does not exist', async () => {
    @Controller('pay')
    class PayController {
      @Get()
      @WithRetry('idempotnet')
      pay() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ retries: { idempotent: {} } })],
      controllers: [PayController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(
      'Invalid resilience option @WithRetry on PayController.pay: "idempotnet" (expected one of the configured retries: idempotent)',
    );
    await app.close();
  });

  it.each([
    [{ limiters: { openai: { rate: -5 } } }, /limiters\.openai\.rate: -5/],
    [{ retries: { default: { baseDelayMs: Number.NaN } } }, /retries\.default\.baseDelayMs: NaN/],
    [{ limiters: { openai: { rate: 10, burst: 2, tokens: 5 } } }, /limiters\.openai\.burst: 2/],
    [{ breakers: { x: { failureTreshold: 3 } } }, /breakers\.x\.failureTreshold/],
    [{ breakerz: {} }, /breakerz/],
  ])('rejects bad options at bootstrap, naming the option and the value (%#)', async (options, message) => {
    const moduleRef = Test.createTestingModule({ imports: [ResilienceModule.forRoot(options as never)] });
    await expect(moduleRef.compile()).rejects.toThrow(message);
  });

  it('rejects bad inline decorator options at bootstrap, naming the method', async () => {
    @Injectable()
    class Search {
      @RateLimited({ rate: 0 })
      async find() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot()],
      providers: [Search],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/@RateLimited on Search\.find\.rate: 0/);
  });
});

describe('forRootAsync', () => {
  const CONFIG = 'CONFIG';

  @Module({ providers: [{ provide: CONFIG, useValue: { threshold: 1 } }], exports: [CONFIG] })
  class ConfigModule {}

  @Injectable()
  class Flaky {
    @CircuitBreaker('fromConfig')
    async call() {
      throw new Transient('nope');
    }
  }

  it('builds the options with a factory that injects other providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { threshold: number }) => ({
            breakers: { fromConfig: { failureThreshold: config.threshold } },
          }),
        }),
      ],
      providers: [Flaky],
    }).compile();
    await moduleRef.init();
    await expect(moduleRef.get(Flaky).call()).rejects.toThrow('nope');
    expect(moduleRef.get(CircuitBreakerService).state('fromConfig')).toBe('open');
    await moduleRef.close();
  });
});
