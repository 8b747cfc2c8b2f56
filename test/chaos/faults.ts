// The faults of the chaos upstream (fault-upstream.ts), how they are drawn (seeded, per
// logical request and attempt, so the outcome does not depend on arrival order), and the
// upstream's own arrival log.
import { seededRandom } from 'nest-resilience';

/** What the upstream does with one attempt. */
export enum Fault {
  Ok,
  /** Destroys the socket as soon as the request has arrived. */
  Reset,
  /** Never answers (the client's timeout ends it). */
  Hang,
  /** 200 whose body comes in 4 chunks, 15 ms apart (within the client's timeout). */
  SlowBody,
  /** Headers and part of the body, then nothing (past the client's timeout). */
  Stall,
  /** Headers and part of the body, then the socket is destroyed. */
  ResetMidBody,
  /** 429 with `Retry-After: <seconds>`. */
  RetryAfterSeconds,
  /** 429 with `Retry-After: <HTTP date>`. */
  RetryAfterDate,
  S500,
  S502,
  S503,
  S529,
  /** 200 with a JSON content type and an invalid body. */
  MalformedJson,
  /** Inside an outage window: 503 for everything. */
  Outage503,
  /** Inside an outage window: every connection reset. */
  OutageReset,
}

/** Share of attempts (outside outages) getting each fault; the rest are answered 200. */
export const FAULT_SHARES: ReadonlyArray<readonly [Fault, number]> = [
  [Fault.Reset, 0.03],
  [Fault.Hang, 0.02],
  [Fault.SlowBody, 0.04],
  [Fault.Stall, 0.02],
  [Fault.ResetMidBody, 0.02],
  [Fault.RetryAfterSeconds, 0.03],
  [Fault.RetryAfterDate, 0.02],
  [Fault.S500, 0.03],
  [Fault.S502, 0.02],
  [Fault.S503, 0.03],
  [Fault.S529, 0.02],
  [Fault.MalformedJson, 0.02],
];

/** Faults after which the request may have been processed (a non-idempotent retry could bill twice). */
export const MAYBE_PROCESSED: ReadonlySet<Fault> = new Set([
  Fault.Ok,
  Fault.Reset,
  Fault.Hang,
  Fault.SlowBody,
  Fault.Stall,
  Fault.ResetMidBody,
  Fault.S500,
  Fault.S502,
  Fault.MalformedJson,
  Fault.OutageReset,
]);

/**
 * The upstream's own records, one slot per arrival (allocated up front, so recording adds no
 * garbage): times are the process's system clock (`performance.timeOrigin + performance.now()`).
 */
export class ArrivalLog {
  count = 0;
  /** Arrivals that found the log full (never expected: the attempt bound makes it large enough). */
  overflow = 0;
  readonly at: Float64Array;
  readonly logical: Int32Array;
  /** Client-side serial of the attempt (`x-chaos-serial`). */
  readonly serial: Int32Array;
  /** When the client's method sent it (`x-chaos-dispatch`), same clock. */
  readonly dispatchAt: Float64Array;
  readonly fault: Uint8Array;
  readonly post: Uint8Array;
  /** When the server finished with it: response ended or socket closed. */
  readonly endAt: Float64Array;
  /** For a 429: the earliest time the hint allows the next attempt (absolute). */
  readonly hintUntil: Float64Array;

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.logical = new Int32Array(capacity);
    this.serial = new Int32Array(capacity);
    this.dispatchAt = new Float64Array(capacity);
    this.fault = new Uint8Array(capacity);
    this.post = new Uint8Array(capacity);
    this.endAt = new Float64Array(capacity);
    this.hintUntil = new Float64Array(capacity);
  }
}

/** The fault of attempt `attempt` (0-based, as the server counted) of logical request `id`. */
export function faultFor(seed: number, id: number, attempt: number): Fault {
  const r = seededRandom((seed ^ Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(attempt + 1, 0x85ebca6b)) >>> 0)();
  let acc = 0;
  for (const [fault, share] of FAULT_SHARES) {
    acc += share;
    if (r < acc) return fault;
  }
  return Fault.Ok;
}
