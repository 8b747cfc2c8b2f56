// The chaos suite's own instruments: the fault upstream does what it says and counts on its
// side, and each check catches the violation it is there for (so a green chaos run means something).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import {
  attemptChecks,
  callsWhileOpen,
  maxInWindow,
  maxTrialsInFlight,
  SEEN,
  shortOpenPeriods,
  statePeriods,
  type ClientView,
} from './chaos-checks.js';
import { ArrivalLog, Fault, FAULT_SHARES, faultFor, FaultUpstream } from './fault-upstream.js';

type Row = [
  at: number,
  logical: number,
  fault: Fault,
  dispatchAt?: number,
  post?: number,
  hintUntil?: number,
  endAt?: number,
  seen?: number,
  settleAt?: number,
];

const defaultSeen = (f: Fault) =>
  f === Fault.RetryAfterSeconds || f === Fault.RetryAfterDate
    ? SEEN.rateLimited
    : f === Fault.MalformedJson
      ? SEEN.permanent
      : f === Fault.Ok || f === Fault.SlowBody
        ? SEEN.ok
        : SEEN.other;

/** A log of arrivals and the client's view of them (by default the client read each answer 1 ms after it arrived). */
function logOf(rows: Row[]): ArrivalLog & { client: ClientView } {
  const log = Object.assign(new ArrivalLog(rows.length), {
    client: { settleAt: new Float64Array(rows.length), seen: new Uint8Array(rows.length) },
  });
  for (const [i, [at, logical, fault, dispatchAt, post, hintUntil, endAt, seen, settleAt]] of rows.entries()) {
    log.at[i] = at;
    log.logical[i] = logical;
    log.fault[i] = fault;
    log.serial[i] = i;
    log.dispatchAt[i] = dispatchAt ?? at;
    log.post[i] = post ?? 0;
    log.hintUntil[i] = hintUntil ?? 0;
    log.endAt[i] = endAt ?? at + 5;
    log.client.seen[i] = seen ?? defaultSeen(fault);
    log.client.settleAt[i] = settleAt ?? at + 1;
  }
  log.count = rows.length;
  return log;
}

