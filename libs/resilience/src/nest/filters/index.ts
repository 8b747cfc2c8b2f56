export * from './resilience-error-response.js';
export * from './resilience-exception.filter.js';
