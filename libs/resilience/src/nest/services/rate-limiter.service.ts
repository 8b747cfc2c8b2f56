import { Injectable } from '@nestjs/common';
import type { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';

/** Options of a programmatic limiter call. @publicApi */
export interface LimitCallOptions {
  /** Tokens this call takes (default: the policy's `tokens`). */
  tokens?: number;
  /** Arguments the policy's `partitionKey` / `tokens` functions see. */
  args?: readonly unknown[];
  /** Cancels the wait at once. */
  signal?: AbortSignal;
}

/**
 * Programmatic access to the rate limiters.
 * @example
 * ```ts
 * await this.limiters.execute('openai', () => this.callModel(req), { tokens: req.estimatedTokens });
 * ```
 * @publicApi
 */
@Injectable()
export class RateLimiterService {
  constructor(private readonly registry: ResilienceRegistry) {}

  /** The limiter named `name`; throws `ResilienceConfigError` when none exists. */
  get(name: string): RateLimiterPolicy {
    return this.registry.limiter(name);
  }

  /** Waits for (or, in reject mode, demands) tokens, then runs `fn`. */
  async execute<T>(name: string, fn: () => T | Promise<T>, options: LimitCallOptions = {}): Promise<T> {
    await this.acquire(name, options);
    return await fn();
  }

  /** Takes tokens without running anything. Resolves when admitted. */
  async acquire(name: string, options: LimitCallOptions = {}): Promise<void> {
    const policy = this.registry.limiter(name);
    const args = options.args ?? [];
    await policy
      .bucketFor(args)
      .acquire(options.tokens ?? policy.tokensFor(args), policy.options.maxWaitMs, options.signal);
  }

  snapshot(name: string): ReturnType<RateLimiterPolicy['snapshot']> {
    return this.registry.limiter(name).snapshot();
  }

  names(): string[] {
    return this.registry.names('limiter');
  }
}
