export * from './not-initialized.error.js';
export * from './registry-closed.error.js';
