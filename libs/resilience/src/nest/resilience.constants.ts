/** Injection token of the raw module options. @internal */
export const RESILIENCE_OPTIONS = 'RESILIENCE:MODULE_OPTIONS';

/** Property under which Nest injects the registry into classes with decorated methods. @internal */
export const REGISTRY_PROPERTY: unique symbol = Symbol('resilience:registry');

/** Property of a decorated method's trampoline that holds its {@link ResilientMethodSpec}. @internal */
export const METHOD_SPEC: unique symbol = Symbol('resilience:method-spec');

/** Name of the entry merged into every named policy. */
export const DEFAULT_POLICY = 'default';
