import { Controller, Get, Inject } from '@nestjs/common';
import type { AdaptiveRateLimiter, AdaptiveRateLimiterSnapshot } from 'nest-resilience/http';
import { QUOTES_ADAPTIVE_LIMITER } from '../sample.constants.js';

/** What `GET /ratelimit` answers. */
export interface RateLimitView extends AdaptiveRateLimiterSnapshot {
  /** Ms left of the current pause (after a 429 or an exhausted window), 0 when not paused. */
  pausedForMs: number;
}

/**
 * `GET /ratelimit`: the adaptive limiter in front of the quotes provider: the rate it has
 * adapted to (requests per `periodMs` ms), its bucket, the last window the provider reported
 * (`x-ratelimit-*-requests`) and any pause a 429 started.
 */
@Controller('ratelimit')
export class RateLimitController {
  constructor(@Inject(QUOTES_ADAPTIVE_LIMITER) private readonly limiter: AdaptiveRateLimiter) {}

  /** The limiter's snapshot, rates rounded to 3 decimals and times to whole ms. */
  @Get()
  view(): RateLimitView {
    const s = this.limiter.snapshot();
    const view: RateLimitView = { ...s, rate: round3(s.rate), available: round3(s.available), pausedForMs: 0 };
    if (s.pausedUntil !== undefined) {
      view.pausedUntil = Math.ceil(s.pausedUntil);
      view.pausedForMs = Math.max(0, Math.ceil(s.pausedUntil - this.limiter.clock.now()));
    }
    if (s.lastUpdateAt !== undefined) view.lastUpdateAt = Math.round(s.lastUpdateAt);
    return view;
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
