/** The `notRetriedReason` of a non-idempotent request that is not retried. @internal */
export function notRetried(method: string, what: string): string {
  return `${method} is not idempotent and may have been processed (${what}); mark the request idempotent or send an Idempotency-Key to allow retries`;
}
