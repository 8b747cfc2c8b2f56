import { Module, type DynamicModule } from '@nestjs/common';
import { RESILIENCE_CLOCK, type Clock } from 'nest-resilience';
import { AdaptiveRateLimiter, type AdaptiveRateLimiterOptions } from 'nest-resilience/http';
import { SampleConfig } from '../config/sample.config.js';
import { QUOTES_ADAPTIVE_LIMITER } from '../sample.constants.js';
import { RateLimitController } from './ratelimit.controller.js';

/**
 * Options of the adaptive limiter in front of the quotes provider. The provider allows
 * 100 requests per second; the limiter starts at 10/s and follows its `x-ratelimit-*` headers.
 */
export function adaptiveLimiterOptions(
  sample: SampleConfig,
  overrides: Partial<AdaptiveRateLimiterOptions> = {},
): AdaptiveRateLimiterOptions {
  return {
    name: 'quotes-upstream',
    initialRate: 10,
    minRate: 1,
    maxRate: 100,
    burst: 20,
    maxWaitMs: sample.number('QUOTES_RATE_MAX_WAIT_MS', 2000, 0),
    ...overrides,
  };
}

/**
 * The `AdaptiveRateLimiter` the `quotes` client sends through (`QUOTES_ADAPTIVE_LIMITER`), on
 * the resilience clock, and `GET /ratelimit`, which shows the rate it has adapted to.
 */
@Module({})
export class RateLimitModule {
  /** @param config the module exporting {@link SampleConfig}. */
  static register(config: DynamicModule, overrides?: Partial<AdaptiveRateLimiterOptions>): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [config],
      controllers: [RateLimitController],
      providers: [
        {
          provide: QUOTES_ADAPTIVE_LIMITER,
          inject: [SampleConfig, RESILIENCE_CLOCK],
          // The policies' clock: a VirtualClock in tests moves the pauses too.
          useFactory: (sample: SampleConfig, clock: Clock) =>
            new AdaptiveRateLimiter(adaptiveLimiterOptions(sample, overrides), { clock }),
        },
      ],
      exports: [QUOTES_ADAPTIVE_LIMITER],
    };
  }
}
