/**
 * What a network error code means: `connection` (no usable connection, or it broke) or
 * `timeout` (a deadline of the socket or of the transport expired); `notSent` when the code
 * can only arise before a connection exists, so the request provably never left.
 * @publicApi
 */
export interface NetworkCodeInfo {
  readonly kind: 'connection' | 'timeout';
  readonly notSent: boolean;
}

const connection = (notSent: boolean): NetworkCodeInfo => ({ kind: 'connection', notSent });
const timeout = (notSent: boolean): NetworkCodeInfo => ({ kind: 'timeout', notSent });

/**
 * The one table of Node, undici and axios error codes the library knows. Every code in it is
 * transient (the default retry predicate retries it); the HTTP layer maps `connection` codes to
 * `UpstreamConnectionError` and `timeout` codes to `UpstreamTimeoutError`, and uses `notSent`
 * to decide whether a non-idempotent request may be retried.
 * @publicApi
 */
export const NETWORK_ERROR_CODES: Readonly<Record<string, NetworkCodeInfo>> = Object.freeze({
  // Node (libuv / dns / streams)
  ECONNREFUSED: connection(true),
  ENOTFOUND: connection(true),
  EAI_AGAIN: connection(true),
  ENETUNREACH: connection(true),
  EHOSTUNREACH: connection(true),
  ENETDOWN: connection(true),
  EADDRNOTAVAIL: connection(true),
  ECONNRESET: connection(false),
  EPIPE: connection(false),
  ERR_STREAM_PREMATURE_CLOSE: connection(false),
  ETIMEDOUT: timeout(false),
  ESOCKETTIMEDOUT: timeout(false),
  // undici (Node's fetch)
  UND_ERR_SOCKET: connection(false),
  UND_ERR_CLOSED: connection(false),
  UND_ERR_CONNECT_TIMEOUT: timeout(true),
  UND_ERR_HEADERS_TIMEOUT: timeout(false),
  UND_ERR_BODY_TIMEOUT: timeout(false),
  // axios
  ERR_NETWORK: connection(false),
  ECONNABORTED: timeout(false),
});

const codesWhere = (test: (info: NetworkCodeInfo) => boolean): ReadonlySet<string> =>
  new Set(Object.keys(NETWORK_ERROR_CODES).filter((code) => test(NETWORK_ERROR_CODES[code]!)));

/** Every code of {@link NETWORK_ERROR_CODES}: all transient. @publicApi */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = codesWhere(() => true);
/** The `connection` codes of {@link NETWORK_ERROR_CODES}. @publicApi */
export const CONNECTION_ERROR_CODES: ReadonlySet<string> = codesWhere((i) => i.kind === 'connection');
/** The `timeout` codes of {@link NETWORK_ERROR_CODES}. @publicApi */
export const TIMEOUT_ERROR_CODES: ReadonlySet<string> = codesWhere((i) => i.kind === 'timeout');
/** The codes that prove the request was not sent (`notSent`). @publicApi */
export const NOT_SENT_ERROR_CODES: ReadonlySet<string> = codesWhere((i) => i.notSent);

interface Coded {
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

const codeField = (x: unknown): string | undefined =>
  x !== null && typeof x === 'object' && typeof (x as Coded).code === 'string'
    ? ((x as Coded).code as string)
    : undefined;

/**
 * The string `code` of an error, else of its `cause` (undici's `TypeError('fetch failed')`),
 * else of the first member of its `errors` (an `AggregateError` from Node's happy eyeballs).
 * @publicApi
 */
export function errorCodeOf(error: unknown): string | undefined {
  const own = codeField(error);
  if (own !== undefined || error === null || typeof error !== 'object') return own;
  const fromCause = codeField((error as Coded).cause);
  if (fromCause !== undefined) return fromCause;
  const errors = (error as Coded).errors;
  if (Array.isArray(errors)) {
    for (const member of errors) {
      const code = codeField(member);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

/**
 * True when the error, its `cause` or a member of its `errors` carries a code of
 * {@link TRANSIENT_NETWORK_CODES}.
 * @publicApi
 */
export function hasTransientNetworkCode(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as Coded;
  const own = codeField(e);
  if (own !== undefined && TRANSIENT_NETWORK_CODES.has(own)) return true;
  const cause = codeField(e.cause);
  if (cause !== undefined && TRANSIENT_NETWORK_CODES.has(cause)) return true;
  if (Array.isArray(e.errors))
    for (const m of e.errors) if (TRANSIENT_NETWORK_CODES.has(codeField(m) ?? '')) return true;
  return false;
}
