/**
 * nest-resilience: circuit breakers, retries, rate limiting, timeouts, bulkheads and fallbacks
 * for NestJS (`ResilienceModule`, the decorators, the services and `ResilienceEvents`).
 * Framework-free policies are also available from `nest-resilience/core`; the Terminus
 * indicators from `nest-resilience/health` (optional peer `@nestjs/terminus`).
 */
export * from './core/index.js';
export * from './nest/index.js';
