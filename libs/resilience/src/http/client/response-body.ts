import { ApiClientError } from '../errors/api-client.error.js';
import { redactUrl, type NormalizedHeaders } from '../headers/headers.js';

const JSON_TYPE = /[/+]json\b/i;
const NO_BODY = new Set([204, 205, 304]);

/** What {@link parseBody} needs of the request. @internal */
export interface BodyContext {
  readonly method: string;
  readonly url: string;
  readonly secrets: readonly string[];
}

/**
 * The parsed body of a 2xx response: JSON for a JSON content type, text otherwise,
 * `undefined` when empty, for 204/205/304 and for HEAD. Invalid JSON throws a (non-transient)
 * `ApiClientError`.
 * @internal
 */
export function parseBody(
  status: number,
  headers: NormalizedHeaders,
  raw: Buffer | undefined,
  req: BodyContext,
): unknown {
  if (NO_BODY.has(status) || raw === undefined || raw === null || raw.length === 0 || req.method === 'HEAD')
    return undefined;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  const type = headers['content-type'];
  if (type !== undefined && JSON_TYPE.test(type)) {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new ApiClientError(
        `${req.method} ${redactUrl(req.url, req.secrets)}: response declared ${type} but its body is not valid JSON`,
        {
          method: req.method,
          url: req.url,
          status,
          headers,
          body: text,
          secrets: req.secrets,
          cause: error,
        },
      );
    }
  }
  return text;
}
