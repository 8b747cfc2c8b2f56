import type { LuaScript } from './scripts.js';
import type { NormalizedRedisStoreOptions, RedisClient } from './redis-store.options.js';
import { StoreUnavailableError } from './store-errors.js';

/** Thrown internally when a store operation outlives `storeTimeoutMs`. */
class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

interface Deadline {
  at: number;
  reject: (error: Error) => void;
  done: boolean;
}

/**
 * Timeouts for store operations with ONE timer for all of them: every operation has the same
 * timeout, so deadlines expire in insertion order and only the oldest one needs a timer.
 */
class Deadlines {
  private q: Deadline[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly fire = () => {
    this.timer = undefined;
    const now = performance.now();
    const q = this.q;
    while (this.head < q.length) {
      const d = q[this.head]!;
      if (!d.done && d.at > now) break;
      q[this.head++] = undefined as unknown as Deadline;
      if (!d.done) {
        d.done = true;
        d.reject(new StoreTimeoutError(this.ms));
      }
    }
    if (this.head === q.length) {
      this.q = [];
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.q = q.slice(this.head);
        this.head = 0;
      }
      this.arm(this.q[this.head]!.at - now);
    }
  };

  constructor(private readonly ms: number) {}

  add(reject: (error: Error) => void): Deadline {
    const d: Deadline = { at: performance.now() + this.ms, reject, done: false };
    this.q.push(d);
    if (this.timer === undefined) this.arm(this.ms);
    return d;
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (let i = this.head; i < this.q.length; i++) {
      const d = this.q[i]!;
      if (!d.done) {
        d.done = true;
        d.reject(new StoreTimeoutError(0));
      }
    }
    this.q = [];
    this.head = 0;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }
}

/**
 * The store's connection to Redis: runs scripts (EVALSHA, EVAL on NOSCRIPT) with a timeout,
 * tracks whether Redis is reachable, logs and reports an outage once, and probes until it
 * answers again. Operations while down fail at once with {@link StoreUnavailableError}.
 */
export class StoreLink {
  /** False from the first failed operation until a probe succeeds. */
  up = true;
  private readonly deadlines: Deadlines;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private readonly onReady = () => {
    if (!this.up) void this.runProbe();
  };

  constructor(
    readonly client: RedisClient,
    private readonly options: NormalizedRedisStoreOptions,
    private readonly now: () => number,
  ) {
    this.deadlines = new Deadlines(options.storeTimeoutMs);
    client.on('ready', this.onReady);
  }

  /** Runs `script` on one key. Rejects with {@link StoreUnavailableError} (and marks the store down) on any failure. */
  run(script: LuaScript, key: string, args: readonly (string | number)[], policy: string): Promise<unknown> {
    if (!this.up || this.closed) return Promise.reject(new StoreUnavailableError(policy, this.closed ? 'store closed' : 'store down'));
    return new Promise<unknown>((resolve, reject) => {
      const deadline = this.deadlines.add((error) => {
        this.markDown(error);
        reject(new StoreUnavailableError(policy, error.message, { cause: error }));
      });
      this.evalScript(script, key, args).then(
        (value) => {
          if (deadline.done) return;
          deadline.done = true;
          resolve(value);
        },
        (error: Error) => {
          if (deadline.done) return;
          deadline.done = true;
          this.markDown(error);
          reject(new StoreUnavailableError(policy, describe(error), { cause: error }));
        },
      );
    });
  }

  /** Stops probing, forgets pending timeouts, detaches from the client. */
  close(): void {
    this.closed = true;
    if (this.probe !== undefined) clearInterval(this.probe);
    this.probe = undefined;
    this.deadlines.clear();
    this.client.off('ready', this.onReady);
  }

  private async evalScript(script: LuaScript, key: string, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, 1, key, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return await this.client.eval(script.source, 1, key, ...args);
    }
  }

  private markDown(error: Error): void {
    if (!this.up || this.closed) return;
    this.up = false;
    const reason = describe(error);
    const byDefault = this.options.onStoreError === 'fail-open' ? 'fall back to per-process state' : 'fail with StoreUnavailableError';
    this.options.logger.warn(`nest-resilience: Redis store unavailable (${reason}); until it answers again, shared policies ${byDefault} (or what their own onStoreError says)`);
    this.emit('down', reason);
    this.probe = setInterval(() => void this.runProbe(), this.options.probeIntervalMs);
    this.probe.unref();
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.up || this.closed) return;
    this.probing = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const deadline = this.deadlines.add(reject);
        this.client.ping().then(
          () => {
            deadline.done = true;
            resolve();
          },
          (error: Error) => {
            deadline.done = true;
            reject(error);
          },
        );
      });
      if (this.up || this.closed) return;
      this.up = true;
      if (this.probe !== undefined) clearInterval(this.probe);
      this.probe = undefined;
      this.options.logger.log('nest-resilience: Redis store available again; shared state resumed');
      this.emit('up', undefined);
    } catch {
      // Still down: the next probe tries again.
    } finally {
      this.probing = false;
    }
  }

  private emit(status: 'down' | 'up', reason: string | undefined): void {
    const cb = this.options.onStoreStatus;
    if (cb === undefined) return;
    try {
      cb(reason === undefined ? { status, at: this.now() } : { status, at: this.now(), reason });
    } catch {
      // A throwing listener must not break the store.
    }
  }
}

/** Error name and message, with anything that looks like a URL removed (it may carry a password). */
function describe(error: unknown): string {
  const e = error as Error | undefined;
  const text = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  return text.replace(/rediss?:\/\/\S+/g, 'redis://…');
}
