/** Shapes shared by the pipeline's attempt loops. @internal */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFn = (...args: any[]) => any;

/**
 * One call through the composed stages: `fn(context)` when `withContext` (the `execute` shape),
 * else `fn.apply(thisArg, args)` (the method shape). `tokens` overrides the limiter's count;
 * `lane` (the call's `ExecuteOptions.lane`) is handed to the stages' `laneFor`.
 * @internal
 */
export type Inner = (
  fn: AnyFn,
  thisArg: unknown,
  args: readonly unknown[],
  signal: AbortSignal | undefined,
  tokens: number | undefined,
  withContext: boolean,
  lane: string | undefined,
) => Promise<unknown>;

// What the attempt was doing when it failed (to tell a refusal from a failure).
export const AT_BREAKER = 1;
export const AT_BULKHEAD = 2;
export const AT_LIMITER = 3;
export const RUNNING = 4;

/** `value` as a native promise (a plain value or a foreign thenable is adopted, as `await` does). */
export function settle(value: unknown): Promise<unknown> {
  return value instanceof Promise ? value : Promise.resolve(value);
}
