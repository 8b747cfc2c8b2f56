export {
  FALLBACK_DEFAULTS,
  type FallbackKind,
  type FallbackOptions,
  type NormalizedFallbackOptions,
} from './fallback.options.js';
export { normalizeFallbackOptions } from './fallback.normalize.js';
export { fallsBackByDefault, isProgrammingError } from './fallback.predicate.js';
export type { FallbackEvent } from './fallback.events.js';
export { FallbackPolicy } from './fallback.policy.js';
