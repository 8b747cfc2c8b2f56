/**
 * nest-resilience: circuit breakers, retries and exact rate limiting for NestJS.
 * Framework-free policies are also available from `nest-resilience/core`; the Terminus
 * indicator from `nest-resilience/health` (optional peer `@nestjs/terminus`).
 */
export * from './core/index.js';
export * from './nest/index.js';
