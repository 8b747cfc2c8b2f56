import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkChaosValue,
  type ChaosSettings,
  type FlakyUpstreamOptions,
  type UpstreamRandom,
  type UpstreamStats,
} from './flaky-upstream.options.js';
import { UpstreamQuota } from './upstream-quota.js';

// Re-exported: the sample and its tests import the simulator's names from this file.
export * from './flaky-upstream.options.js';
export { formatDuration } from './upstream-quota.js';

/** One quote as the provider returns it. */
export interface UpstreamQuote {
  symbol: string;
  price: number;
  currency: string;
  /** Sequence number of the answer (a stand-in for a timestamp that keeps tests exact). */
  seq: number;
}

/** Symbols the simulated provider knows, with their base prices. */
export const KNOWN_SYMBOLS: Readonly<Record<string, number>> = Object.freeze({
  ACME: 123.45,
  GLOBEX: 87.1,
  INITECH: 12.34,
  HOOLI: 1024,
  UMBRELLA: 66.6,
});

const SYMBOL_PATH = /^\/quotes\/([^/?#]+)$/;

/**
 * An in-process quotes provider on 127.0.0.1 (ephemeral port) that misbehaves on demand.
 *
 * `GET /quotes/:symbol` answers, for each request, by drawing `r = random()`:
 * `r < failureRate` → 503; `r < failureRate + rateLimitShare` → 429 with `Retry-After`;
 * otherwise 200 with the quote (404 for an unknown symbol). With `apiKey`, a request without
 * that `x-api-key` gets 401 first. A real quota of `quotaLimit`
 * requests per `quotaWindowMs` also answers 429 once spent. Every answer carries
 * `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests` and
 * `x-ratelimit-reset-requests` (e.g. `'1s'`, `'250ms'`).
 */
export class FlakyUpstream {
  private readonly settings: ChaosSettings;
  private readonly random: UpstreamRandom;
  private readonly retryAfterSeconds: number;
  private readonly quota: UpstreamQuota;
  private readonly apiKey: string | undefined;
  private server: Server | undefined;
  private readonly counters: UpstreamStats = {
    requests: 0,
    ok: 0,
    notFound: 0,
    unavailable: 0,
    rateLimited: 0,
    unauthorized: 0,
  };

  constructor(options: FlakyUpstreamOptions = {}) {
    this.settings = {
      failureRate: checkChaosValue('failureRate', options.failureRate ?? 0),
      latencyMs: checkChaosValue('latencyMs', options.latencyMs ?? 0),
      rateLimitShare: checkChaosValue('rateLimitShare', options.rateLimitShare ?? 0),
    };
    this.random = options.random ?? Math.random;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.quota = new UpstreamQuota(options.quotaLimit ?? 100, options.quotaWindowMs ?? 1000, options.now ?? Date.now);
    this.apiKey = options.apiKey;
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`; throws before `start()`. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FlakyUpstream is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** A copy of the current chaos settings. */
  get chaos(): ChaosSettings {
    return { ...this.settings };
  }

  /** A copy of the answer counters. */
  get stats(): UpstreamStats {
    return { ...this.counters };
  }

  /** Changes some chaos settings (validated first: nothing changes when one is bad). */
  configure(patch: Partial<ChaosSettings>): ChaosSettings {
    const next = { ...this.settings };
    for (const key of ['failureRate', 'latencyMs', 'rateLimitShare'] as const) {
      if (patch[key] !== undefined) next[key] = checkChaosValue(key, patch[key]);
    }
    Object.assign(this.settings, next);
    return this.chaos;
  }

  /** Starts listening on 127.0.0.1 on a free port. Idempotent. */
  async start(port = 0): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return this;
  }

  /** Stops listening and drops open (keep-alive) connections. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const match = req.method === 'GET' ? SYMBOL_PATH.exec(req.url ?? '') : null;
    if (!match) {
      send(res, 404, { error: 'not_found', message: `No route ${req.method} ${req.url}` });
      return;
    }
    this.counters.requests++;
    const seq = this.counters.requests;
    const presented = req.headers['x-api-key'];
    if (this.apiKey !== undefined && presented !== this.apiKey) {
      this.counters.unauthorized++;
      send(res, 401, { error: 'invalid_api_key', message: `Invalid API key: ${String(presented ?? '(none)')}` });
      return;
    }
    // Decide now (so the random draws follow request order), answer after the latency.
    const answer = this.decide(decodeURIComponent(match[1]!).toUpperCase(), seq);
    if (this.settings.latencyMs > 0) {
      const timer = setTimeout(() => answer(res), this.settings.latencyMs);
      res.once('close', () => clearTimeout(timer));
    } else {
      answer(res);
    }
  }

  private decide(symbol: string, seq: number): (res: ServerResponse) => void {
    const { headers, resetMs, exceeded } = this.quota.count();
    const { failureRate, rateLimitShare } = this.settings;
    const r = this.random();
    if (r < failureRate) {
      this.counters.unavailable++;
      return (res) => send(res, 503, { error: 'unavailable', message: 'Quotes backend is overloaded' }, headers);
    }
    if (r < failureRate + rateLimitShare || exceeded) {
      this.counters.rateLimited++;
      const retryAfter = exceeded ? Math.max(1, Math.ceil(resetMs / 1000)) : this.retryAfterSeconds;
      return (res) =>
        send(
          res,
          429,
          { error: 'rate_limited', message: 'Too many requests' },
          { ...headers, 'retry-after': String(retryAfter) },
        );
    }
    const base = KNOWN_SYMBOLS[symbol];
    if (base === undefined) {
      this.counters.notFound++;
      return (res) => send(res, 404, { error: 'unknown_symbol', message: `Unknown symbol ${symbol}` }, headers);
    }
    this.counters.ok++;
    // A deterministic wiggle, so prices move without using the failure random source.
    const price = Math.round(base * (1 + ((seq % 7) - 3) / 1000) * 100) / 100;
    const quote: UpstreamQuote = { symbol, price, currency: 'USD', seq };
    return (res) => send(res, 200, quote, headers);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
