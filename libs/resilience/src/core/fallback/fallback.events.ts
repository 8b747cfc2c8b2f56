/** Emitted by `FallbackPolicy.onFallback` when a failed call resolves to its fallback. @publicApi */
export interface FallbackEvent {
  readonly type: 'fallback';
  /** Name of the fallback policy. */
  readonly policy: string;
  /** The error the call failed with (handled by the fallback). */
  readonly error: unknown;
}
