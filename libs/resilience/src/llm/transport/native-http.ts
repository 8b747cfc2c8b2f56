import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { headersFromNode, type NormalizedHeaders } from '../../http/headers/headers.js';
import { perUrl } from './redaction.js';

/** A buffered answer of one native exchange. @internal */
export interface NativeReply {
  readonly status: number;
  /** As Node parsed them (`res.headers`): lower-cased names, repeated values joined with `, `. */
  readonly headers: NormalizedHeaders;
  /** The body decoded as UTF-8 (after `content-encoding`, when the server sent one). */
  readonly body: string;
}

/** The attempt a native exchange belongs to: it destroys `request` to abort it. @internal */
export interface NativeHold {
  /** The request in flight (set by {@link NativeHttp.send}). */
  request: ClientRequest | undefined;
  /** Set once the attempt was aborted (cancel or timeout): the exchange does not start. */
  readonly abortedBy: unknown;
}

/** Free sockets older than this are closed (undici's default keep-alive timeout; a server's `Keep-Alive: timeout=` hint wins when shorter). */
const IDLE_SOCKET_MS = 4_000;
const USER_AGENT = 'nest-resilience';

interface Target {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: string;
  readonly path: string;
}

function parse(url: string): Target {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`unsupported protocol ${u.protocol} (http: or https:)`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { secure: u.protocol === 'https:', hostname: host, port: u.port, path: u.pathname + u.search };
}

/** The body of `res` as text, through a decompressor when the server compressed it. */
function bodyStream(res: IncomingMessage, headers: NormalizedHeaders): NodeJS.ReadableStream {
  const enc = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return res;
  const z =
    enc === 'gzip' || enc === 'x-gzip'
      ? createGunzip()
      : enc === 'deflate'
        ? createInflate()
        : enc === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (z === undefined) return res; // an encoding we do not know: the bytes as sent
  res.on('error', (e) => z.destroy(e));
  return res.pipe(z);
}

/**
 * The transport's HTTP client for non-streaming calls: `node:http` / `node:https` with one
 * keep-alive agent per protocol (idle sockets unref'd, closed after 4 s or the server's
 * `Keep-Alive` hint), the request body written once with its `Content-Length`, the answer read
 * to the last byte. Redirects are not followed (a 3xx is the provider's error for that status).
 * A fraction of the CPU of a `fetch` per exchange on Node 20 (bench section 9).
 * @internal
 */
export class NativeHttp {
  #http: http.Agent | undefined = undefined;
  #https: https.Agent | undefined = undefined;
  readonly #target = perUrl(parse);

  /** One exchange; rejects with Node's error (mapped by the attempt), or what `hold` was aborted by. */
  send(
    url: string,
    method: string,
    headers: Readonly<Record<string, string>> | undefined,
    body: string | undefined,
    hold: NativeHold,
  ): Promise<NativeReply> {
    return new Promise<NativeReply>((resolve, reject) => {
      if (hold.abortedBy !== undefined) return reject(hold.abortedBy);
      let t: Target;
      try {
        t = this.#target(url);
      } catch (error) {
        return reject(error);
      }
      const options = {
        method,
        hostname: t.hostname,
        port: t.port,
        path: t.path,
        headers: headers as http.OutgoingHttpHeaders | undefined,
        // Repeated answer headers joined with `, ` (as a fetch `Headers` does), none dropped.
        joinDuplicateHeaders: true,
        agent: t.secure
          ? (this.#https ??= new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }))
          : (this.#http ??= new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS })),
      };
      const req = t.secure ? https.request(options) : http.request(options);
      hold.request = req;
      if (!req.hasHeader('user-agent')) req.setHeader('user-agent', USER_AGENT);
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        const headers = headersFromNode(res.headers);
        const src = bodyStream(res, headers);
        src.setEncoding('utf8');
        src.on('data', (chunk: string) => (text += chunk));
        src.on('end', () => resolve({ status: res.statusCode ?? 0, headers, body: text }));
        // A connection lost before the last byte: Node destroys `res` with an `aborted` error
        // (ECONNRESET), seen here, or through the decompressor it is piped to.
        src.on('error', reject);
      });
      if (body === undefined) req.end();
      else {
        req.setHeader('content-length', Buffer.byteLength(body));
        req.end(body);
      }
    });
  }

  /** Closes every socket (idle or not) of this client; a later `send` opens new ones. */
  close(): void {
    this.#http?.destroy();
    this.#https?.destroy();
    this.#http = this.#https = undefined;
  }
}
