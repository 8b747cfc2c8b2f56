/**
 * Sections 1 (sequential ns/call) and 2 (calls/s at 1,000 in flight): which variants each runs,
 * the markdown tables, and the targets (ours against each peer, paired ratios of time per call).
 */
import { measureConcurrent, measureSequential, pairedRatio, type Measured } from './overhead.js';
import type { Variant } from './lib/variant.js';
import { fmt } from './lib/stats.js';
import { markdownTable, type TargetRow } from './lib/report.js';

/** A target: time per call of `ours` ≤ `max` × time per call of `peer`. */
interface Goal {
  ours: string;
  peer: string;
  max: number;
  label: string;
}

const SEQUENTIAL_IDS = [
  'bare',
  'ourRetry',
  'cockRetry',
  'ourBreaker',
  'coreBreaker',
  'cockBreaker',
  'opossum',
  'opossumDefault',
  'ourTimeout',
  'coreTimeout',
  'cockTimeout',
  'cockTimeoutAggressive',
  'ourBulkhead',
  'coreBulkhead',
  'cockBulkhead',
  'pLimit',
  'ourStack',
  'ourStackListened',
  'cockWrap',
];
const CONCURRENT_IDS = SEQUENTIAL_IDS.filter((id) => !['coreBreaker', 'opossumDefault'].includes(id));

const SEQUENTIAL_GOALS: Goal[] = [
  { ours: 'ourRetry', peer: 'cockRetry', max: 0.8, label: '@WithRetry ≤ 0.8× cockatiel retry (ns/call)' },
  { ours: 'ourBreaker', peer: 'cockBreaker', max: 0.8, label: '@CircuitBreaker ≤ 0.8× cockatiel breaker' },
  { ours: 'ourTimeout', peer: 'cockTimeout', max: 0.8, label: '@Timeout ≤ 0.8× cockatiel timeout (Cooperative)' },
  {
    ours: 'ourTimeout',
    peer: 'cockTimeoutAggressive',
    max: 0.8,
    label: '@Timeout ≤ 0.8× cockatiel timeout (Aggressive)',
  },
  { ours: 'ourBulkhead', peer: 'cockBulkhead', max: 0.8, label: '@Bulkhead ≤ 0.8× cockatiel bulkhead' },
  { ours: 'ourBulkhead', peer: 'pLimit', max: 0.8, label: '@Bulkhead ≤ 0.8× p-limit' },
  { ours: 'ourStack', peer: 'cockWrap', max: 0.3, label: 'stack ≤ 0.3× cockatiel wrap(retry, breaker)' },
  { ours: 'ourStack', peer: 'bare', max: 3, label: 'stack ≤ 3× bare call' },
];
const CONCURRENT_GOALS: Goal[] = [
  { ours: 'ourTimeout', peer: 'cockTimeout', max: 0.8, label: '@Timeout ≤ 0.8× cockatiel timeout (Cooperative)' },
  {
    ours: 'ourTimeout',
    peer: 'cockTimeoutAggressive',
    max: 0.8,
    label: '@Timeout ≤ 0.8× cockatiel timeout (Aggressive)',
  },
  { ours: 'ourBulkhead', peer: 'cockBulkhead', max: 0.8, label: '@Bulkhead ≤ 0.8× cockatiel bulkhead (900 waiting)' },
  { ours: 'ourBulkhead', peer: 'pLimit', max: 0.8, label: '@Bulkhead ≤ 0.8× p-limit (900 waiting)' },
  { ours: 'ourStack', peer: 'cockWrap', max: 0.5, label: 'stack ≥ 2× cockatiel wrap throughput' },
];

/** Options shared by both sections; `only` keeps the ids it matches (plus `bare`). */
export interface SectionRun {
  variants: Record<string, Variant>;
  reps: number;
  only?: RegExp;
  emit: (s: string) => void;
  targets: TargetRow[];
}

