import type { Disposable } from '../core/events/event-emitter.js';
import { safeHeaders } from '../http/headers/headers.js';

/** The part of an event a queued one does not need (`C`: the status change type). @internal */
export class EventDetail<C> {
  responseStatus: number | undefined = undefined;
  responseHeaders: Readonly<Record<string, string>> | undefined = undefined;
  /** A response's headers as the task returned them, made safe (`safeHeaders`) when first read. */
  rawHeaders: unknown = undefined;
  responseBody: unknown = undefined;
  errorType: string | undefined = undefined;
  errorMessage: string | undefined = undefined;
  error: unknown = undefined;
  unlink: (() => void) | undefined = undefined;
  listeners: ((change: C) => void) | ((change: C) => void)[] | undefined = undefined;
  /**
   * Log entries as pairs `[ms since createdAt, entry]`, a ring of at most `logLimit` pairs
   * (`logStart`: the oldest pair). An entry is a message, or a number: the HTTP status of a
   * completed call. Formatted only when `event.logs` is read.
   */
  log: (number | string)[] | undefined = undefined;
  logStart = 0;
}

/** The event's response headers, made safe on first read (see `recordResponse`). @internal */
export function responseHeadersOf<C>(d: EventDetail<C>): Readonly<Record<string, string>> | undefined {
  const raw = d.rawHeaders;
  if (raw !== undefined) {
    d.rawHeaders = undefined;
    d.responseHeaders = safeHeaders(raw as Record<string, string>);
  }
  return d.responseHeaders;
}

/** @internal Fields `toJSON()` writes when set (never `error`). */
export const OPTIONAL_JSON = [
  'method',
  'url',
  'queuedAt',
  'processingStartedAt',
  'callStartedAt',
  'completedAt',
  'actualTokens',
  'responseStatus',
  'responseHeaders',
  'responseBody',
  'errorType',
  'errorMessage',
  'metadata',
] as const;

/** @internal Adds a status listener to `d` (one function, or an array of them). */
export function addListener<C>(d: EventDetail<C>, listener: (change: C) => void): Disposable {
  const cur = d.listeners;
  d.listeners = cur === undefined ? listener : Array.isArray(cur) ? [...cur, listener] : [cur, listener];
  return {
    dispose: () => {
      const l = d.listeners;
      if (l === listener) d.listeners = undefined;
      else if (Array.isArray(l)) d.listeners = l.filter((x) => x !== listener);
    },
  };
}

/** @internal */
export function safe<C>(l: (change: C) => void, change: C): void {
  try {
    l(change);
  } catch {
    // A throwing listener never changes the event.
  }
}

/** @internal */
export function iso(at: number): string {
  return new Date(at).toISOString();
}

/** @internal */
export function errorName(error: unknown): string {
  if (error instanceof Error) return error.name || error.constructor.name;
  return typeof error;
}
