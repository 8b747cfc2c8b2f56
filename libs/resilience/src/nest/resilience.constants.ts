/**
 * Injection token of the application's `ResilienceRegistry` (provided by `ResilienceModule`
 * as `useExisting: ResilienceRegistry`). Decorated methods get their registry through it.
 * @publicApi
 */
export const RESILIENCE_REGISTRY: unique symbol = Symbol('nest-resilience:ResilienceRegistry');

/**
 * Injection token of the `Clock` the policies run on (the module's `clock` option, default
 * `systemClock`): inject it to pace your own waits on the same (virtual, in tests) time.
 * @publicApi
 */
export const RESILIENCE_CLOCK: unique symbol = Symbol('nest-resilience:Clock');

/**
 * Injection token of the shared `ResilienceStore` the module configured (e.g. the
 * `RedisStore`), or `null` when state is in memory (no store object).
 * @publicApi
 */
export const RESILIENCE_STORE: unique symbol = Symbol('nest-resilience:Store');

/** Property under which Nest injects the registry into classes with decorated methods. @internal */
export const REGISTRY_PROPERTY: unique symbol = Symbol('nest-resilience:registry');

/** Property of a decorated method's trampoline that holds its spec. @internal */
export const METHOD_SPEC: unique symbol = Symbol('nest-resilience:method-spec');

/** Name of the entry merged into every named policy of its section. @publicApi */
export const DEFAULT_POLICY = 'default';
