/**
 * The hint a failure carries about when to try again: its `retryAfterMs` when that is a finite
 * number >= 0 (read structurally, so any error type may carry it), else `undefined`.
 * @publicApi
 */
export function retryAfterOf(error: unknown): number | undefined {
  const v = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}
