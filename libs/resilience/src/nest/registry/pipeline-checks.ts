import { ResilienceConfigError } from '../../core/errors/index.js';
import type { KindName, PolicyOf } from './policy-kinds.js';

/** The policies one decorated method (or client) runs through, by kind. */
export type MethodPolicies = { -readonly [K in KindName]?: PolicyOf<K> };

/** What the checks read of a timeout (a `TimeoutPolicy`). */
interface TimeoutLike {
  readonly name: string;
  readonly options: { readonly timeoutMs: number; readonly totalTimeoutMs: number };
}

/** What {@link checkPipeline} checks: the policies, and an attempt deadline set elsewhere (e.g. an HTTP client's `timeoutMs`). */
export interface PipelineCheckInput {
  readonly timeout?: TimeoutLike;
  readonly retry?: MethodPolicies['retry'];
  readonly breaker?: MethodPolicies['breaker'];
  readonly attemptTimeout?: { readonly ms: number; readonly source: string };
}

/** One finding: an error fails bootstrap, a warning is logged. */
export type PipelineFinding =
  | { readonly level: 'error'; readonly message: string; readonly error: ResilienceConfigError }
  | { readonly level: 'warn'; readonly message: string };

/** Iterations past which the delay is taken as constant (a lower bound: delays never shrink). */
const MAX_STEPS = 10_000;

/**
 * Cross-checks the policies of one pipeline once it is built, as Microsoft.Extensions.Http.Resilience
 * does, naming the policies and `method` in every message:
 *
 * - an attempt timeout longer than the total timeout: error (the attempt could never use it);
 * - retries whose smallest possible delays (`baseDelayMs` grown by `backoffFactor`, capped at
 *   `maxDelayMs`, no jitter) cannot fit `maxElapsedMs` or the total timeout: warning (the last
 *   retries never run);
 * - a breaker counting slow calls at or above the attempt deadline (no call can be slow: it
 *   times out first), or a time window shorter than twice the attempt deadline (it cannot hold
 *   enough attempts to judge a rate): warning.
 */
export function checkPipeline(input: PipelineCheckInput, method: string): PipelineFinding[] {
  const findings: PipelineFinding[] = [];
  const { timeout, retry, breaker } = input;
  const total = timeout?.options.totalTimeoutMs ?? Infinity;
  const attempts: { ms: number; source: string }[] = [];
  if (timeout !== undefined && timeout.options.timeoutMs !== Infinity)
    attempts.push({ ms: timeout.options.timeoutMs, source: `timeout '${timeout.name}' timeoutMs` });
  if (input.attemptTimeout !== undefined && input.attemptTimeout.ms !== Infinity) attempts.push(input.attemptTimeout);

  for (const a of attempts) {
    if (a.ms > total) {
      const error = new ResilienceConfigError(
        `${a.source} (on ${method})`,
        a.ms,
        `at most the totalTimeoutMs of timeout '${timeout!.name}' (${total} ms): an attempt cannot outlast the whole call`,
      );
      findings.push({ level: 'error', message: error.message, error });
    }
  }

  if (retry !== undefined && retry.options.maxRetries !== Infinity && retry.options.maxRetries > 0) {
    const budgets: { ms: number; source: string }[] = [];
    if (retry.options.maxElapsedMs !== Infinity)
      budgets.push({ ms: retry.options.maxElapsedMs, source: `its maxElapsedMs (${retry.options.maxElapsedMs} ms)` });
    if (total !== Infinity)
      budgets.push({ ms: total, source: `the totalTimeoutMs of timeout '${timeout!.name}' (${total} ms)` });
    for (const budget of budgets) {
      const { fitting, sum } = retriesWithin(retry.options, budget.ms);
      if (fitting >= retry.options.maxRetries) continue;
      findings.push({
        level: 'warn',
        message:
          `${method}: retry '${retry.name}' cannot make its ${retry.options.maxRetries} retries within ${budget.source}: ` +
          `their delays alone (baseDelayMs ${retry.options.baseDelayMs}, backoffFactor ${retry.options.backoffFactor}, ` +
          `no jitter) add up to at least ${Math.round(sum)} ms, so at most ${fitting} can run`,
      });
    }
  }

  const attempt = [
    ...attempts,
    ...(total !== Infinity ? [{ ms: total, source: `timeout '${timeout!.name}' totalTimeoutMs` }] : []),
  ].sort((a, b) => a.ms - b.ms)[0];
  if (breaker !== undefined && attempt !== undefined) {
    const o = breaker.options;
    if (o.mode === 'rate' && o.slowCallDurationMs !== Infinity && o.slowCallDurationMs >= attempt.ms) {
      findings.push({
        level: 'warn',
        message:
          `${method}: breaker '${breaker.name}' slowCallDurationMs (${o.slowCallDurationMs} ms) is not below ` +
          `${attempt.source} (${attempt.ms} ms): an attempt times out (a failure) before it can count as slow`,
      });
    }
    if (o.mode === 'rate' && o.slidingWindow.type === 'time' && o.slidingWindow.durationMs < 2 * attempt.ms) {
      findings.push({
        level: 'warn',
        message:
          `${method}: breaker '${breaker.name}' slidingWindow.durationMs (${o.slidingWindow.durationMs} ms) is shorter ` +
          `than twice ${attempt.source} (${attempt.ms} ms): the window cannot hold enough attempts to judge a failure rate`,
      });
    }
  }
  return findings;
}

/** How many retries' un-jittered delays fit in `budgetMs`, and the smallest total delay of all of them. */
function retriesWithin(
  o: { maxRetries: number; baseDelayMs: number; backoffFactor: number; maxDelayMs: number },
  budgetMs: number,
): { fitting: number; sum: number } {
  let sum = 0;
  let fitting = 0;
  let delay = Math.min(o.maxDelayMs, o.baseDelayMs);
  for (let retry = 1; retry <= o.maxRetries; retry++) {
    if (retry > MAX_STEPS || delay === o.maxDelayMs || o.backoffFactor === 1) {
      // The delay no longer grows (or is taken as constant): the rest in closed form.
      const rest = o.maxRetries - retry + 1;
      const fit = delay === 0 ? rest : Math.min(rest, Math.floor((budgetMs - sum) / delay));
      return { fitting: fitting + Math.max(0, fit), sum: sum + rest * delay };
    }
    sum += delay;
    if (sum <= budgetMs) fitting = retry;
    delay = Math.min(o.maxDelayMs, delay * o.backoffFactor);
  }
  return { fitting, sum };
}