describe('chaos checks', () => {
  it('maxInWindow counts every closed window [t, t + w] starting at an arrival', () => {
    expect(maxInWindow([0, 10, 20, 1000], 20).max).toBe(3);
    expect(maxInWindow([1000, 0, 20, 10], 999).max).toBe(3);
    expect(maxInWindow([0, 10, 20, 1000], 1000)).toEqual({ max: 4, at: 0 });
  });

  it('a call sent while the breaker is open is caught; one sent before the opening is only in flight', () => {
    const changes = [
      { from: 'closed', to: 'open', at: 100 },
      { from: 'open', to: 'half_open', at: 350 },
      { from: 'half_open', to: 'closed', at: 360 },
    ];
    const { open, halfOpen } = statePeriods(changes, 1000);
    expect(open).toEqual([[100, 350]]);
    expect(halfOpen).toEqual([[350, 360]]);
    const log = logOf([
      [101, 1, Fault.Ok, 99], // sent before the opening, arrived after: in flight
      [200, 2, Fault.Ok, 199], // sent while open: a violation
      [352, 3, Fault.Ok, 351], // a trial
    ]);
    expect(callsWhileOpen(log, open)).toMatchObject({
      dispatchedWhileOpen: 1,
      arrivedWhileOpen: 2,
      arrivedInFlightAtOpening: 1,
      examples: [{ logical: 2 }],
    });
    // An outage of the shared store cuts the open period (decisions go to a local breaker).
    expect(statePeriods(changes, 1000, [150]).open).toEqual([[100, 150]]);
  });

  it('trials in flight at once: from arrival until the server or the client is done', () => {
    const log = logOf([
      [10, 1, Fault.Hang, 10, 0, 0, 500],
      [11, 2, Fault.Hang, 11, 0, 0, 500],
      [12, 3, Fault.Hang, 12, 0, 0, 500],
    ]);
    const settleAt = new Float64Array(3);
    expect(maxTrialsInFlight(log, [[0, 100]], settleAt)).toEqual({ max: 3, trials: 3 });
    settleAt[0] = 11.5; // the client settled the first one before the third arrived
    expect(maxTrialsInFlight(log, [[0, 100]], settleAt)).toEqual({ max: 2, trials: 3 });
  });

  it('open periods shorter than recoveryTimeMs are reported', () => {
    const changes = [
      { from: 'closed', to: 'open', at: 0 },
      { from: 'open', to: 'half_open', at: 5 },
    ];
    expect(shortOpenPeriods(changes, 250)).toEqual([{ at: 0, lasted: 5, next: 'half_open' }]);
    expect(shortOpenPeriods([{ ...changes[0]! }, { ...changes[1]!, at: 250 }], 250)).toEqual([]);
  });

  it('attempt checks: too many attempts, a retry before its hint, a POST sent twice, a permanent error retried', () => {
    const log = logOf([
      [0, 1, Fault.S500],
      [10, 1, Fault.S500],
      [20, 1, Fault.S500],
      [30, 1, Fault.Ok],
      [0, 2, Fault.RetryAfterSeconds, 0, 0, 1000],
      [999, 2, Fault.Ok],
      [0, 3, Fault.RetryAfterDate, 0, 0, 2000],
      [2000, 3, Fault.Ok],
      [0, 4, Fault.Hang, 0, 1],
      [200, 4, Fault.Ok, 200, 1],
      [0, 5, Fault.S503, 0, 1],
      [10, 5, Fault.Ok, 10, 1],
      [0, 6, Fault.MalformedJson],
      [10, 6, Fault.MalformedJson],
      // Sent before the client read the 429 (an earlier attempt, late): not the retry it led to.
      [0, 7, Fault.RetryAfterSeconds],
      [300, 7, Fault.Ok, 0.5],
      [1000, 7, Fault.Ok, 999],
      // The client timed out before it read the invalid JSON: its retry is legitimate.
      [0, 8, Fault.MalformedJson, 0, 0, 0, 5, SEEN.other, 150],
      [160, 8, Fault.Ok, 155],
    ]);
    log.hintUntil[14] = 1000;
    const c = attemptChecks(log, 3, log.client);
    expect(c).toMatchObject({
      logical: 8,
      most: 4,
      overLimit: [{ logical: 1, attempts: 4 }],
      hinted: 3,
      hintedRetried: 3,
      earlyRetries: 1,
      postRequests: 2,
      doubleBilled: 1,
      retriedAfterPermanent: 1,
    });
    expect(c.earlyExamples).toEqual([{ logical: 2, fault: 'RetryAfterSeconds', earlyByMs: 1 }]);
    expect(c.doubleBilledExamples).toEqual([{ logical: 4, after: 'Hang' }]); // a 503 is safe to retry
  });
});

