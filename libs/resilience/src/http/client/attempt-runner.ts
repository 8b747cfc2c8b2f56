import http from 'node:http';
import https from 'node:https';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { Clock } from '../../core/clock.js';
import type { AdaptiveRateLimiter } from '../limiters/adaptive-rate-limiter.js';
import type { ApiClientLogger, ApiRequest, ApiResponse, AxiosLike } from './api-client.options.js';
import { errorFromResponse } from '../errors/error-from-response.js';
import { errorFromTransport } from '../errors/error-from-transport.js';
import { ClientClosedError } from '../errors/transport.error.js';
import { normalizeHeaders, redactUrl } from '../headers/headers.js';
import { trackingTransport, type SendState } from './idempotency.js';
import { parseBody } from './response-body.js';

/** Request settings of every attempt, shared (never copied per call). */
const ALL_STATUSES = (): boolean => true;
const AS_IS = [(d: unknown): unknown => d];

/** A request ready to send: what every attempt of it sends. @internal */
export interface Prepared extends ApiRequest {
  headers: Record<string, string>;
  body: unknown;
  timeout: number;
  signal: AbortSignal | undefined;
  secrets: readonly string[];
  /** Idempotent, or carries an idempotency key: retried on any transient failure. */
  retrySafe: boolean;
}

/** What an {@link AttemptRunner} sends through. @internal */
export interface AttemptDeps {
  name: string;
  axios: AxiosLike;
  adaptive: AdaptiveRateLimiter | undefined;
  logger: ApiClientLogger | undefined;
  clock: Clock;
  keepAlive: boolean;
  maxSockets: number;
}

/**
 * Sends one attempt of a prepared request (the function the client's pipeline runs) on the
 * client's keep-alive agents, and maps its outcome: a 2xx response, or the typed error of a
 * status or a transport failure. A request that is not retry-safe is sent through a
 * {@link trackingTransport}, so that its errors tell whether it may have been processed.
 * @internal
 */
export class AttemptRunner {
  closed = false;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(private readonly deps: AttemptDeps) {
    this.httpAgent = new http.Agent({ keepAlive: deps.keepAlive, maxSockets: deps.maxSockets });
    this.httpsAgent = new https.Agent({ keepAlive: deps.keepAlive, maxSockets: deps.maxSockets });
  }

  /** Destroys the sockets; later attempts fail with `ClientClosedError`. */
  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** One attempt (the function the pipeline runs). */
  async run(req: Prepared): Promise<ApiResponse> {
    if (this.closed)
      throw new ClientClosedError({ method: req.method, url: req.url, client: this.deps.name, secrets: req.secrets });
    const adaptive = this.deps.adaptive;
    let sentAt = 0;
    if (adaptive !== undefined) {
      await adaptive.acquire(req.signal === undefined ? undefined : { signal: req.signal });
      if (this.closed)
        throw new ClientClosedError({ method: req.method, url: req.url, client: this.deps.name, secrets: req.secrets });
      sentAt = adaptive.clock.now();
    }
    // A request that is not retry-safe learns whether it got onto a connected socket.
    const sendState: SendState | undefined = req.retrySafe ? undefined : { requested: false, sent: false };
    const logger = this.deps.logger;
    const started = logger !== undefined ? this.deps.clock.now() : 0;
    let res: AxiosResponse<Buffer>;
    try {
      const config: AxiosRequestConfig = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        data: req.body,
        timeout: req.timeout,
        signal: req.signal,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
        proxy: false,
        maxRedirects: 0,
        responseType: 'arraybuffer',
        decompress: true,
        validateStatus: ALL_STATUSES,
        transformRequest: AS_IS,
        transformResponse: AS_IS,
      };
      if (sendState !== undefined) config.transport = trackingTransport(sendState, req.timeout);
      res = (await this.deps.axios.request(config)) as AxiosResponse<Buffer>;
    } catch (error) {
      if (req.signal?.aborted) {
        if (logger !== undefined) this.log(req, 'aborted', started);
        throw req.signal.reason;
      }
      const mapped = this.closed
        ? new ClientClosedError({ method: req.method, url: req.url, client: this.deps.name, secrets: req.secrets })
        : errorFromTransport(error, {
            method: req.method,
            url: req.url,
            timeoutMs: req.timeout,
            secrets: req.secrets,
            now: this.deps.clock.now(),
            ...(sendState !== undefined
              ? { idempotent: false, ...(sendState.requested ? { sent: sendState.sent } : {}) }
              : {}),
          });
      if (logger !== undefined)
        this.log(req, `failed: ${mapped.name}${mapped.code !== undefined ? ` ${mapped.code}` : ''}`, started);
      throw mapped;
    }
    const status = res.status;
    const headers = normalizeHeaders(res.headers as Record<string, unknown>);
    const raw = res.data;
    if (adaptive !== undefined) adaptive.updateFromHeaders(headers, status, sentAt);
    if (logger !== undefined) this.log(req, String(status), started);
    if (status < 200 || status >= 300) {
      // `now` from the client's clock: a Retry-After HTTP date is read against the same time the retry waits on.
      throw errorFromResponse({
        status,
        headers,
        body: raw,
        method: req.method,
        url: req.url,
        secrets: req.secrets,
        now: this.deps.clock.now(),
        idempotent: req.retrySafe,
      });
    }
    return { status, headers, data: parseBody(status, headers, raw, req) };
  }

  private log(req: Prepared, outcome: string, started: number): void {
    try {
      this.deps.logger!.debug(
        `${this.deps.name} ${req.method} ${redactUrl(req.url, req.secrets)} → ${outcome} in ${Math.round(this.deps.clock.now() - started)} ms`,
      );
    } catch {
      // A failing logger must not change the outcome of the request.
    }
  }
}
