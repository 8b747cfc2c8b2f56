// End-to-end and cross-cutting suites (test/*.e2e-spec.ts).
import { baseConfig } from '../jest.config.js';

export default {
  ...baseConfig,
  rootDir: '..',
  roots: ['<rootDir>/test/'],
  testRegex: '.*\\.e2e-spec\\.ts$',
};
