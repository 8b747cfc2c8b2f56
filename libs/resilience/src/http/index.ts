/**
 * HTTP client layer: typed API errors, Retry-After and rate-limit header parsing,
 * per-endpoint and adaptive rate limiters.
 * @module nest-resilience/http
 */
export * from './headers.js';
export * from './errors/api-client.error.js';
export * from './errors/status.error.js';
export * from './errors/transport.error.js';
export * from './errors/error-from-response.js';
export * from './retry-after.js';
export { parseHttpDate } from './http-date.js';
export * from './rate-limit-headers.js';
export * from './endpoint-rate-limiter.js';
export * from './adaptive-rate-limiter.js';
// Client, endpoints, headers, Nest wiring (part B).
export * from './errors/request-rejected.error.js';
export * from './header-factory.js';
export * from './api-client.js';
export * from './endpoint-config.js';
export * from './endpoint.js';
export * from './http-registries.js';
export * from './resilience-http-options.interface.js';
export * from './resilience-http.module.js';
export * from './inject-api-client.decorator.js';
export { getApiClientToken, getEndpointToken, RESILIENCE_HTTP_OPTIONS } from './http.constants.js';
// The breaker and limiter refusals of the core complete the taxonomy (same classes as `nest-resilience`).
export { CircuitBreakerOpenError, RateLimitExceededError, ResilienceError } from '../core/errors.js';
