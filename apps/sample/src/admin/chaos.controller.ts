import { BadRequestException, Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { FlakyUpstream, type ChaosSettings, type UpstreamStats } from '../upstream/flaky-upstream.js';

const KEYS = ['failureRate', 'latencyMs', 'rateLimitShare'] as const;

/** What `GET /chaos` and `POST /chaos` answer. */
export interface ChaosView extends ChaosSettings {
  stats: UpstreamStats;
}

/**
 * `POST /chaos` changes how the simulated provider misbehaves, at run time:
 * `{ "failureRate": 1 }` makes every call fail with 503, `{ "rateLimitShare": 0.5 }` answers
 * half of them 429 with `Retry-After`, `{ "latencyMs": 300 }` slows every answer down.
 * Omitted fields keep their value. `GET /chaos` shows the settings and the provider's counters.
 */
@Controller('chaos')
export class ChaosController {
  constructor(private readonly upstream: FlakyUpstream) {}

  @Get()
  view(): ChaosView {
    return { ...this.upstream.chaos, stats: this.upstream.stats };
  }

  @Post()
  @HttpCode(200)
  update(@Body() body: unknown): ChaosView {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new BadRequestException('Expected a JSON object such as {"failureRate": 0.5}');
    }
    const unknown = Object.keys(body).filter((k) => !(KEYS as readonly string[]).includes(k));
    if (unknown.length > 0)
      throw new BadRequestException(`Unknown chaos setting(s): ${unknown.join(', ')} (known: ${KEYS.join(', ')})`);
    try {
      this.upstream.configure(body as Partial<ChaosSettings>);
    } catch (error) {
      throw new BadRequestException((error as Error).message);
    }
    return this.view();
  }
}
