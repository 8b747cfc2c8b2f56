/**
 * HTTP client layer: typed API errors, Retry-After and rate-limit header parsing,
 * per-endpoint and adaptive rate limiters.
 * @module nest-resilience/http
 */
export * from './headers/headers.js';
export * from './errors/api-client.error.js';
export * from './errors/status.error.js';
export * from './errors/transport.error.js';
export * from './errors/error-from-response.js';
export * from './headers/retry-after.js';
export { parseHttpDate } from './headers/http-date.js';
export * from './headers/rate-limit-headers.js';
export * from './limiters/endpoint-rate-limiter.js';
export * from './limiters/adaptive-rate-limiter.js';
// Client, endpoints, headers, Nest wiring (part B).
export * from './errors/request-rejected.error.js';
export * from './headers/header-factory.js';
export * from './client/api-client.js';
export * from './endpoint/endpoint-config.js';
export * from './endpoint/endpoint.js';
export * from './nest/http-registries.js';
export * from './nest/resilience-http-options.interface.js';
export * from './nest/resilience-http.module.js';
export * from './nest/inject-api-client.decorator.js';
export { getApiClientToken, getEndpointToken, RESILIENCE_HTTP_OPTIONS } from './nest/http.constants.js';
// The breaker and limiter refusals of the core complete the taxonomy (same classes as `nest-resilience`).
export { CircuitBreakerOpenError, RateLimiterRejectedError, ResilienceError } from '../core/errors/errors.js';
