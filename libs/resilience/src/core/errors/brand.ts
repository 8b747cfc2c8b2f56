/**
 * True when `error` is an `Error` whose `brand` property is `true`: the check behind every
 * `isX()` guard of the library. Unlike `instanceof`, it holds across two copies of the package
 * (an ESM and a CJS build, or two versions in `node_modules`), since it reads a property, not
 * a prototype chain.
 *
 * ```ts
 * import { hasErrorBrand } from 'nest-resilience/core';
 * hasErrorBrand(new Error('x'), 'isCircuitBreakerOpenError'); // false
 * ```
 * @publicApi
 */
export function hasErrorBrand(error: unknown, brand: string): boolean {
  return error instanceof Error && (error as unknown as Record<string, unknown>)[brand] === true;
}