const pick = (ids: readonly string[], only?: RegExp) => ids.filter((id) => id === 'bare' || !only || only.test(id));
const byId = (rows: Measured[]) => Object.fromEntries(rows.map((r) => [r.id, r])) as Record<string, Measured>;

/** Targets whose two rows were measured; `time(a, b)` is the paired ratio of time per call. */
function goals(run: SectionRun, section: string, list: Goal[], time: (a: string, b: string) => number, unit: string) {
  return (rows: Record<string, Measured>) => {
    for (const g of list) {
      if (rows[g.ours] === undefined || rows[g.peer] === undefined) continue;
      const x = time(g.ours, g.peer);
      run.targets.push({
        section,
        target: g.label,
        ours: `${fmt(rows[g.ours]!.median)} ${unit} (${fmt(x, 2)}× the time)`,
        comparator: `${fmt(rows[g.peer]!.median)} ${unit}`,
        pass: x <= g.max,
      });
    }
  };
}

/** The events line: the stack with one listener against the stack with none (paired, same rep). */
function eventsLine(rows: Record<string, Measured>, time: (a: string, b: string) => number, seen: number): string {
  if (rows.ourStackListened === undefined || rows.ourStack === undefined) return '';
  const x = time('ourStackListened', 'ourStack');
  return `Events: the three-decorator stack with one \`onSuccess\` listener on its breaker takes ${fmt(x, 2)}× the time of the same stack with none (the listener ran ${fmt(seen)} times).\n`;
}

/** Section 1: ns per sequential call. */
export async function sequentialSection(run: SectionRun, calls: number, eventsSeen: () => number): Promise<void> {
  const ids = pick(SEQUENTIAL_IDS, run.only);
  const rows = byId(await measureSequential(run.variants, ids, run.reps, calls));
  const time = (a: string, b: string) => pairedRatio(rows[a]!, rows[b]!);
  const bare = rows.bare!.median;
  run.emit(`## 1. Sequential overhead: ns per call (${fmt(calls)} awaited calls per rep)\n`);
  run.emit(
    markdownTable(
      ['variant', 'median ns/call', 'min–max', '× bare (paired)', '+ns over bare'],
      ids.map((id) => {
        const r = rows[id]!;
        return [r.name, fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`, fmt(time(id, 'bare'), 2), fmt(r.median - bare)];
      }),
    ) + '\n',
  );
  run.emit('Ratios in the summary are paired: the median over reps of (ours ÷ comparator) measured in the same rep.\n');
  const events = eventsLine(rows, time, eventsSeen());
  if (events !== '') run.emit(events);
  goals(run, '1', SEQUENTIAL_GOALS, time, 'ns')(rows);
}

/** Section 2: calls/s with `inFlight` callers each looping `perWorker` awaited calls. */
export async function concurrentSection(
  run: SectionRun,
  inFlight: number,
  perWorker: number,
  eventsSeen: () => number,
): Promise<void> {
  const ids = pick(CONCURRENT_IDS, run.only);
  const rows = byId(await measureConcurrent(run.variants, ids, run.reps, inFlight, perWorker));
  // calls/s: the time ratio of a to b is b's rate over a's.
  const time = (a: string, b: string) => pairedRatio(rows[b]!, rows[a]!);
  run.emit(
    `## 2. Throughput with ${fmt(inFlight)} calls in flight (${fmt(inFlight)} callers × ${perWorker} awaited calls per rep): calls/s\n`,
  );
  run.emit(
    markdownTable(
      ['variant', 'median calls/s', 'min–max', '× bare time (paired)'],
      ids.map((id) => {
        const r = rows[id]!;
        return [r.name, fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`, fmt(time(id, 'bare'), 2)];
      }),
    ) + '\n',
  );
  const events = eventsLine(rows, time, eventsSeen());
  if (events !== '') run.emit(events);
  goals(run, '2', CONCURRENT_GOALS, time, 'calls/s')(rows);
}
