// Pure checks over what the fault upstream recorded (see fault-upstream.ts). Each returns
// numbers and a few examples, never a bare boolean, so a failing assertion says how far off.
import { Fault, MAYBE_PROCESSED, type ArrivalLog } from './faults.js';

export type Interval = [from: number, to: number];

/** A breaker transition as `onStateChange` reports it. */
export interface StateChange {
  from: string;
  to: string;
  at: number;
}

/** Most times inside one closed window `[t, t + w]` (windows starting at each time), and where. */
export function maxInWindow(times: ArrayLike<number>, w: number): { max: number; at: number } {
  const sorted = Float64Array.from(times).sort();
  let best = 0;
  let at = NaN;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j < sorted.length && sorted[j]! <= sorted[i]! + w) j++;
    if (j - i > best) {
      best = j - i;
      at = sorted[i]!;
    }
  }
  return { max: best, at };
}

/**
 * Open and half-open periods from the breaker's transitions: a period starts at a transition
 * into the state and ends at the next transition (or `end`). Periods are cut at every time in
 * `cuts` (e.g. a shared-store outage, when decisions go to a local fallback breaker).
 */
export function statePeriods(
  changes: readonly StateChange[],
  end: number,
  cuts: readonly number[] = [],
): { open: Interval[]; halfOpen: Interval[] } {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  const open: Interval[] = [];
  const halfOpen: Interval[] = [];
  for (const [k, c] of sorted.entries()) {
    if (c.to !== 'open' && c.to !== 'half_open') continue;
    let to = sorted[k + 1]?.at ?? end;
    for (const cut of cuts) if (cut > c.at && cut < to) to = cut;
    (c.to === 'open' ? open : halfOpen).push([c.at, to]);
  }
  return { open, halfOpen };
}

/** Open periods (open → next transition) shorter than `recoveryTimeMs`. */
export function shortOpenPeriods(
  changes: readonly StateChange[],
  recoveryTimeMs: number,
): Array<{ at: number; lasted: number; next: string }> {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  const out: Array<{ at: number; lasted: number; next: string }> = [];
  for (const [k, c] of sorted.entries()) {
    const next = sorted[k + 1];
    if (c.to === 'open' && next !== undefined && next.at - c.at < recoveryTimeMs)
      out.push({ at: c.at, lasted: next.at - c.at, next: next.to });
  }
  return out;
}

function inside(t: number, periods: readonly Interval[]): Interval | undefined {
  for (const p of periods) if (t >= p[0] && t < p[1]) return p;
  return undefined;
}

/**
 * Attempts the client sent (its method started) while the breaker was open: none is allowed.
 * Also counts what the upstream saw arrive inside open periods, split into those sent before
 * the opening (in flight when it opened: allowed) and the rest.
 */
export function callsWhileOpen(log: ArrivalLog, open: readonly Interval[], origin = 0) {
  let dispatchedWhileOpen = 0;
  let arrivedWhileOpen = 0;
  let arrivedInFlightAtOpening = 0;
  const examples: Array<{ logical: number; serial: number; dispatchAt: number; openedAt: number; lateByMs: number }> =
    [];
  for (let i = 0; i < log.count; i++) {
    const sent = inside(log.dispatchAt[i]!, open);
    if (sent !== undefined) {
      dispatchedWhileOpen++;
      if (examples.length < 5)
        examples.push({
          logical: log.logical[i]!,
          serial: log.serial[i]!,
          dispatchAt: log.dispatchAt[i]! - origin,
          openedAt: sent[0] - origin,
          lateByMs: log.dispatchAt[i]! - sent[0],
        });
    }
    const arrived = inside(log.at[i]!, open);
    if (arrived !== undefined) {
      arrivedWhileOpen++;
      if (log.dispatchAt[i]! < arrived[0]) arrivedInFlightAtOpening++;
    }
  }
  return { dispatchedWhileOpen, arrivedWhileOpen, arrivedInFlightAtOpening, examples };
}

/**
 * Most attempts in flight at once among those sent during one half-open period (trials).
 * An attempt is in flight from its arrival until both sides are done with it: the server
 * ended it, or the client settled it (`settleAt[serial]`, when its trial slot is released).
 */
