import type { NetworkRequestEvent } from './network-request-event.js';

/** The events of an executor not yet terminal: a doubly linked list through the events (no node, no map entry). @internal */
export class LiveEvents {
  size = 0;
  #head: NetworkRequestEvent | undefined = undefined;

  add(ev: NetworkRequestEvent): void {
    ev._next = this.#head;
    if (this.#head !== undefined) this.#head._prev = ev;
    this.#head = ev;
    this.size++;
  }

  remove(ev: NetworkRequestEvent): void {
    if (ev._prev === undefined && this.#head !== ev) return;
    if (ev._prev !== undefined) ev._prev._next = ev._next;
    else this.#head = ev._next;
    if (ev._next !== undefined) ev._next._prev = ev._prev;
    ev._prev = ev._next = undefined;
    this.size--;
  }

  /** A copy (the events may leave the list while the caller walks it). */
  all(): NetworkRequestEvent[] {
    const out: NetworkRequestEvent[] = [];
    for (let e = this.#head; e !== undefined; e = e._next) out.push(e);
    return out;
  }
}

/** Cancels `ev` when `signal` aborts; the listener is removed when the event ends. @internal */
export function linkSignal(ev: NetworkRequestEvent, signal: AbortSignal): void {
  const onAbort = () => ev.cancel(abortReason(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  ev._detail().unlink = () => signal.removeEventListener('abort', onAbort);
}

/** The cancel reason for an aborted signal: its reason when an error or a string. @internal */
export function abortReason(signal: AbortSignal): string | Error {
  const r: unknown = signal.reason;
  return r instanceof Error || typeof r === 'string' ? r : 'signal aborted';
}
