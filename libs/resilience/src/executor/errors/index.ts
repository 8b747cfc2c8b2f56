export * from './executor-queue-full.error.js';
export * from './executor-stopped.error.js';
export * from './request-cancelled.error.js';
