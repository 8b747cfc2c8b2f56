import { reportListenerError, setListenerErrorReporter } from '../events/event-emitter.js';

/** What became of a promise so far (read it after advancing a VirtualClock). @internal */
export interface Settled<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: T;
  error?: unknown;
}

/** Tracks `p` without awaiting it, so a test can check it is still pending at a given time. @internal */
export function observe<T>(p: Promise<T>): Settled<T> {
  const s: Settled<T> = { state: 'pending' };
  p.then(
    (value) => Object.assign(s, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(s, { state: 'rejected', error }),
  );
  return s;
}

let savedReporter: ((error: unknown) => void) | undefined;

/**
 * Collects what throwing event listeners report (instead of `console.error`) until
 * {@link restoreListenerErrors} (call it in `afterEach`). @internal
 */
export function captureListenerErrors(): unknown[] {
  const reported: unknown[] = [];
  savedReporter ??= reportListenerError;
  setListenerErrorReporter((error) => reported.push(error));
  return reported;
}

/** Puts back the listener-error reporter replaced by {@link captureListenerErrors}. @internal */
export function restoreListenerErrors(): void {
  if (savedReporter === undefined) return;
  setListenerErrorReporter(savedReporter);
  savedReporter = undefined;
}
