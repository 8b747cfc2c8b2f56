const EXECUTOR_PREFIX = 'nest-resilience:executor:';

/**
 * The injection token of a named `Executor` (what `@InjectExecutor(name)` injects). It is
 * provided for every name registered with `ResilienceExecutorModule.forRoot({ executors })`,
 * `forRootAsync({ executors })` or `registerExecutor[Async]({ name })`, and for no other.
 * @publicApi
 */
export function getExecutorToken(name: string): string {
  return EXECUTOR_PREFIX + name;
}

/** The executor name a token stands for, or `undefined` for another token. @internal */
export function nameOfExecutorToken(token: unknown): string | undefined {
  return typeof token === 'string' && token.startsWith(EXECUTOR_PREFIX)
    ? token.slice(EXECUTOR_PREFIX.length)
    : undefined;
}

/** Injection token of the validated settings of `ResilienceExecutorModule.forRoot[Async]`. @internal */
export const RESILIENCE_EXECUTOR_SETTINGS = Symbol('nest-resilience:executor-settings');
