/** Injection token of the quotes provider's base URL (e.g. `http://127.0.0.1:40123`). */
export const UPSTREAM_URL = 'SAMPLE:UPSTREAM_URL';

/** Injection token of the per-call timeout of provider requests, ms. */
export const REQUEST_TIMEOUT_MS = 'SAMPLE:REQUEST_TIMEOUT_MS';

/** Name of the breaker, retry policy and rate limiter that guard the quotes provider. */
export const QUOTES_POLICY = 'quotes';
