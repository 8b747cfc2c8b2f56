// Real-time load specs next to the code (`*.http.spec.ts`: thousands of calls against a strict
// server on 127.0.0.1). They count what the server saw, and the admission-to-wire delay they
// tolerate is the limiter's documented safety margin, so they run alone (--runInBand), after the
// unit suites, never beside other test files competing for the two cores. Cross-cutting load specs
// live in test/ (`*.load-spec.ts`: the executor's 100,000-event scale check, the 3 AM scenario with three
// processes on Redis).
import { baseConfig } from '../jest.config.js';

export default {
  ...baseConfig,
  rootDir: '..',
  roots: ['<rootDir>/libs/', '<rootDir>/test/'],
  testRegex: '.*(\\.http\\.spec|\\.load-spec)\\.ts$',
};
