import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { StateOwner } from './store.js';
import type { WaitQueue, Waiter } from './wait-queue.js';

/**
 * The error for a call asking for `tokens` a limiter can never admit at once: more than `max`,
 * its `limitName` (`burst`, `the window's limit`), or not a positive number. Names the option
 * `limiters.<policy>.tokens`.
 * @internal
 */
export function tokensError(owner: StateOwner, tokens: number, max: number, limitName: string): ResilienceConfigError {
  return new ResilienceConfigError(
    `limiters.${owner.policy}.tokens`,
    tokens,
    `a number > 0 and <= ${limitName} (${max})`,
  );
}

/**
 * Throws {@link tokensError} unless `0 < tokens <= max`.
 * @internal
 */
export function checkTokens(owner: StateOwner, tokens: number, max: number, limitName: string): void {
  if (!(tokens > 0) || tokens > max) throw tokensError(owner, tokens, max, limitName);
}

/**
 * Fails every waiter asking for more than `max` (after the limit shrank: it could never be
 * admitted) with {@link tokensError}. The caller compacts the queue after.
 * @internal
 */
export function failOversized<W extends Waiter>(
  waiters: Pick<WaitQueue<W>, 'drop'>,
  owner: StateOwner,
  max: number,
  limitName: string,
): void {
  for (const w of waiters.drop((w) => w.tokens > max)) w.reject(tokensError(owner, w.tokens, max, limitName));
}

/**
 * Queues a caller for `tokens` behind everyone waiting, or throws `RateLimiterRejectedError`
 * (with the wait as `retryAfterMs`) when its admission is beyond `maxWaitMs`. `waitFor(t)`:
 * milliseconds until `t` tokens are there, so the caller's wait is `waitFor(queued + tokens)`.
 * Arms the queue's timer for the head when none is pending.
 * @internal
 */
export function queueOrReject(
  waiters: WaitQueue<Waiter>,
  owner: StateOwner,
  tokens: number,
  maxWaitMs: number,
  signal: AbortSignal | undefined,
  waitFor: (tokens: number) => number,
): Promise<void> {
  const wait = waitFor(waiters.tokens + tokens);
  if (wait > maxWaitMs) throw new RateLimiterRejectedError(owner.policy, wait, tokens, owner.partitionKey);
  return new Promise<void>((resolve, reject) => {
    waiters.push({ tokens, resolve, reject, signal, onAbort: undefined, done: false });
    if (!waiters.armed) waiters.armForHead(waitFor);
  });
}
