// The application under chaos, written as a user would: a Nest provider whose method is
// decorated with @WithRetry, @CircuitBreaker and @RateLimited and calls a declared ApiClient.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import {
  CircuitBreaker,
  RateLimited,
  ResilienceModule,
  seededRandom,
  systemClock,
  WithRetry,
  type CircuitStateChange,
  type ResilienceModuleOptions,
} from 'nest-resilience';
import {
  ApiClientError,
  InjectApiClient,
  isUpstreamFailure,
  UpstreamRateLimitError,
  ResilienceHttpModule,
  type ApiClient,
} from 'nest-resilience/http';
import { ResilienceHealthModule } from 'nest-resilience/health';
import type { StoreStatusEvent } from 'nest-resilience/redis';
import { SEEN } from './chaos-checks.js';
import { BREAKER, CANARY_HEADER, isPost, LIMITER, RETRY, SLIDING_LIMITER, TIMEOUT_MS } from './chaos-config.js';

const now = () => systemClock.now();

/** What the client side records (same process and clock as the upstream). */
export class ClientRecorder {
  serial = 0;
  /** When each attempt (by serial) settled at the client: its breaker slot is free from then on. */
  readonly settleAt: Float64Array;
  /** What the client made of each attempt (a `SEEN` code). */
  readonly seen: Uint8Array;
  readonly stateChanges: CircuitStateChange[] = [];
  readonly storeStatus: Array<{ status: string; at: number }> = [];
  /** Called with every piece of text the run produces (logs, errors, health): checks for the canary. */
  constructor(
    capacity: number,
    readonly scan: (text: string, where: string) => void,
  ) {
    this.settleAt = new Float64Array(capacity);
    this.seen = new Uint8Array(capacity);
  }
}

let recorder: ClientRecorder;

@Injectable()
export class ChaosService {
  constructor(@InjectApiClient('upstream') private readonly client: ApiClient) {}

  /** One attempt per invocation: the decorators wrap it as retry ▸ breaker ▸ limiter ▸ method. */
  @WithRetry('upstream')
  @CircuitBreaker('upstream')
  @RateLimited('upstream')
  async call(id: number): Promise<unknown> {
    const serial = recorder.serial++;
    const headers = { 'x-chaos-serial': String(serial), 'x-chaos-dispatch': now().toFixed(3) };
    const recorded = serial < recorder.seen.length;
    try {
      const body = isPost(id)
        ? await this.client.request('POST', `/r/${id}`, { headers, json: { id } })
        : await this.client.request('GET', `/r/${id}`, { headers });
      if (recorded) recorder.seen[serial] = SEEN.ok;
      return body;
    } catch (error) {
      if (recorded)
        recorder.seen[serial] =
          error instanceof UpstreamRateLimitError
            ? SEEN.rateLimited
            : error instanceof ApiClientError && !error.isTransient
              ? SEEN.permanent
              : SEEN.other;
      throw error;
    } finally {
      if (recorded) recorder.settleAt[serial] = now();
    }
  }
}

/** Starts the Nest application context of one chaos run. */
export async function createChaosApp(opts: {
  baseUrl: string;
  canary: string;
  seed: number;
  redisUrl?: string;
  algorithm?: 'token-bucket' | 'sliding-window';
  recorder: ClientRecorder;
}): Promise<INestApplicationContext> {
  recorder = opts.recorder;
  const rec = opts.recorder;
  const logger = (where: string) => (message: unknown) =>
    rec.scan(typeof message === 'string' ? message : JSON.stringify(message), where);
  const store: ResilienceModuleOptions['store'] =
    opts.redisUrl === undefined
      ? undefined
      : {
          type: 'redis',
          url: opts.redisUrl,
          keyPrefix: 'chaos:',
          onStoreError: 'fail-open',
          logger: { warn: logger('store log'), log: logger('store log') },
          onStoreStatus: (e: StoreStatusEvent) =>
            rec.storeStatus.push({ status: e.type === 'store.down' ? 'down' : 'up', at: now() }),
        };
  @Module({
    imports: [
      ResilienceModule.forRoot({
        random: seededRandom(opts.seed),
        ...(store === undefined ? {} : { store }),
        retries: { upstream: { ...RETRY } },
        breakers: {
          upstream: {
            ...BREAKER,
            ...(store === undefined ? {} : { shared: true }),
            failOn: isUpstreamFailure,
            onStateChange: (e: CircuitStateChange) => rec.stateChanges.push(e),
          },
        },
        limiters: { upstream: opts.algorithm === 'sliding-window' ? { ...SLIDING_LIMITER } : { ...LIMITER } },
      }),
      ResilienceHttpModule.forRoot({
        clients: {
          upstream: {
            baseUrl: opts.baseUrl,
            timeoutMs: TIMEOUT_MS,
            headers: { [CANARY_HEADER]: opts.canary },
            logger: { debug: logger('client debug log') },
          },
        },
      }),
      TerminusModule,
      ResilienceHealthModule,
    ],
    providers: [ChaosService],
  })
  class ChaosModule {}
  // Errors and warnings are shown (through the scanned stderr); the rest is only scanned.
  const shown = (message: unknown, ...rest: unknown[]) =>
    void process.stderr.write(
      `[nest] ${[message, ...rest].map((m) => (m instanceof Error ? m.stack : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}\n`,
    );
  const nestLogger: LoggerService = {
    log: logger('nest log'),
    error: shown,
    warn: shown,
    debug: logger('nest log'),
    verbose: logger('nest log'),
  };
  return NestFactory.createApplicationContext(ChaosModule, { logger: nestLogger, abortOnError: false });
}
