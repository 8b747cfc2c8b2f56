interface Waiter<T> {
  resolve(r: IteratorResult<T>): void;
  reject(error: unknown): void;
}

const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/**
 * A bounded single-consumer channel between a stream's reader (the executor task) and its
 * consumer (`for await`). `push` returns a promise when `capacity` items wait unread: the reader
 * awaits it (backpressure), so at most `capacity` items are buffered. `return()` (the consumer
 * left the loop) drops what is buffered, releases the reader and calls `onReturn` once.
 * @internal
 */
export class StreamChannel<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  #consumer: Waiter<T> | undefined = undefined;
  #space: Promise<void> | undefined = undefined;
  #producer: (() => void) | undefined = undefined;
  #ended = false;
  #error: unknown = undefined;
  #failed = false;
  #closed = false;

  constructor(
    readonly capacity: number,
    private readonly onReturn: () => void,
  ) {}

  /** True once the consumer left (`return()`): pushes are dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Items buffered now. */
  get buffered(): number {
    return this.#items.length;
  }

  /** Hands `item` to the consumer; a promise to await when the consumer is `capacity` items behind. */
  push(item: T): Promise<void> | undefined {
    if (this.#closed || this.#ended) return undefined;
    const c = this.#consumer;
    if (c !== undefined) {
      this.#consumer = undefined;
      c.resolve({ done: false, value: item });
      return undefined;
    }
    this.#items.push(item);
    if (this.#items.length < this.capacity) return undefined;
    return (this.#space ??= new Promise<void>((resolve) => (this.#producer = resolve)));
  }

  /** No more items: the consumer gets the buffered ones, then the end. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#release();
    const c = this.#consumer;
    this.#consumer = undefined;
    c?.resolve(DONE);
  }

  /** Ends with `error`: the consumer gets the buffered items, then `next()` rejects with it. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failed = true;
    this.#error = error;
    this.#release();
    const c = this.#consumer;
    this.#consumer = undefined;
    c?.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      const value = this.#items.shift()!;
      if (this.#items.length < this.capacity) this.#release();
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#ended) {
      if (!this.#failed) return Promise.resolve(DONE);
      this.#failed = false; // reported once; later calls see the end
      return Promise.reject(this.#error);
    }
    if (this.#consumer !== undefined) return Promise.reject(new Error('StreamChannel: concurrent next()'));
    return new Promise<IteratorResult<T>>((resolve, reject) => (this.#consumer = { resolve, reject }));
  }

  /** The consumer left: drop the buffer, release the reader, tell the owner (once). */
  return(): Promise<IteratorResult<T>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#items.length = 0;
      this.#release();
      if (!this.#ended) this.onReturn();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #release(): void {
    const p = this.#producer;
    this.#producer = undefined;
    this.#space = undefined;
    p?.();
  }
}
