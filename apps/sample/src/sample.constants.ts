/** Injection token of the quotes provider's base URL (e.g. `http://127.0.0.1:40123`). */
export const UPSTREAM_URL = 'SAMPLE:UPSTREAM_URL';

/** Name of the breaker, retry policy and rate limiter that guard the quotes provider. */
export const QUOTES_POLICY = 'quotes';

/** Name of the `ApiClient` (declared in `ResilienceHttpModule`) that talks to the quotes provider. */
export const QUOTES_CLIENT = 'quotes';

/** Injection token of the `AdaptiveRateLimiter` that follows the provider's rate-limit headers. */
export const QUOTES_ADAPTIVE_LIMITER = 'SAMPLE:QUOTES_ADAPTIVE_LIMITER';

/** Name of the timeout and the bulkhead of the quote board (`GET /board/:symbol`). */
export const BOARD_POLICY = 'board';
