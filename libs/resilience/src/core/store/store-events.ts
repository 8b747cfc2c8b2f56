/**
 * Emitted by a shared store once when it goes down (it cannot answer: policies run on their
 * `onStoreError`), and once when it answers again. Subscribe with `store.onStatus(listener)`.
 * @publicApi
 */
export interface StoreStatusEvent {
  /** `store.down` when an outage starts, `store.up` when it ends. */
  readonly type: 'store.down' | 'store.up';
  /** The store's kind (`redis`). */
  readonly store: 'redis';
  /**
   * Why it went down (`store.down` only): the error message, with any URL removed. Never carries
   * the connection URL, a password or other credentials.
   */
  readonly error?: string;
  /** Clock time of the change (ms, the store's clock). */
  readonly at: number;
}
