import { EventEmitter, type Event } from '../core/events/event-emitter.js';
import type { StoreStatusEvent } from '../core/store/store-events.js';
import type { LuaScript } from './lua-script.js';
import type { NormalizedRedisStoreOptions, RedisClient } from './redis-store.options.js';
import { StoreUnavailableError } from '../core/errors/index.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { describeFailure, redact, StoreTimeoutError } from './store-failure.js';

/** Arguments of a script call. */
type ScriptArgs = readonly (string | number)[];
/** Times an operation may be found overdue (each time a PING answered) before it counts as lost. */
const MAX_TRIES = 2;
/** Sweep lateness (ms) above which the loop counts as busy while a probe waited: it gets more time. */
const BUSY_LAG_MS = 20;

/**
 * The store's connection to Redis: runs scripts (EVALSHA, EVAL on NOSCRIPT) with a timeout,
 * tracks whether Redis is reachable, logs and reports an outage once, and probes until it
 * answers again. Operations while down fail at once with {@link StoreUnavailableError}.
 *
 * **When is Redis down?** At once when the client reports an error for an operation (the
 * connection closed, a refused connection, a command the client refuses while offline).
 * For silence, not when a timer fires: an operation unanswered `storeTimeoutMs` after it was
 * sent is first given the chance to be read (see {@link Deadlines}: the sweep runs after the
 * poll phase, so an answer delayed only by a busy event loop is found), and what is still
 * unanswered then triggers ONE confirmation `PING`, sent now that the loop is free. On a
 * single connection Redis answers in order, so a `PONG` proves the earlier answers arrived
 * (or that Redis is alive and slow): the overdue operations get another `storeTimeoutMs`
 * (at most {@link MAX_TRIES} times). The outage is declared only when the `PING` itself gets
 * no answer within `storeTimeoutMs` (a sweep that ran more than 20 ms late, the loop having
 * been busy, gives the probe one more period). A Redis that stopped answering is thus
 * detected within about 2 × `storeTimeoutMs`; a busy loop alone never declares an outage.
 *
 * **Resuming.** While down the store pings every `probeIntervalMs` and whenever the client
 * becomes ready; the first answer ends the outage ({@link epoch} is bumped). With
 * `expectedReplicas > 1` a grace period of `probeIntervalMs + storeTimeoutMs` follows
 * ({@link shared} stays false): the other replicas resume within it, and limiters hold
 * their local share meanwhile (see `RedisBucket`).
 *
 * **Events.** {@link onStatus} emits one `store.down` per outage and one `store.up` when it
 * ends; the `error` text is the failure's message with any URL removed (never credentials).
 */
export class StoreLink {
  /** False from a confirmed failure until a probe succeeds. */
  up = true;
  /** True when up and past the grace period that follows a resume (see the class comment). */
  shared = true;
  /** Bumped each time shared mode resumes after an outage. */
  epoch = 0;
  /** `performance.now()` of the last resume (`-Infinity` before any outage). */
  resumedAt = -Infinity;
  private readonly deadlines: Deadlines;
  private probe: NodeJS.Timeout | undefined;
  private grace: NodeJS.Timeout | undefined;
  private probing = false;
  /** The confirmation probe in flight, if any, and the operations waiting on its verdict. */
  private confirming: Deadline | undefined;
  private suspects: Deadline[] = [];
  private closed = false;
  private readonly statusEmitter = new EventEmitter<StoreStatusEvent>();
  /** Subscribes to `store.down` / `store.up` (once each per outage); returns a disposable. */
  readonly onStatus: Event<StoreStatusEvent> = this.statusEmitter.subscribe;
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

  /** Length of the grace period after a resume (0 for a single replica). */
  get graceMs(): number {
    return this.options.expectedReplicas > 1 ? this.options.probeIntervalMs + this.options.storeTimeoutMs : 0;
  }

  /** Runs `script` on one key. Rejects with {@link StoreUnavailableError} (and marks the store down) on any failure. */
  run(script: LuaScript, key: string, args: readonly (string | number)[], policy: string): Promise<unknown> {
    return this.runKeys(script, [key], args, policy);
  }

  /**
   * Runs `script` on several keys (one hash tag, so Redis Cluster accepts them in one script), as
   * {@link run} does on one: same deadline, outage detection and NOSCRIPT handling.
   */
  runKeys(script: LuaScript, keys: readonly string[], args: ScriptArgs, policy: string): Promise<unknown> {
    if (!this.up || this.closed)
      return Promise.reject(new StoreUnavailableError(policy, this.closed ? 'store closed' : 'store down'));
    return new Promise<unknown>((resolve, reject) => {
      const op = this.deadlines.add((d) => this.overdue(d));
      const fail = (op.fail = (error: Error) => {
        op.done = true;
        reject(new StoreUnavailableError(policy, describeFailure(error), { cause: error }));
      });
      this.evalScript(script, keys, args).then(
        (value) => {
          if (op.done) return;
          op.done = true;
          resolve(value);
        },
        (error: Error) => {
          if (op.done) return;
          fail(error);
          this.markDown(error);
        },
      );
    });
  }

