import type { NetworkRequestEvent } from './network-request-event.js';
import { isTerminalStatus } from './request-status.js';

/**
 * Events waiting for a queue place (`whenFull: 'wait'`): one FIFO per lane, the highest lane
 * first. A cancelled event stays in its array until it reaches the head (`forget` only counts it
 * out), so every operation is O(lanes) amortized.
 * @internal
 */
export class PendingQueue {
  size = 0;
  readonly #lanes: { items: NetworkRequestEvent[]; head: number; live: number }[];

  constructor(lanes: number) {
    this.#lanes = Array.from({ length: lanes }, () => ({ items: [], head: 0, live: 0 }));
  }

  push(ev: NetworkRequestEvent, lane: number): void {
    ev._laneIndex = lane;
    const q = this.#lanes[lane]!;
    q.items.push(ev);
    q.live++;
    this.size++;
  }

  /** A pending event of `lane` was cancelled. */
  forget(lane: number): void {
    this.#lanes[lane]!.live--;
    this.size--;
  }

  /** Takes the next event to admit (highest lane first, FIFO), or undefined. */
  shift(): NetworkRequestEvent | undefined {
    for (const q of this.#lanes) {
      if (q.live === 0) continue;
      this.#skipDead(q);
      const ev = q.items[q.head]!;
      q.items[q.head++] = undefined as unknown as NetworkRequestEvent;
      q.live--;
      this.size--;
      if (q.head > 1024 && q.head * 2 > q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
      return ev;
    }
    return undefined;
  }

  /** Puts back, at the head of its lane, the event `shift()` returned (no place came free). */
  unshift(ev: NetworkRequestEvent): void {
    const q = this.#lanes[ev._laneIndex]!;
    if (q.head > 0) q.items[--q.head] = ev;
    else q.items.unshift(ev);
    q.live++;
    this.size++;
  }

  sizeOf(lane: number): number {
    return this.#lanes[lane]?.live ?? 0;
  }

  /** `createdAt` of the lane's oldest live event. */
  oldestAt(lane: number): number | undefined {
    const q = this.#lanes[lane];
    if (q === undefined || q.live === 0) return undefined;
    this.#skipDead(q);
    return q.items[q.head]!.createdAt;
  }

  #skipDead(q: { items: NetworkRequestEvent[]; head: number }): void {
    while (isTerminalStatus(q.items[q.head]!.status)) q.items[q.head++] = undefined as unknown as NetworkRequestEvent;
  }
}
