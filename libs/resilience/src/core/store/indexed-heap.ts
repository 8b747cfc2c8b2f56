/** An element of an {@link IndexedMinHeap}: the heap keeps its position here (-1 when not in a heap). @internal */
export interface HeapSlot {
  heapIndex: number;
}

/**
 * A binary min-heap that knows where each element is, so an element can be removed or re-keyed
 * in O(log n) (no lazy deletion, no scan). Ordered by `keyOf` (read at every comparison: change
 * an element's key only through {@link IndexedMinHeap.update}). @internal
 */
export class IndexedMinHeap<T extends HeapSlot> {
  private readonly items: T[] = [];

  constructor(private readonly keyOf: (item: T) => number) {}

  /** Elements in the heap. */
  get size(): number {
    return this.items.length;
  }

  /** The element with the smallest key, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds `item` (which must not be in a heap). */
  push(item: T): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  /** Removes and returns the smallest element. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `item` when it is in this heap (no-op otherwise). */
  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0 || this.items[i] !== item) return;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.update(last);
  }

  /** Restores the order after `item`'s key changed. */
  update(item: T): void {
    this.down(this.up(item.heapIndex));
  }

  /** Every element, in no particular order (do not change keys while iterating). */
  values(): readonly T[] {
    return this.items;
  }

  private up(i: number): number {
    const items = this.items;
    const item = items[i]!;
    const key = this.keyOf(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (this.keyOf(parent) <= key) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    const key = this.keyOf(item);
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.keyOf(items[c + 1]!) < this.keyOf(items[c]!)) c++;
      const child = items[c]!;
      if (this.keyOf(child) >= key) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
