import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** Methods RFC 9110 defines as idempotent: sending one twice has the effect of sending it once. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * Whether a request may be retried after a failure that may have reached the server: an
 * explicit `idempotent` wins, then the client's, then the method, then the idempotency-key
 * header (`keyHeader`, lower-cased) among `headers`.
 * @internal
 */
export function isRetrySafe(
  method: string,
  headers: Readonly<Record<string, string>>,
  explicit: boolean | undefined,
  client: boolean,
  keyHeader: string,
): boolean {
  if (explicit !== undefined) return explicit;
  if (client || IDEMPOTENT_METHODS.has(method)) return true;
  for (const k in headers)
    if (k.length === keyHeader.length && k.toLowerCase() === keyHeader && headers[k] !== undefined) return true;
  return false;
}

/**
 * What is known of a request's way to the server. `requested` false means the transport
 * below was not used (a custom axios adapter): nothing is known.
 * @internal
 */
export interface SendState {
  requested: boolean;
  /** A connected socket carried the request: some of it may have reached the server. */
  sent: boolean;
}

/** An axios `transport` (its http adapter calls `transport.request(options, callback)`). @internal */
export interface TrackingTransport {
  request(options: http.RequestOptions, callback: (res: http.IncomingMessage) => void): http.ClientRequest;
}

/**
 * An axios `transport` that records whether the request got onto a connected socket (so that
 * "not sent" is provable). It also keeps axios' wall-clock timeout until the response headers
 * arrive (axios arms it only for its built-in transport; this one replaces that timer, it does
 * not add one). Used only for requests that are not retry-safe.
 * @internal
 */
export function trackingTransport(state: SendState, timeoutMs: number): TrackingTransport {
  return {
    request(options, callback) {
      state.requested = true;
      const req = (options.protocol === 'https:' ? https : http).request(options, (res) => {
        clearTimeout(timer);
        callback(res);
      });
      const timer = setTimeout(() => {
        const err = new Error(`timeout of ${timeoutMs}ms exceeded`) as Error & { code: string };
        err.code = 'ECONNABORTED';
        req.destroy(err);
      }, timeoutMs);
      req.once('close', () => clearTimeout(timer));
      req.once('socket', (socket: Socket) => {
        if (!socket.connecting) {
          state.sent = true; // a kept-alive socket: the request is written at once
          return;
        }
        socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
          state.sent = true;
        });
      });
      return req;
    },
  };
}
