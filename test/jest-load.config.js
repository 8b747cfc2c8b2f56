// Real-time load specs next to the code (`*.http.spec.ts`: thousands of calls against a strict
// server on 127.0.0.1). They count what the server saw, and the admission-to-wire delay they
// tolerate is the limiter's documented safety margin, so they run alone (--runInBand), after the
// unit suites, never beside other test files competing for the two cores.
import { baseConfig } from '../jest.config.js';

export default {
  ...baseConfig,
  rootDir: '..',
  roots: ['<rootDir>/libs/'],
  testRegex: '.*\\.http\\.spec\\.ts$',
};
