// A seeded fault-injecting upstream for the chaos suite: a real node:http server on 127.0.0.1
// (ephemeral port) that decides a fault per attempt from a seeded PRNG and counts on its own
// side: every arrival with its time, the attempts of each logical request, what is in flight.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock } from 'nest-resilience';
import { ArrivalLog, Fault, faultFor } from './faults.js';

export * from './faults.js';

export interface FaultUpstreamOptions {
  seed: number;
  /** Outage windows in ms from {@link FaultUpstream.startRun}: `[from, to, kind]`. */
  outages: ReadonlyArray<readonly [number, number, Fault.Outage503 | Fault.OutageReset]>;
  /** `Retry-After` seconds of {@link Fault.RetryAfterSeconds}. */
  retryAfterSeconds: number;
  /** Arrivals recorded at most (typed arrays, allocated once). */
  capacity: number;
  /** Logical request ids are `0 … requests − 1`. */
  requests: number;
  /** Echoed in 5xx bodies (a hostile upstream repeating the key it received). */
  echoHeader: string;
  /** The key the client should send in `echoHeader`: arrivals carrying it are counted. */
  expectedKey?: string;
}

const now = () => systemClock.now();
const JSON_TYPE = { 'content-type': 'application/json' };

export class FaultUpstream {
  readonly log: ArrivalLog;
  /** Attempts seen per logical request (server side), indexed by id. */
  readonly attempts: Uint16Array;
  inFlight = 0;
  maxInFlight = 0;
  /** Arrivals that were not logical requests (warm-up, other paths). */
  other = 0;
  /** Recorded arrivals that carried `expectedKey`. */
  withKey = 0;
  /** Error bodies that echoed a non-empty key back. */
  echoed = 0;
  baseUrl = '';
  private runStart = Infinity;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: FaultUpstreamOptions) {
    this.log = new ArrivalLog(options.capacity);
    this.attempts = new Uint16Array(options.requests);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 10_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Outage windows are counted from here. */
  startRun(): void {
    this.runStart = now();
  }

  /** Absolute outage windows of this run. */
  outageWindows(): Array<[number, number]> {
    return this.options.outages.map(([from, to]) => [this.runStart + from, this.runStart + to]);
  }

  /** Destroys every connection (the server keeps listening): the client's socket pool empties too. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const arrivedAt = now();
    const m = /^\/r\/(\d+)$/.exec(req.url ?? '');
    if (m === null) {
      this.other++;
      req.resume();
      return void res.writeHead(200, JSON_TYPE).end('{"other":true}');
    }
    if (Number(m[1]) >= this.options.requests) {
      // Warm-up: the same fault mix (so every code path is compiled before the heap baseline), not recorded.
      this.other++;
      req.resume();
      return this.answer(faultFor(this.options.seed, Number(m[1]), this.other), -1, req, res, () => undefined);
    }
    const id = Number(m[1]);
    const attempt = this.attempts[id]!;
    this.attempts[id] = attempt + 1;
    const log = this.log;
    if (log.count >= log.capacity) {
      log.overflow++;
      return void req.socket.destroy();
    }
    const i = log.count++;
    log.at[i] = arrivedAt;
    log.logical[i] = id;
    log.serial[i] = Number(req.headers['x-chaos-serial'] ?? -1);
    log.dispatchAt[i] = Number(req.headers['x-chaos-dispatch'] ?? NaN);
    log.post[i] = req.method === 'POST' ? 1 : 0;
    if (this.options.expectedKey !== undefined && req.headers[this.options.echoHeader] === this.options.expectedKey)
      this.withKey++;
    const fault = this.outageAt(arrivedAt) ?? faultFor(this.options.seed, id, attempt);
    log.fault[i] = fault;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      if (timer !== undefined) clearTimeout(timer);
      log.endAt[i] = now();
      this.inFlight--;
    };
    res.on('finish', end);
    res.on('close', end);
    req.resume(); // the body is read (and ignored) so the socket stays usable
    this.answer(fault, i, req, res, (t) => (timer = t));
  }

  private outageAt(t: number): Fault | undefined {
    for (const [from, to, kind] of this.options.outages) {
      if (t >= this.runStart + from && t < this.runStart + to) return kind;
    }
    return undefined;
  }

  private answer(
    fault: Fault,
    i: number,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    keep: (t: NodeJS.Timeout) => void,
  ): void {
    const id = i < 0 ? -1 : this.log.logical[i]!;
    const hint = (until: number) => void (i >= 0 && (this.log.hintUntil[i] = until));
    const ok = () => JSON.stringify({ id, ok: true });
    const failure = (status: number) => {
      // A hostile upstream echoing the credential it received.
      const echoed = String(req.headers[this.options.echoHeader] ?? '');
      if (echoed !== '' && i >= 0) this.echoed++;
      res
        .writeHead(status, { ...JSON_TYPE, 'x-request-id': `req_${id}` })
        .end(JSON.stringify({ error: { message: `failure ${status} for key ${echoed}`, type: 'chaos' } }));
    };
    switch (fault) {
      case Fault.Ok:
        return void res.writeHead(200, JSON_TYPE).end(ok());
      case Fault.Reset:
      case Fault.OutageReset:
        return void req.socket.destroy();
      case Fault.Hang:
        return;
      case Fault.SlowBody: {
        const body = ok();
        res.writeHead(200, { ...JSON_TYPE, 'content-length': String(Buffer.byteLength(body)) });
        let part = 0;
        const step = () => {
          const size = Math.ceil(body.length / 4);
          res.write(body.slice(part * size, (part + 1) * size));
          if (++part < 4) keep(setTimeout(step, 15));
          else res.end();
        };
        return step();
      }
      case Fault.Stall:
        res.writeHead(200, { ...JSON_TYPE, 'content-length': '1000' });
        return void res.write('{"partial":');
      case Fault.ResetMidBody:
        res.writeHead(200, { ...JSON_TYPE, 'content-length': '1000' });
        res.write('{"partial":');
        return keep(setTimeout(() => req.socket.destroy(), 5));
      case Fault.RetryAfterSeconds: {
        const s = this.options.retryAfterSeconds;
        hint(now() + s * 1000);
        return void res
          .writeHead(429, { ...JSON_TYPE, 'retry-after': String(s) })
          .end('{"error":{"message":"slow down","type":"rate_limit"}}');
      }
      case Fault.RetryAfterDate: {
        // A whole second 1.5–2.5 s ahead, on the same clock the client reads the date with.
        const date = Math.ceil((now() + 1500) / 1000) * 1000;
        hint(date);
        return void res
          .writeHead(429, { ...JSON_TYPE, 'retry-after': new Date(date).toUTCString() })
          .end('{"error":{"message":"slow down","type":"rate_limit"}}');
      }
      case Fault.S500:
        return failure(500);
      case Fault.S502:
        return failure(502);
      case Fault.S503:
      case Fault.Outage503:
        return failure(503);
      case Fault.S529:
        return failure(529);
      case Fault.MalformedJson:
        return void res.writeHead(200, JSON_TYPE).end('{"id":');
    }
  }
}
