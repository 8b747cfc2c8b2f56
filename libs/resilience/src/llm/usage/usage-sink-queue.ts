import type { CostLogger } from '../cost/price.types.js';
import { scrubSecrets } from '../../http/headers/headers.js';
import type { UsageRecord, UsageSink } from './usage.types.js';

/** Most records handed to a sink in one `write`. */
export const USAGE_MAX_BATCH = 1000;

/** The counters a {@link SinkQueue} adds to (the log's `stats()`). @internal */
export interface UsageCounts {
  recorded: number;
  written: number;
  dropped: number;
  failed: number;
}

interface InFlight {
  readonly size: number;
}

function describe(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return scrubSecrets(`${name}: ${message}`).slice(0, 300);
}

/**
 * The records waiting for one sink, and its one batch in flight. Batches go out in order, one
 * at a time; `enqueue` beyond `maxBuffered` waiting records drops and counts. A dropping or
 * failing episode is reported once (logger.warn) and ends when the sink catches up (queue
 * empty) or writes a batch again. Never throws. @internal
 */
export class SinkQueue {
  private queue: UsageRecord[] = [];
  private inFlight: InFlight | undefined;
  /** Records queued so far / settled (written, failed or abandoned) so far: `flush` waits for the difference. */
  private enqueued = 0;
  private settled = 0;
  private droppedInEpisode = 0;
  private failing = false;
  private waiters: { target: number; resolve: () => void }[] = [];

  constructor(
    readonly sink: UsageSink,
    private readonly maxBuffered: number,
    private readonly counts: UsageCounts,
    private readonly logger: CostLogger | undefined,
  ) {}

  /** Queues a record, or drops and counts it when `maxBuffered` records are waiting. */
  enqueue(record: UsageRecord): void {
    if (this.queue.length >= this.maxBuffered) {
      this.counts.dropped++;
      if (this.droppedInEpisode++ === 0)
        this.warn(
          `usage log: sink '${this.sink.name}' is behind (${this.maxBuffered} records waiting); further records are dropped and counted in stats().dropped until it catches up`,
        );
      return;
    }
    this.queue.push(record);
    this.enqueued++;
  }

  /** Hands the waiting records to the sink, a batch at a time, unless a batch is in flight. */
  drive(): void {
    while (this.inFlight === undefined && this.queue.length > 0) {
      let batch: UsageRecord[];
      if (this.queue.length <= USAGE_MAX_BATCH) {
        batch = this.queue;
        this.queue = [];
      } else batch = this.queue.splice(0, USAGE_MAX_BATCH);
      let result: void | Promise<void>;
      try {
        result = this.sink.write(batch);
      } catch (error) {
        this.failedBatch(batch.length, error);
        continue;
      }
      if (result !== null && typeof result === 'object' && typeof (result as Promise<void>).then === 'function') {
        const flight: InFlight = { size: batch.length };
        this.inFlight = flight;
        Promise.resolve(result).then(
          () => this.landed(flight, undefined, false),
          (error: unknown) => this.landed(flight, error, true),
        );
        return;
      }
      this.wrote(batch.length);
    }
    if (this.inFlight === undefined && this.queue.length === 0) this.caughtUp();
  }

  /** Resolves once every record queued so far has been settled. */
  whenSettled(): Promise<void> {
    const target = this.enqueued;
    if (this.settled >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }

  /** Gives up what is left (close timed out): waiting records count as dropped, the batch in flight as failed. Returns how many. */
  abandon(): number {
    let n = 0;
    if (this.inFlight !== undefined) {
      n += this.inFlight.size;
      this.counts.failed += this.inFlight.size;
      this.settle(this.inFlight.size);
      this.inFlight = undefined;
    }
    n += this.queue.length;
    this.counts.dropped += this.queue.length;
    this.settle(this.queue.length);
    this.queue = [];
    return n;
  }

  private landed(flight: InFlight, error: unknown, rejected: boolean): void {
    if (this.inFlight !== flight) return; // abandoned at close
    this.inFlight = undefined;
    if (rejected) this.failedBatch(flight.size, error);
    else this.wrote(flight.size);
    this.drive();
  }

  private wrote(n: number): void {
    this.counts.written += n;
    if (this.failing) {
      this.failing = false;
      this.say(`usage log: sink '${this.sink.name}' writes again`, false);
    }
    this.settle(n);
  }

  private failedBatch(n: number, error: unknown): void {
    this.counts.failed += n;
    if (!this.failing) {
      this.failing = true;
      this.warn(
        `usage log: sink '${this.sink.name}' failed to write a batch of ${n} records (${describe(error)}); failed batches are counted in stats().failed, not retried (reported once until the sink writes again)`,
      );
    }
    this.settle(n);
  }

  private caughtUp(): void {
    if (this.droppedInEpisode === 0) return;
    const n = this.droppedInEpisode;
    this.droppedInEpisode = 0;
    this.say(`usage log: sink '${this.sink.name}' caught up; ${n} records were dropped`, false);
  }

  private settle(n: number): void {
    this.settled += n;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.settled >= w.target) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private warn(message: string): void {
    this.say(message, true);
  }

  private say(message: string, warn: boolean): void {
    try {
      if (warn) this.logger?.warn(message);
      else this.logger?.log?.(message);
    } catch {
      // A throwing logger must not break the log.
    }
  }
}
