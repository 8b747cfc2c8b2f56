/**
 * Section 3: heap per idle breaker (10,000 distinct breakers, after gc) and the timers they
 * keep alive, side by side with cockatiel and opossum.
 */
import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import OpossumBreaker from 'opossum';
import { CircuitBreakerPolicy } from 'nest-resilience';
import { delay, fullGc, median } from './lib/stats.js';

const fn = async (): Promise<number> => 1;

/** How to create, call and dispose of one kind of breaker. */
interface BreakerKind<B> {
  name: string;
  create: (i: number) => B;
  call: (b: B) => Promise<unknown>;
  dispose?: (b: B) => void;
}

/** One measured kind. */
export interface MemoryRow {
  name: string;
  bytesIdle: number;
  bytesAfterCall: number;
  /** Ref'ed timers added (process.getActiveResourcesInfo()). */
  timersIdle: number;
  /** Timers created by the constructors and not cleared (ref'ed or not). */
  timersCreated: number;
  minIdle: number;
  maxIdle: number;
}

let seq = 0;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a heterogeneous list: each kind has its own breaker type
const kinds: BreakerKind<any>[] = [
  {
    name: 'nest-resilience CircuitBreakerPolicy (one per name)',
    create: (i) => CircuitBreakerPolicy.create(`mem-${seq}-${i}`, { failureThreshold: 5, recoveryTimeMs: 10_000 }),
    call: (b: CircuitBreakerPolicy) => b.execute(fn),
  },
  {
    name: 'cockatiel circuitBreaker (Consecutive 5)',
    create: () => circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    call: (b: ReturnType<typeof circuitBreaker>) => b.execute(fn),
  },
  {
    name: 'opossum default options',
    create: () => new OpossumBreaker(fn),
    call: (b: OpossumBreaker) => b.fire(),
    dispose: (b: OpossumBreaker) => b.shutdown(),
  },
];

/** Number of active (ref'ed) timers in this process, per process.getActiveResourcesInfo(). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Runs `body` while counting the timers it creates with setTimeout/setInterval and does not
 * clear: unref'ed timers (which getActiveResourcesInfo() does not list) are counted too.
 */
function countTimersCreated(body: () => void): number {
  const g = globalThis as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = {
    setTimeout: g.setTimeout!,
    setInterval: g.setInterval!,
    clearTimeout: g.clearTimeout!,
    clearInterval: g.clearInterval!,
  };
  const live = new Set<unknown>();
  g.setTimeout = (...a) => {
    const t = saved.setTimeout(...a);
    live.add(t);
    return t;
  };
  g.setInterval = (...a) => {
    const t = saved.setInterval(...a);
    live.add(t);
    return t;
  };
  g.clearTimeout = (t) => {
    live.delete(t);
    return saved.clearTimeout(t);
  };
  g.clearInterval = (t) => {
    live.delete(t);
    return saved.clearInterval(t);
  };
  try {
    body();
  } finally {
    Object.assign(g, saved);
  }
  return live.size;
}

async function settledHeap(): Promise<number> {
  await delay(5);
  fullGc();
  return process.memoryUsage().heapUsed;
}

/** A partitioned breaker: one MemoryBreaker per partition key (the per-key cost). */
function partitionKind(): BreakerKind<{ policy: CircuitBreakerPolicy; key: string }> {
  const policy = CircuitBreakerPolicy.create(`mem-part-${seq}`, {
    failureThreshold: 5,
    recoveryTimeMs: 10_000,
    partitionKey: (k: string) => k,
    maxPartitions: 1_000_000,
  });
  return {
    name: 'nest-resilience partition of one breaker (partitionKey)',
    create: (i) => {
      const key = `k${i}`;
      policy.backendFor([key]);
      return { policy, key };
    },
    call: (p) => p.policy.execute(fn, { args: [p.key] }),
  };
}

/** Measures every kind `reps` times with `count` breakers each. */
export async function measureMemory(count: number, reps: number): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  const all = [kinds[0]!, undefined, ...kinds.slice(1)];
  for (const fixed of all) {
    const idle: number[] = [];
    const called: number[] = [];
    let timers = 0;
    let created = 0;
    let name = '';
    for (let r = 0; r < reps; r++) {
      seq++;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- same heterogeneous kind as `kinds`
      const kind = fixed ?? (partitionKind() as BreakerKind<any>);
      name = kind.name;
      const timers0 = activeTimers();
      const h0 = await settledHeap();
      let list: unknown[] | undefined = new Array(count);
      if (r === 0)
        created = countTimersCreated(() => {
          for (let i = 0; i < count; i++) list![i] = kind.create(i);
        });
      else for (let i = 0; i < count; i++) list[i] = kind.create(i);
      const h1 = await settledHeap();
      if (r === 0) timers = activeTimers() - timers0;
      await Promise.all(list.map((b) => kind.call(b)));
      const h2 = await settledHeap();
      idle.push((h1 - h0) / count);
      called.push((h2 - h0) / count);
      if (kind.dispose) for (const b of list) kind.dispose(b);
      list = undefined;
    }
    rows.push({
      name,
      bytesIdle: median(idle),
      bytesAfterCall: median(called),
      timersIdle: timers,
      timersCreated: created,
      minIdle: Math.min(...idle),
      maxIdle: Math.max(...idle),
    });
  }
  return rows;
}
