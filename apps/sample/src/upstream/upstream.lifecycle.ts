import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { FlakyUpstream } from './flaky-upstream.js';

/** Stops the simulated provider when the application shuts down (after the HTTP server). */
@Injectable()
export class UpstreamLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Sample');

  constructor(private readonly upstream: FlakyUpstream) {}

  async onApplicationShutdown(): Promise<void> {
    await this.upstream.stop();
    this.logger.log('Simulated quotes provider stopped');
  }
}