describe('fault upstream', () => {
  const KEY = 'canary-test-key';
  let up: FaultUpstream;
  beforeAll(async () => {
    up = new FaultUpstream({
      seed: 7,
      outages: [],
      retryAfterSeconds: 1,
      capacity: 100,
      requests: 100_000,
      echoHeader: 'x-api-key',
    });
    await up.listen();
    up.startRun();
  });
  afterAll(async () => {
    await up.close();
  });

  it('draws each fault with its share, the same for the same seed, request and attempt', () => {
    expect(faultFor(7, 42, 1)).toBe(faultFor(7, 42, 1));
    const seen = new Map<Fault, number>();
    const n = 100_000;
    for (let id = 0; id < n; id++) seen.set(faultFor(7, id, 0), (seen.get(faultFor(7, id, 0)) ?? 0) + 1);
    for (const [fault, share] of FAULT_SHARES)
      expect(Math.abs(seen.get(fault)! / n - share)).toBeLessThan(share * 0.15);
    expect(Math.abs(seen.get(Fault.Ok)! / n - 0.7)).toBeLessThan(0.02);
  });

  /** First id (from 0) whose first attempt gets `fault`. */
  const idFor = (fault: Fault) => {
    for (let id = 0; id < 100_000; id++) if (faultFor(7, id, 0) === fault) return id;
    throw new Error(`no id for ${Fault[fault]}`);
  };
  const get = (id: number) =>
    new Promise<{ status?: number; headers?: http.IncomingHttpHeaders; body?: string; error?: string }>((resolve) => {
      const req = http.get(
        `${up.baseUrl}/r/${id}`,
        { headers: { 'x-api-key': KEY, 'x-chaos-serial': '5', 'x-chaos-dispatch': '123.5' }, agent: false },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
          res.on('error', (e) =>
            resolve({ status: res.statusCode, error: (e as NodeJS.ErrnoException).code ?? e.message }),
          );
          res.on('aborted', () => resolve({ status: res.statusCode, error: 'aborted' }));
        },
      );
      req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
      req.setTimeout(300, () => {
        req.destroy();
        resolve({ error: 'client timeout' });
      });
    });

  it('answers each fault as documented and counts every arrival on its own side', async () => {
    expect(await get(idFor(Fault.Ok))).toMatchObject({ status: 200, body: expect.stringContaining('"ok":true') });
    expect(await get(idFor(Fault.Reset))).toMatchObject({ error: 'ECONNRESET' });
    expect(await get(idFor(Fault.Hang))).toEqual({ error: 'client timeout' });
    expect(await get(idFor(Fault.SlowBody))).toMatchObject({ status: 200, body: expect.stringContaining('"ok":true') });
    expect(await get(idFor(Fault.Stall))).toEqual({ error: 'client timeout' });
    expect((await get(idFor(Fault.ResetMidBody))).error).toBeDefined();
    expect(await get(idFor(Fault.RetryAfterSeconds))).toMatchObject({ status: 429, headers: { 'retry-after': '1' } });
    const dated = await get(idFor(Fault.RetryAfterDate));
    expect(dated.status).toBe(429);
    // A whole second 1.5–2.5 s after the upstream's own arrival time of this request (no clock
    // read here: a busy machine between the answer and this line cannot change the result).
    const last = up.log.count - 1;
    const date = Date.parse(String(dated.headers!['retry-after']));
    expect(date % 1000).toBe(0);
    expect(up.log.hintUntil[last]).toBe(date);
    expect(date - up.log.at[last]!).toBeGreaterThanOrEqual(1500);
    expect(date - up.log.at[last]!).toBeLessThan(2600); // 2.5 s, plus the upstream's own synchronous run
    for (const [fault, status] of [
      [Fault.S500, 500],
      [Fault.S502, 502],
      [Fault.S503, 503],
      [Fault.S529, 529],
    ] as const) {
      // A hostile upstream: the error body echoes the key it received.
      expect(await get(idFor(fault))).toMatchObject({ status, body: expect.stringContaining(KEY) });
    }
    expect(await get(idFor(Fault.MalformedJson))).toMatchObject({ status: 200, body: '{"id":' });
    const log = up.log;
    const kinds = [
      'Ok',
      'Reset',
      'Hang',
      'SlowBody',
      'Stall',
      'ResetMidBody',
      'RetryAfterSeconds',
      'RetryAfterDate',
      'S500',
      'S502',
      'S503',
      'S529',
      'MalformedJson',
    ];
    expect(log.count).toBe(kinds.length);
    expect(Array.from(log.fault.subarray(0, log.count), (f) => Fault[f])).toEqual(kinds);
    expect(log.serial[0]).toBe(5);
    expect(log.dispatchAt[0]).toBe(123.5);
    expect(log.hintUntil[6]! - log.at[6]!).toBeGreaterThanOrEqual(1000);
    expect(up.inFlight).toBe(0);
  });
});
