export * from './lane-plan.js';
export * from './lanes.options.js';
export * from './lanes.normalize.js';
