// The Nest module specs' application: boots a module of `imports` + `providers` and closes it
// after each test (the executor, llm and other `<layer>/nest/` specs).
import { afterEach, jest } from '@jest/globals';
import { Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';

/** A provider class of the booted application. @internal */
export type TestProvider = new (...args: never[]) => unknown;

/** The application of one spec file, set up by {@link useNestTestApp}. @internal */
export interface NestTestApp {
  /** Compiles and inits a module of `imports` + `providers` (logger off); it is closed after the test. */
  boot(imports: DynamicModule[], providers?: TestProvider[]): Promise<TestingModule>;
  /** The bootstrap error of such a module; throws when the bootstrap succeeds. */
  bootError(imports: DynamicModule[], providers?: TestProvider[]): Promise<Error>;
  /** Forgets the booted application: the test closed it itself. */
  release(): void;
}

/**
 * Registers an `afterEach` that closes the application the test booted (if any) and restores
 * the jest mocks. Call it at the top of the spec file.
 * @internal
 */
export function useNestTestApp(): NestTestApp {
  let app: TestingModule | undefined;
  afterEach(async () => {
    const booted = app;
    app = undefined; // forgotten first: a close that throws does not fail every later test
    jest.restoreAllMocks();
    await booted?.close();
  });
  const boot = async (imports: DynamicModule[], providers: TestProvider[] = []): Promise<TestingModule> => {
    @Module({ imports, providers })
    class AppModule {}
    const compiled = await Test.createTestingModule({ imports: [AppModule] }).compile();
    compiled.useLogger(false);
    try {
      await compiled.init();
    } catch (error) {
      // A failed bootstrap: closed here, best effort (NestJS 11 rethrows the init error from close()).
      await compiled.close().catch(() => undefined);
      throw error;
    }
    return (app = compiled);
  };
  return {
    boot,
    async bootError(imports, providers) {
      try {
        await boot(imports, providers);
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected the bootstrap to fail');
    },
    release() {
      app = undefined;
    },
  };
}
