import type { CircuitState } from '../circuit-breaker/circuit-breaker.options.js';

/*
 * Numeric codes of a breaker's state, defined once so the backends cannot drift: the memory
 * breaker's field, the Redis breaker's local view, and the `s` field of the breaker's Lua
 * script (interpolated from these constants into `BREAKER_SCRIPT`).
 */

/** Code of the closed state. @internal */
export const CLOSED = 0;
/** Code of the open state. @internal */
export const OPEN = 1;
/** Code of the half-open state. @internal */
export const HALF_OPEN = 2;

/** The state named by each code: `STATES[code]`; `STATES.indexOf(state)` gives the code back. @internal */
export const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];
