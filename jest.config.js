// Unit suites: specs next to the code they test (libs/ and apps/).
export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export const baseConfig = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions] },
  moduleNameMapper: {
    '^nest-resilience$': '<rootDir>/libs/resilience/src/index.ts',
    '^nest-resilience/(core|executor|health|http|llm|redis)$': '<rootDir>/libs/resilience/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};

export default {
  ...baseConfig,
  rootDir: '.',
  testRegex: '.*\\.spec\\.ts$',
  // Real-time load specs (`*.http.spec.ts`) run on their own, one at a time: test/jest-load.config.js.
  testPathIgnorePatterns: ['/node_modules/', '\\.http\\.spec\\.ts$'],
  roots: ['<rootDir>/libs/', '<rootDir>/apps/'],
};
