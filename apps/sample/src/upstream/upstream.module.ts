import { Module, type DynamicModule } from '@nestjs/common';
import { SampleConfig } from '../config/sample.config.js';
import { UPSTREAM_URL } from '../sample.constants.js';
import { FlakyUpstream, type FlakyUpstreamOptions } from './flaky-upstream.js';
import { UpstreamLifecycle } from './upstream.lifecycle.js';

/**
 * The simulated quotes provider as a module: a started {@link FlakyUpstream}, its base URL
 * (`UPSTREAM_URL`) and the lifecycle hook that stops it on shutdown.
 */
@Module({})
export class UpstreamModule {
  /**
   * @param config the module exporting {@link SampleConfig}.
   * @param given an instance (started if needed) or options merged over the `UPSTREAM_*`
   *   variables; an instance built here expects the configured `QUOTES_API_KEY`.
   */
  static register(config: DynamicModule, given?: FlakyUpstream | FlakyUpstreamOptions): DynamicModule {
    return {
      module: UpstreamModule,
      imports: [config],
      providers: [
        {
          provide: FlakyUpstream,
          inject: [SampleConfig],
          useFactory: async (sample: SampleConfig) => {
            const upstream =
              given instanceof FlakyUpstream
                ? given
                : new FlakyUpstream({ ...sample.upstream(), apiKey: sample.apiKey, ...given });
            return await upstream.start();
          },
        },
        { provide: UPSTREAM_URL, inject: [FlakyUpstream], useFactory: (upstream: FlakyUpstream) => upstream.url },
        UpstreamLifecycle,
      ],
      exports: [FlakyUpstream, UPSTREAM_URL],
    };
  }
}
