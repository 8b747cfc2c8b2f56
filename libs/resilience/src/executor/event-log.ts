import { iso, type EventDetail } from './event-detail.js';
import { RequestStatus } from './request-status.js';

/**
 * An event's log: a ring of at most `logLimit` entries in its {@link EventDetail}, plus the entries
 * of the straight path (QUEUED → PROCESSING, PROCESSING → CALLING, the completed call, CALLING →
 * COMPLETED), which are not stored while nothing else was logged: each is rebuilt from the
 * timestamp of its status when the log is read. @internal
 */

/** What the log reads of an event: its timestamps and its count of implicit entries. @internal */
export interface LoggedEvent {
  readonly createdAt: number;
  readonly queuedAt: number | undefined;
  readonly processingStartedAt: number | undefined;
  readonly callStartedAt: number | undefined;
  readonly completedAt: number | undefined;
  readonly updatedAt: number;
  readonly responseStatus: number | undefined;
  /** Straight-path entries logged without being stored (0–4); -1 once every entry is stored. */
  _implicit: number;
}

/** "Status changed from X to Y" for every pair (no string built per change). */
const STATUS_LOG: Record<string, Record<string, string>> = {};
for (const from of Object.values(RequestStatus)) {
  const row: Record<string, string> = (STATUS_LOG[from] = {});
  for (const to of Object.values(RequestStatus)) row[to] = `Status changed from ${from} to ${to}`;
}

/** @internal The log message of a status change (a constant string). */
export function statusLog(from: RequestStatus, to: RequestStatus): string {
  return STATUS_LOG[from]![to]!;
}

/** The entry of a completed call. */
const CALL_COMPLETED = 'Call completed';

/** Appends `[dt, entry]`, overwriting the oldest pair beyond `limit` pairs. O(1). */
function pushLog<C>(d: EventDetail<C>, limit: number, dt: number, entry: number | string): void {
  const log = (d.log ??= []);
  if (log.length < limit * 2) {
    log.push(dt, entry);
    return;
  }
  const i = d.logStart * 2;
  log[i] = dt;
  log[i + 1] = entry;
  d.logStart = (d.logStart + 1) % limit;
}

/** Appends the formatted entries of `d`'s log, oldest first, to `out`. */
function formatLog<C>(d: EventDetail<C>, createdAt: number, out: string[]): void {
  const log = d.log;
  if (log === undefined) return;
  const pairs = log.length / 2;
  for (let k = 0; k < pairs; k++) {
    const i = ((d.logStart + k) % pairs) * 2;
    out.push(`${iso(createdAt + (log[i] as number))} - ${entryText(log[i + 1]!)}`);
  }
}

/** A log entry's text: a message, or the status code of a completed call. */
function entryText(entry: string | number): string {
  return typeof entry === 'number' ? `${CALL_COMPLETED} with status code: ${entry}` : entry;
}

/** @internal The straight-path step a status change is (see `LoggedEvent._implicit`), or -2 for any other change. */
export function straightStep(from: RequestStatus, to: RequestStatus): number {
  if (from === RequestStatus.QUEUED) return to === RequestStatus.PROCESSING ? 0 : -2;
  if (from === RequestStatus.PROCESSING) return to === RequestStatus.CALLING ? 1 : -2;
  if (from === RequestStatus.CALLING) return to === RequestStatus.COMPLETED ? 3 : -2;
  return -2;
}

/** Clock time of the `i`-th straight-path entry (from the timestamp of its status). */
function implicitAt(ev: LoggedEvent, i: number): number {
  if (i === 0) return ev.processingStartedAt!;
  if (i === 1) return ev.callStartedAt!;
  return ev.completedAt ?? ev.updatedAt;
}

/** The `i`-th straight-path entry: a status change, or the completed call's status code. */
function implicitEntry(ev: LoggedEvent, i: number): string | number {
  if (i === 0) return statusLog(RequestStatus.QUEUED, RequestStatus.PROCESSING);
  if (i === 1) return statusLog(RequestStatus.PROCESSING, RequestStatus.CALLING);
  if (i === 2) return ev.responseStatus ?? CALL_COMPLETED;
  return statusLog(RequestStatus.CALLING, RequestStatus.COMPLETED);
}

/**
 * @internal Stores an entry at clock time `at` (a message, or the HTTP status of a completed call;
 * `undefined`: completed, no status), the implicit straight-path entries first when there are
 * any. O(1) but for those (at most 4, once).
 */
export function appendLog<C>(
  ev: LoggedEvent,
  d: EventDetail<C>,
  limit: number,
  entry: string | number | undefined,
  at: number,
): void {
  const k = ev._implicit;
  if (k !== -1) {
    ev._implicit = -1;
    for (let i = 0; i < k; i++) pushLog(d, limit, implicitAt(ev, i) - ev.createdAt, implicitEntry(ev, i));
  }
  pushLog(d, limit, at - ev.createdAt, entry ?? CALL_COMPLETED);
}

/** @internal The last `limit` entries, `"<ISO time> - <message>"`, oldest first. */
export function formatEventLogs<C>(ev: LoggedEvent, d: EventDetail<C> | undefined, limit: number): string[] {
  if (limit === 0) return [];
  const out: string[] = [];
  if (ev.queuedAt !== undefined)
    out.push(`${iso(ev.queuedAt)} - ${statusLog(RequestStatus.PENDING, RequestStatus.QUEUED)}`);
  for (let i = 0; i < ev._implicit; i++) out.push(`${iso(implicitAt(ev, i))} - ${entryText(implicitEntry(ev, i))}`);
  if (d !== undefined) formatLog(d, ev.createdAt, out);
  return out.length > limit ? out.slice(out.length - limit) : out;
}
