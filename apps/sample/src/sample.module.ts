import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ResilienceModule, type ResilienceModuleOptions } from 'nest-resilience';
import { ResilienceHealthModule } from 'nest-resilience/health';
import { ResilienceHttpModule, type AdaptiveRateLimiter, type AdaptiveRateLimiterOptions } from 'nest-resilience/http';
import { ChaosController } from './admin/chaos.controller.js';
import type { AskModuleOptions } from './ask/ask.backend.js';
import { AskModule } from './ask/ask.module.js';
import { QuoteBoardController } from './board/quote-board.controller.js';
import { QuoteBoardService } from './board/quote-board.service.js';
import { CircuitsController } from './admin/circuits.controller.js';
import { SampleConfig } from './config/sample.config.js';
import { HealthController } from './health/health.controller.js';
import { QuotesController } from './quotes/quotes.controller.js';
import { quotesClientOptions } from './quotes/quotes-http.options.js';
import { QuotesService } from './quotes/quotes.service.js';
import { RateLimitModule } from './ratelimit/ratelimit.module.js';
import { QuotesExceptionFilter } from './resilience-exception.filter.js';
import { QUOTES_ADAPTIVE_LIMITER, QUOTES_CLIENT, UPSTREAM_URL } from './sample.constants.js';
import type { FlakyUpstream, FlakyUpstreamOptions } from './upstream/flaky-upstream.js';
import { UpstreamModule } from './upstream/upstream.module.js';

/** Options of {@link SampleModule.register}; everything defaults to the environment. */
export interface SampleModuleOptions {
  /**
   * The simulated quotes provider: an instance (started if needed), or options of one the
   * module creates. Either way the application stops it on shutdown.
   * Default: one built from `UPSTREAM_*` variables.
   */
  upstream?: FlakyUpstream | FlakyUpstreamOptions;
  /**
   * Merged over the configuration read from the environment, policy by policy
   * (e.g. `{ clock, random, breakers: { quotes: { recoveryTimeMs: 50 } } }`).
   */
  resilience?: ResilienceModuleOptions;
  /** Timeout of one provider call, ms. Default `QUOTES_TIMEOUT_MS` or 2000. */
  requestTimeoutMs?: number;
  /** Merged over the options of the adaptive limiter in front of the provider (see `GET /ratelimit`). */
  adaptiveLimiter?: Partial<AdaptiveRateLimiterOptions>;
  /** Where settings are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** `POST /ask`: e.g. a faster simulator in tests. */
  ask?: AskModuleOptions;
}

/** Holds the {@link SampleConfig} built from the environment. */
@Module({})
export class SampleConfigModule {
  /** A module exporting a {@link SampleConfig} over `env`. */
  static forEnv(env: Readonly<Record<string, string | undefined>>): DynamicModule {
    return {
      module: SampleConfigModule,
      providers: [{ provide: SampleConfig, useValue: new SampleConfig(env) }],
      exports: [SampleConfig],
    };
  }
}

/** The module option sections holding named policies. */
const SECTIONS = ['breakers', 'retries', 'limiters', 'timeouts', 'bulkheads', 'fallbacks'] as const;
type Section = (typeof SECTIONS)[number];

/** `over` merged into `base`: top-level keys replaced, named policies merged option by option. */
export function mergeResilienceOptions(
  base: ResilienceModuleOptions,
  over: ResilienceModuleOptions = {},
): ResilienceModuleOptions {
  const merged: ResilienceModuleOptions = { ...base, ...over };
  for (const section of SECTIONS) {
    if (base[section] === undefined && over[section] === undefined) continue;
    const a = (base[section] ?? {}) as Record<string, object>;
    const b = (over[section] ?? {}) as Record<string, object>;
    const policies: Record<string, object> = { ...a };
    for (const [name, options] of Object.entries(b)) policies[name] = { ...(a[name] ?? {}), ...options };
    (merged as Record<Section, unknown>)[section] = policies;
  }
  return merged;
}

/**
 * The quotes sample: `GET /quotes/:symbol` through a breaker, retries and a rate limiter, then
 * the `quotes` `ApiClient` and its adaptive limiter; `GET /board/:symbol`, the same quote within
 * a deadline and a bulkhead, falling back to the last known quote; `GET /ratelimit`, `GET /health`,
 * `GET /circuits`, `POST /circuits/:name/reset` and `POST /chaos`; `POST /ask` through an iModel
 * (a simulated OpenAI-compatible server when no provider key is set) and `GET /ask/stats`.
 * @example
 * ```ts
 * const app = await NestFactory.create(SampleModule.register({ upstream: { failureRate: 0.2 } }));
 * ```
 */
@Module({})
export class SampleModule {
  /** The module, configured from `options` over the environment. */
  static register(options: SampleModuleOptions = {}): DynamicModule {
    const config = SampleConfigModule.forEnv(options.env ?? process.env);
    const upstream = UpstreamModule.register(config, options.upstream);
    const rateLimit = RateLimitModule.register(config, options.adaptiveLimiter);
    return {
      module: SampleModule,
      imports: [
        config,
        ResilienceModule.forRootAsync({
          imports: [config],
          inject: [SampleConfig],
          useFactory: (sample: SampleConfig) => mergeResilienceOptions(sample.resilience(), options.resilience),
        }),
        upstream,
        rateLimit,
        ResilienceHttpModule.registerClientAsync({
          name: QUOTES_CLIENT,
          imports: [config, upstream, rateLimit],
          inject: [SampleConfig, UPSTREAM_URL, QUOTES_ADAPTIVE_LIMITER],
          useFactory: (sample: SampleConfig, url: string, adaptive: AdaptiveRateLimiter) =>
            quotesClientOptions(sample, url, adaptive, options.requestTimeoutMs),
        }),
        TerminusModule,
        ResilienceHealthModule,
        AskModule.register(options.env ?? process.env, options.ask),
      ],
      controllers: [QuotesController, QuoteBoardController, HealthController, CircuitsController, ChaosController],
      providers: [{ provide: APP_FILTER, useClass: QuotesExceptionFilter }, QuotesService, QuoteBoardService],
    };
  }
}