export function maxTrialsInFlight(
  log: ArrivalLog,
  halfOpen: readonly Interval[],
  settleAt: Float64Array,
): { max: number; trials: number } {
  let max = 0;
  let trials = 0;
  for (const p of halfOpen) {
    const edges: Array<[number, number]> = [];
    for (let i = 0; i < log.count; i++) {
      if (!(log.dispatchAt[i]! >= p[0] && log.dispatchAt[i]! < p[1])) continue;
      trials++;
      const serial = log.serial[i]!;
      const settled = serial >= 0 && serial < settleAt.length && settleAt[serial]! > 0 ? settleAt[serial]! : Infinity;
      const serverEnd = log.endAt[i]! > 0 ? log.endAt[i]! : Infinity;
      edges.push([log.at[i]!, 1], [Math.min(settled, serverEnd), -1]);
    }
    // Ends before starts at the same instant.
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    for (const [, d] of edges) max = Math.max(max, (n += d));
  }
  return { max, trials };
}

/** Arrival indices of each logical request, in arrival order. */
function byLogical(log: ArrivalLog): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < log.count; i++) {
    const id = log.logical[i]!;
    const list = m.get(id);
    if (list === undefined) m.set(id, [i]);
    else list.push(i);
  }
  return m;
}

/** What the client made of each attempt, by serial (recorded by the decorated method). */
export const SEEN = { ok: 1, rateLimited: 2, permanent: 3, other: 4 } as const;

/** The client's side of each attempt, indexed by serial. */
export interface ClientView {
  /** When the attempt settled at the client (0: never). */
  settleAt: Float64Array;
  /** {@link SEEN} code of its outcome. */
  seen: Uint8Array;
}

/**
 * Everything that depends on the attempts of one logical request, as the upstream saw them.
 * "The attempt an answer led to" is the first attempt of the same request the client sent
 * after it settled the answered one: an attempt the client gave up on (timed out) can still
 * reach the upstream, and be answered, after a later one was sent.
 */
export function attemptChecks(log: ArrivalLog, maxAttempts: number, client: ClientView) {
  let logical = 0;
  let most = 0;
  const overLimit: Array<{ logical: number; attempts: number }> = [];
  // Retry-After: the attempt a 429 the client read led to must not arrive before the hint allows.
  let hinted = 0;
  let hintedRetried = 0;
  let early = 0;
  const earlyExamples: Array<{ logical: number; fault: string; earlyByMs: number }> = [];
  // A non-idempotent request sent again after the upstream may have processed it.
  let postRequests = 0;
  let doubleBilled = 0;
  const doubleBilledExamples: Array<{ logical: number; after: string }> = [];
  // A non-transient answer (invalid JSON) the client read is never retried.
  let retriedAfterPermanent = 0;
  for (const [id, list] of byLogical(log)) {
    logical++;
    most = Math.max(most, list.length);
    if (list.length > maxAttempts && overLimit.length < 10) overLimit.push({ logical: id, attempts: list.length });
    if (log.post[list[0]!] === 1) postRequests++;
    for (let k = 0; k < list.length; k++) {
      const i = list[k]!;
      const serial = log.serial[i]!;
      const seen = serial >= 0 && serial < client.seen.length ? client.seen[serial]! : 0;
      const settled = seen === 0 ? 0 : client.settleAt[serial]!;
      const caused = settled > 0 ? list.find((j) => log.dispatchAt[j]! >= settled) : undefined;
      const fault = log.fault[i]! as Fault;
      if ((fault === Fault.RetryAfterSeconds || fault === Fault.RetryAfterDate) && seen === SEEN.rateLimited) {
        hinted++;
        if (caused !== undefined) {
          hintedRetried++;
          const earlyBy = log.hintUntil[i]! - log.at[caused]!;
          if (earlyBy > 0 && early++ < 10)
            earlyExamples.push({ logical: id, fault: Fault[fault]!, earlyByMs: earlyBy });
        }
      }
      if (fault === Fault.MalformedJson && seen === SEEN.permanent && caused !== undefined) retriedAfterPermanent++;
      if (k + 1 < list.length && log.post[i] === 1 && MAYBE_PROCESSED.has(fault) && doubleBilled++ < 10)
        doubleBilledExamples.push({ logical: id, after: Fault[fault]! });
    }
  }
  return {
    logical,
    most,
    overLimit,
    hinted,
    hintedRetried,
    earlyRetries: early,
    earlyExamples,
    postRequests,
    doubleBilled,
    doubleBilledExamples,
    retriedAfterPermanent,
  };
}

/** Arrivals per fault kind (by name). */
export function faultCounts(log: ArrivalLog): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < log.count; i++) {
    const name = Fault[log.fault[i]!]!;
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}
