import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SampleConfig } from './config/sample.config.js';
import { SampleModule } from './sample.module.js';
import { FlakyUpstream } from './upstream/flaky-upstream.js';

/**
 * Starts the simulated quotes provider, then the app on `PORT` (default 3000).
 * SIGINT / SIGTERM close the app (and with it the provider) cleanly.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample');
  const config = new SampleConfig(process.env);
  // The simulated provider expects the key the app sends (QUOTES_API_KEY).
  const upstream = await new FlakyUpstream({ ...config.upstream(), apiKey: config.apiKey }).start();
  logger.log(`Simulated quotes provider on ${upstream.url}`);

  const app = await NestFactory.create(SampleModule.register({ upstream }));
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  logger.log(`Quotes sample listening on ${url}  (try: curl ${url}/quotes/ACME)`);
  logger.log(
    `Ask: curl -s -X POST ${url}/ask -H 'content-type: application/json' -d '{"prompt":"Hello"}'` +
      `  (batch: SAMPLE_URL=${url} npm run batch)`,
  );
}

bootstrap().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
