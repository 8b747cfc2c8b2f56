/** Minimal typings of opossum for the benchmarks (the package ships none; no @types installed). */
declare module 'opossum' {
  /** opossum's circuit breaker around one async function. */
  export default class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> {
    constructor(action: (...args: A) => Promise<R>, options?: { timeout?: number | false; [key: string]: unknown });
    fire(...args: A): Promise<R>;
    shutdown(): void;
  }
}
