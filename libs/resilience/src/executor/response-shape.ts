import { isApiClientError } from '../http/errors/api-client.error.js';
import type { NetworkRequestEvent } from './network-request-event.js';

/** An `ApiClient.requestRaw` response (`ApiResponse`): `{ status, headers, data }`. @internal */
export interface ResponseLike {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/** True when a task's result has the shape of an `ApiResponse`. @internal */
export function isResponseLike(value: unknown): value is ResponseLike {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Partial<ResponseLike>;
  return typeof v.status === 'number' && v.headers !== null && typeof v.headers === 'object' && 'data' in v;
}

/**
 * Records a response on the event; its headers are made safe (`safeHeaders`: no credentials or
 * cookies, values scrubbed) when `responseHeaders` is first read, so a call whose event nobody
 * inspects pays nothing for them. @internal
 */
export function recordResponse(event: NetworkRequestEvent, status: number, headers: unknown, body: unknown): void {
  const d = event._detail();
  d.responseStatus = status;
  d.responseHeaders = undefined;
  d.rawHeaders = headers;
  d.responseBody = body;
}

/** Records what a failure says about the response, when it came with one. @internal */
export function recordErrorResponse(event: NetworkRequestEvent, error: unknown): void {
  if (!isApiClientError(error) || error.status === undefined) return;
  const d = event._detail();
  d.responseStatus = error.status;
  d.rawHeaders = undefined;
  d.responseHeaders = error.headers;
  d.responseBody = error.body;
}

/**
 * True when a failed attempt provably was not processed by the upstream: a 429 or 503 answer
 * (its token reservation is then refunded). @internal
 */
export function notProcessed(error: unknown): boolean {
  return isApiClientError(error) && (error.status === 429 || error.status === 503);
}
