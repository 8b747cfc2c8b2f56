/**
 * HTTP layer: `ApiClient` and `Endpoint` on the core policies, typed upstream errors,
 * Retry-After and rate-limit header parsing, per-endpoint and adaptive rate limiters, and the
 * Nest leaf (`ResilienceHttpModule`, `@InjectApiClient`, `@InjectEndpoint`).
 * Explicit exports: helpers the layer uses internally are not part of the package.
 * @module nest-resilience/http
 */

// Client.
export { ApiClient } from './client/api-client.js';
export {
  API_CLIENT_DEFAULTS,
  type ApiClientDeps,
  type ApiClientLogger,
  type ApiClientOptions,
  type ApiRequest,
  type ApiResponse,
  type AxiosLike,
  type CallRequest,
  type HttpMethod,
  type QueryParams,
  type RequestOptions,
} from './client/api-client.options.js';
export { isUpstreamFailure } from './client/upstream-failure.js';
export type { PolicyOption, PolicyResolver } from '../core/policy/policy-resolver.js';

// Endpoints.
export { Endpoint, type EndpointCallOptions, type EndpointDeps, type EndpointPayload } from './endpoint/endpoint.js';
export {
  ENDPOINT_CONFIG_DEFAULTS,
  type EndpointConfig,
  type ResolvedEndpoint,
  type ResolvedEndpointConfig,
} from './endpoint/endpoint-config.options.js';
export { resolveEndpointConfig } from './endpoint/endpoint-config.normalize.js';

// Headers.
export {
  isSensitiveHeader,
  normalizeHeaders,
  redactUrl,
  REDACTED,
  safeHeaders,
  scrubSecrets,
  type HeaderInput,
  type NormalizedHeaders,
} from './headers/headers.js';
export {
  assertSafeHeader,
  assertSafeHeaders,
  authHeaderName,
  authTypeNeedsKey,
  HeaderFactory,
  type AuthType,
  type HeaderSpec,
} from './headers/header-factory.js';
export { parseHttpDate } from './headers/http-date.js';
export {
  MAX_HINT_MS,
  parseProtoDurationMs,
  parseRetryAfterMs,
  parseRetryAfterValue,
  retryDelayFromBody,
} from './headers/retry-after.js';
export { parseRateLimitHeaders } from './headers/rate-limit-headers.js';
export type { RateLimitInfo, RateLimitWindow } from './headers/rate-limit-info.js';
export { parseGoDurationMs } from './headers/rate-limit-values.js';

// Limiters.
export { AdaptiveRateLimiter } from './limiters/adaptive-rate-limiter.js';
export {
  ADAPTIVE_RATE_LIMITER_DEFAULTS,
  type AdaptiveRateLimiterDeps,
  type AdaptiveRateLimiterOptions,
  type AdaptiveRateLimiterSnapshot,
  type AdaptiveUpdate,
} from './limiters/adaptive-rate-limiter.options.js';
export type { AdaptiveRateChange } from './limiters/adaptive-rate-limiter.events.js';
export { normalizeAdaptiveRateLimiterOptions } from './limiters/adaptive-rate-limiter.normalize.js';
export { EndpointRateLimiter } from './limiters/endpoint-rate-limiter.js';
export {
  ENDPOINT_RATE_LIMITER_DEFAULTS,
  type EndpointExecuteOptions,
  type EndpointLimit,
  type EndpointRateLimiterDeps,
  type EndpointRateLimiterOptions,
  type NormalizedEndpointLimit,
} from './limiters/endpoint-rate-limiter.options.js';
export { normalizeEndpointRateLimiterOptions } from './limiters/endpoint-rate-limiter.normalize.js';

// Errors (the layer's `errors/` folder), and the core refusals that complete the taxonomy
// (same classes as `nest-resilience`).
export {
  ApiClientError,
  ClientClosedError,
  errorFromResponse,
  errorFromTransport,
  extractProviderError,
  HeaderInjectionError,
  HostOverrideError,
  InvalidRequestError,
  isAbortError,
  isApiClientError,
  isClientClosedError,
  isHeaderInjectionError,
  isHostOverrideError,
  isInvalidRequestError,
  isQuotaExhausted,
  isRequestAbortedError,
  isUpstreamAuthenticationError,
  isUpstreamBadRequestError,
  isUpstreamConflictError,
  isUpstreamConnectionError,
  isUpstreamNotFoundError,
  isUpstreamPermissionError,
  isUpstreamRateLimitError,
  isUpstreamServerError,
  isUpstreamStatusError,
  isUpstreamTimeoutError,
  RequestAbortedError,
  sanitizeCause,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamConflictError,
  UpstreamConnectionError,
  UpstreamNotFoundError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamServerError,
  UpstreamStatusError,
  UpstreamTimeoutError,
  type ApiClientErrorInit,
  type ErrorResponseInput,
  type InvalidRequestReason,
  type ProviderErrorInfo,
  type SanitizeCauseOptions,
  type TransportErrorContext,
  type UpstreamRateLimitErrorInit,
  type UpstreamTimeoutErrorInit,
} from './errors/index.js';
export {
  CircuitBreakerOpenError,
  isCircuitBreakerOpenError,
  isRateLimiterRejectedError,
  isResilienceError,
  RateLimiterRejectedError,
  ResilienceError,
} from '../core/errors/index.js';

// Nest leaf.
export {
  ApiClientRegistry,
  EndpointRegistry,
  getApiClientToken,
  getEndpointToken,
  InjectApiClient,
  InjectEndpoint,
  RESILIENCE_HTTP_OPTIONS,
  ResilienceHttpModule,
  type ApiClientOptionsFactory,
  type ClientDeclaration,
  type EndpointDeclaration,
  type EndpointOptionsFactory,
  type RegisterClientAsyncOptions,
  type RegisterClientOptions,
  type RegisterEndpointAsyncOptions,
  type RegisterEndpointOptions,
  type ResilienceHttpDeclarations,
  type ResilienceHttpForRootOptions,
  type ResilienceHttpModuleAsyncOptions,
  type ResilienceHttpModuleOptions,
  type ResilienceHttpOptionsFactory,
} from './nest/index.js';
