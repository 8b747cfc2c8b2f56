/**
 * The HTTP layer's errors (all `ApiClientError`s but `HeaderInjectionError`), their `isX()` brand
 * guards, and the mappings from a response or a transport failure to them.
 * @module nest-resilience/http
 */
export * from './api-client.error.js';
export * from './status.error.js';
export * from './transport.error.js';
export * from './invalid-request.error.js';
export * from './header-injection.error.js';
export * from './sanitize-cause.js';
export * from './error-from-response.js';
export * from './error-from-transport.js';
