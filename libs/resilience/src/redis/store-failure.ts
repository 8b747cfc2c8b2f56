/** Thrown internally when a store operation outlives `storeTimeoutMs` and a probe confirms it. */
export class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/** Error name and message, for the log line (redacted, see {@link redact}). */
export function describeFailure(error: unknown): string {
  const e = error as Error | undefined;
  return redact(`${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`);
}

/** `text` with anything that looks like a Redis URL removed (it may carry a password). */
export function redact(text: string): string {
  return text.replace(/rediss?:\/\/\S+/g, 'redis://…');
}
