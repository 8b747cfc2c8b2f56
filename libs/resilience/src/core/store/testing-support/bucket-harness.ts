import { VirtualClock } from '../../clock.js';
import { MemoryBucket } from '../memory-bucket.js';
import type { BucketSpec } from '../store.js';

// Shared set-up of the MemoryBucket specs: a virtual clock and its start time `T0`.
// Run `beforeEach(resetBucketHarness)` in each spec file. @internal

/** The virtual clock of the current test. @internal */
export let clock: VirtualClock;
/** The clock's time at the start of the current test. @internal */
export let T0: number;

/** Fresh clock and T0 (`beforeEach`). @internal */
export function resetBucketHarness(): void {
  clock = new VirtualClock();
  T0 = clock.now();
}

/** A bucket of policy 'api' on the test clock. @internal */
export function bucket(spec: BucketSpec): MemoryBucket {
  return new MemoryBucket({ policy: 'api', key: 'limiter:api' }, spec, clock);
}

/** Throws synchronously or returns the error `fn` threw. @internal */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a synchronous throw');
}

/** Queues a caller and records the virtual time (relative to T0) at which it is admitted. @internal */
export function queue(
  b: MemoryBucket,
  tokens: number,
  log: Array<[string, number]>,
  id: string,
  maxWaitMs = Infinity,
  signal?: AbortSignal,
): Promise<unknown> {
  const p = b.acquire(tokens, maxWaitMs, signal);
  if (p === undefined) throw new Error(`${id} was admitted at once; expected it to wait`);
  return p.then(
    () => {
      log.push([id, clock.now() - T0]);
      return 'admitted';
    },
    (e: unknown) => e,
  );
}