  /** Stops probing, fails pending operations, detaches from the client. */
  close(): void {
    this.closed = true;
    if (this.probe !== undefined) clearInterval(this.probe);
    if (this.grace !== undefined) clearTimeout(this.grace);
    this.probe = this.grace = undefined;
    this.expireAll(new StoreTimeoutError(0));
    this.client.off('ready', this.onReady);
    this.statusEmitter.clear();
  }

  private async evalScript(script: LuaScript, keys: readonly string[], args: ScriptArgs): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return await this.client.eval(script.source, keys.length, ...keys, ...args);
    }
  }

  /** An operation is unanswered past its deadline (after pending I/O was read): confirm with a PING. */
  private overdue(op: Deadline): void {
    if (!this.up || this.closed || op.tries >= MAX_TRIES) {
      const error = new StoreTimeoutError(this.options.storeTimeoutMs);
      op.fail!(error);
      this.markDown(error);
      return;
    }
    op.tries++;
    this.suspects.push(op);
    if (this.confirming !== undefined) return;
    const probe = this.deadlines.add((d, lateMs) => {
      // The loop was busy while the probe waited: give it another period (bounded).
      if (lateMs > BUSY_LAG_MS && d.tries < MAX_TRIES) {
        d.tries++;
        this.deadlines.extend(d);
        return;
      }
      d.done = true;
      this.confirming = undefined;
      this.markDown(new StoreTimeoutError(this.options.storeTimeoutMs));
    });
    this.confirming = probe;
    this.client.ping().then(
      () => {
        if (probe.done) return;
        probe.done = true;
        this.confirming = undefined;
        // Redis answers: operations still unanswered get another period.
        const suspects = this.suspects;
        this.suspects = [];
        for (const s of suspects) if (!s.done) this.deadlines.extend(s);
      },
      (error: Error) => {
        if (probe.done) return;
        probe.done = true;
        this.confirming = undefined;
        this.markDown(error);
      },
    );
  }

  /** Fails every pending operation (and those waiting on a probe) with `error`. */
  private expireAll(error: Error): void {
    const pending = [...this.suspects, ...this.deadlines.takeAll()];
    this.suspects = [];
    this.confirming = undefined;
    for (const d of pending) {
      if (d.done) continue;
      d.done = true;
      d.fail?.(error);
    }
  }

  private markDown(error: Error): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.shared = false;
    if (this.grace !== undefined) clearTimeout(this.grace);
    this.grace = undefined;
    // Operations sent to a Redis that does not answer are lost: their callers move on now.
    this.expireAll(error);
    const reason = describeFailure(error);
    const byDefault =
      this.options.onStoreError === 'fail-open' ? 'fall back to per-process state' : 'fail with StoreUnavailableError';
    this.options.logger.warn(
      `nest-resilience: Redis store unavailable (${reason}); until it answers again, shared policies ${byDefault} (or what their own onStoreError says)`,
    );
    this.emit('store.down', redact(error instanceof Error ? error.message : String(error)));
    this.probe = setInterval(() => void this.runProbe(), this.options.probeIntervalMs);
    this.probe.unref();
  }

  private async runProbe(): Promise<void> {
    if (this.probing || this.up || this.closed) return;
    this.probing = true;
    try {
      await new Promise<void>((resolve, reject) => {
        const deadline = this.deadlines.add((d) => d.fail!(new StoreTimeoutError(this.options.storeTimeoutMs)));
        deadline.fail = reject;
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
      this.epoch++;
      this.resumedAt = performance.now();
      if (this.probe !== undefined) clearInterval(this.probe);
      this.probe = undefined;
      const grace = this.graceMs;
      if (grace === 0) this.shared = true;
      else {
        this.grace = setTimeout(() => {
          this.grace = undefined;
          if (this.up) this.shared = true;
        }, grace);
        this.grace.unref();
      }
      this.options.logger.log('nest-resilience: Redis store available again; shared state resumed');
      this.emit('store.up', undefined);
    } catch {
      // Still down: the next probe tries again.
    } finally {
      this.probing = false;
    }
  }

  /** Emits a status event (a throwing listener is isolated by the emitter: the store goes on). */
  private emit(type: StoreStatusEvent['type'], error: string | undefined): void {
    if (!this.statusEmitter.hasListeners) return;
    this.statusEmitter.emit(
      error === undefined ? { type, store: 'redis', at: this.now() } : { type, store: 'redis', error, at: this.now() },
    );
  }
}
