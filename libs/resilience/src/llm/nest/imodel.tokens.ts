const IMODEL_PREFIX = 'nest-resilience:imodel:';
const EXECUTOR_PREFIX = 'nest-resilience:executor:';

/**
 * The injection token of a named `IModel` (what `@InjectIModel(name)` injects). It is provided
 * for every name registered with `ResilienceLlmModule.forRoot({ models })`,
 * `forRootAsync({ models })` or `registerModel[Async]({ name })`, and for no other.
 * @publicApi
 */
export function getIModelToken(name: string): string {
  return IMODEL_PREFIX + name;
}

/** The model name a token stands for, or `undefined` for another token. @internal */
export function nameOfIModelToken(token: unknown): string | undefined {
  return typeof token === 'string' && token.startsWith(IMODEL_PREFIX) ? token.slice(IMODEL_PREFIX.length) : undefined;
}

/**
 * The token of the executor registered as `name` with `ResilienceExecutorModule`: the same
 * string as `getExecutorToken(name)` of `nest-resilience/executor` (the layer rules keep this
 * leaf from importing the executor's Nest leaf; `imodel.tokens.spec.ts` checks they agree).
 * @internal
 */
export function executorTokenOf(name: string): string {
  return EXECUTOR_PREFIX + name;
}

/** The executor name an executor token stands for, or `undefined`. @internal */
export function nameOfExecutorTokenOf(token: unknown): string | undefined {
  return typeof token === 'string' && token.startsWith(EXECUTOR_PREFIX)
    ? token.slice(EXECUTOR_PREFIX.length)
    : undefined;
}

/** Injection token of the validated settings of `ResilienceLlmModule.forRoot[Async]`. @internal */
export const RESILIENCE_LLM_SETTINGS = Symbol('nest-resilience:llm-settings');
