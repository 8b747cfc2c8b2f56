export * from './stages.js';
export * from './pipeline.js';
