/**
 * Benchmark suite of nest-resilience: `npm run bench`
 * (= node --expose-gc --import ./bench/register.mjs bench/run.ts).
 *
 * Options: --quick (fewer calls and tasks), --sections=1,2,3,4,5, --help.
 * Section 5 (Redis acquire vs PING vs rate-limiter-flexible) needs a Redis at REDIS_URL
 * (default redis://127.0.0.1:6379) and is skipped when none answers; run it alone with
 * `npm run bench -- --sections=5` or `node --import ./bench/register.mjs bench/redis-acquire.ts`.
 * Prints every section and a summary of targets; writes the same as markdown to bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import {
  bootTarget,
  measureConcurrent,
  measureSequential,
  overheadVariants,
  pairedRatio,
  type Measured,
} from './overhead.js';
import { activeTimers, measureMemory } from './memory.js';
import { limiterVariants, measureAccuracy, type AccuracyRow } from './limiter.js';
import { redisAcquireTable, redisAnswers, redisBenchTarget, runRedisAcquireBench } from './redis-acquire.js';
import { fmt } from './lib/stats.js';
import { markdownTable, targetTable, type TargetRow } from './lib/report.js';

const args = new Set(process.argv.slice(2));
if (args.has('--help')) {
  console.log(
    [
      'Usage: npm run bench -- [--quick] [--sections=1,2,3,4,5]',
      '  1 sequential overhead   2 throughput, 1,000 in flight   3 memory of idle breakers',
      '  4 limiter accuracy      5 Redis acquire vs raw PING vs rate-limiter-flexible (REDIS_URL; BENCH_N calls, default 5000)',
      'Writes bench/RESULTS.md.',
    ].join('\n'),
  );
  process.exit(0);
}
const quick = args.has('--quick');
const sectionsArg = process.argv.slice(2).find((a) => a.startsWith('--sections='));
const sections = new Set((sectionsArg?.slice('--sections='.length) ?? '1,2,3,4,5').split(','));
const REPS = quick ? 3 : 7;
const SEQ_CALLS = quick ? 20_000 : 100_000;
const IN_FLIGHT = 1000;
const PER_WORKER = quick ? 20 : 100;
const BREAKERS = 10_000;
const RATE = 500;
const TASKS = 3000;

if ((globalThis as { gc?: unknown }).gc === undefined)
  console.error('WARN: run with --expose-gc (npm run bench does) for section 3 and steady numbers');

const out: string[] = [];
const emit = (s: string) => {
  console.log(s);
  out.push(s);
};
const targets: TargetRow[] = [];
const byId = (rows: Measured[]) => Object.fromEntries(rows.map((r) => [r.id, r])) as Record<string, Measured>;

emit('# nest-resilience benchmark results\n');
emit(
  `Node ${process.version} (V8 ${process.versions.v8}), ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${os.platform()} ${os.release()}; ${new Date().toISOString()}${quick ? ' (--quick)' : ''}.`,
);
emit(
  `Load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ')} (other processes may share the CPUs: absolute figures vary; ratios come from interleaved reps).`,
);
emit(
  `Command: \`npm run bench\` (node --expose-gc --import ./bench/register.mjs bench/run.ts). ${REPS} reps per variant, interleaved, gc before each; medians (min–max).`,
);
emit(
  'Our variants are decorated methods of a provider created by `NestFactory.createApplicationContext` with `ResilienceModule.forRoot({})` (the registry the module creates and injects).\n',
);

const { target, app } = await bootTarget();
const variants = overheadVariants(target);

if (sections.has('1')) {
  const ids = [
    'bare',
    'ourRetry',
    'cockRetry',
    'ourBreaker',
    'coreBreaker',
    'cockBreaker',
    'opossum',
    'opossumDefault',
    'ourStack',
    'cockWrap',
  ];
  const rows = byId(await measureSequential(variants, ids, REPS, SEQ_CALLS));
  const bare = rows.bare!.median;
  emit(`## 1. Sequential overhead: ns per call (${fmt(SEQ_CALLS)} awaited calls per rep)\n`);
  emit(
    markdownTable(
      ['variant', 'median ns/call', 'min–max', '× bare (paired)', '+ns over bare'],
      ids.map((id) => {
        const r = rows[id]!;
        return [
          r.name,
          fmt(r.median),
          `${fmt(r.min)}–${fmt(r.max)}`,
          fmt(pairedRatio(r, rows.bare!), 2),
          fmt(r.median - bare),
        ];
      }),
    ) + '\n',
  );
  emit('Ratios in the summary are paired: the median over reps of (ours ÷ comparator) measured in the same rep.\n');
  const ratio = (a: string, b: string) => pairedRatio(rows[a]!, rows[b]!);
  targets.push(
    {
      section: '1',
      target: '@WithRetry ≤ 0.8× cockatiel retry (ns/call)',
      ours: `${fmt(rows.ourRetry!.median)} ns (${fmt(ratio('ourRetry', 'cockRetry'), 2)}×)`,
      comparator: `${fmt(rows.cockRetry!.median)} ns`,
      pass: ratio('ourRetry', 'cockRetry') <= 0.8,
    },
    {
      section: '1',
      target: '@CircuitBreaker ≤ 0.8× cockatiel breaker',
      ours: `${fmt(rows.ourBreaker!.median)} ns (${fmt(ratio('ourBreaker', 'cockBreaker'), 2)}×)`,
      comparator: `${fmt(rows.cockBreaker!.median)} ns; opossum ${fmt(rows.opossum!.median)} ns`,
      pass: ratio('ourBreaker', 'cockBreaker') <= 0.8,
    },
    {
      section: '1',
      target: 'stack ≤ 0.5× cockatiel wrap(retry, breaker)',
      ours: `${fmt(rows.ourStack!.median)} ns (${fmt(ratio('ourStack', 'cockWrap'), 2)}×)`,
      comparator: `${fmt(rows.cockWrap!.median)} ns`,
      pass: ratio('ourStack', 'cockWrap') <= 0.5,
    },
    {
      section: '1',
      target: 'stack ≤ 4× bare call',
      ours: `${fmt(ratio('ourStack', 'bare'), 2)}× (bare ${fmt(bare)} ns)`,
      comparator: `cockatiel wrap ${fmt(ratio('cockWrap', 'bare'), 2)}×`,
      pass: ratio('ourStack', 'bare') <= 4,
    },
  );
}

if (sections.has('2')) {
  const ids = ['bare', 'ourRetry', 'cockRetry', 'ourBreaker', 'cockBreaker', 'opossum', 'ourStack', 'cockWrap'];
  const rows = byId(await measureConcurrent(variants, ids, REPS, IN_FLIGHT, PER_WORKER));
  emit(
    `## 2. Throughput with ${fmt(IN_FLIGHT)} calls in flight (${fmt(IN_FLIGHT)} callers × ${PER_WORKER} awaited calls per rep): calls/s\n`,
  );
  emit(
    markdownTable(
      ['variant', 'median calls/s', 'min–max', '× bare time (paired)'],
      ids.map((id) => {
        const r = rows[id]!;
        return [r.name, fmt(r.median), `${fmt(r.min)}–${fmt(r.max)}`, fmt(pairedRatio(rows.bare!, r), 2)];
      }),
    ) + '\n',
  );
  const x = pairedRatio(rows.ourStack!, rows.cockWrap!);
  targets.push({
    section: '2',
    target: 'stack ≥ 2× cockatiel wrap throughput (1,000 in flight)',
    ours: `${fmt(rows.ourStack!.median)} calls/s (${fmt(x, 2)}×)`,
    comparator: `${fmt(rows.cockWrap!.median)} calls/s`,
    pass: x >= 2,
  });
}

for (const v of Object.values(variants)) await v.close?.();
await app.close();

if (sections.has('3')) {
  const rows = await measureMemory(BREAKERS, 3);
  emit(
    `## 3. Memory: ${fmt(BREAKERS)} breakers, heapUsed delta after gc (median of 3), timers from process.getActiveResourcesInfo()\n`,
  );
  emit(
    markdownTable(
      [
        'breaker',
        'bytes/breaker idle',
        'min–max',
        'bytes/breaker after 1 call each',
        'active timers added (getActiveResourcesInfo)',
        'timers created (incl. unref’d)',
      ],
      rows.map((r) => [
        r.name,
        fmt(r.bytesIdle),
        `${fmt(r.minIdle)}–${fmt(r.maxIdle)}`,
        fmt(r.bytesAfterCall),
        fmt(r.timersIdle),
        fmt(r.timersCreated),
      ]),
    ) + '\n',
  );
  emit(`Timers left active after the section: ${activeTimers()}.\n`);
  const ours = rows[0]!;
  const part = rows[1]!;
  const opossum = rows.find((r) => r.name.startsWith('opossum'))!;
  const cock = rows.find((r) => r.name.startsWith('cockatiel'))!;
  targets.push(
    {
      section: '3',
      target: 'heap per idle breaker ≤ 1 KB (one policy per name)',
      ours: `${fmt(ours.bytesIdle)} B (partition: ${fmt(part.bytesIdle)} B)`,
      comparator: `cockatiel ${fmt(cock.bytesIdle)} B; opossum ${fmt(opossum.bytesIdle)} B`,
      pass: ours.bytesIdle <= 1024,
    },
    {
      section: '3',
      target: 'timers for 10,000 idle breakers = 0',
      ours: `${ours.timersIdle} active, ${ours.timersCreated} created (partitions: ${part.timersIdle}, ${part.timersCreated})`,
      comparator: `cockatiel ${cock.timersIdle}, ${cock.timersCreated}; opossum ${fmt(opossum.timersIdle)} active, ${fmt(opossum.timersCreated)} created (unref’d)`,
      pass: ours.timersIdle + ours.timersCreated + part.timersIdle + part.timersCreated === 0,
    },
  );
}

if (sections.has('4')) {
  const rows: AccuracyRow[] = [];
  for (const make of limiterVariants(RATE)) rows.push(await measureAccuracy(make, RATE, quick ? 1000 : TASKS, 10_000));
  emit(
    `## 4. Limiter accuracy: ${fmt(quick ? 1000 : TASKS)} tasks submitted at once, ${RATE}/s, real clock; sliding 1 s windows starting at each task start\n`,
  );
  emit(
    'Bound = burst + rate × 1 s (token buckets) or the configured points per window (rate-limiter-flexible). Achieved = (starts after the burst) / time of the last start.\n',
  );
  emit(
    markdownTable(
      [
        'limiter',
        'started',
        'run ms',
        'bound per 1 s',
        'max starts in 1 s',
        'windows over bound',
        'achieved /s',
        '% of rate',
      ],
      rows.map((r) => [
        r.name + (r.timedOut ? ' (capped at 10 s)' : ''),
        fmt(r.completed),
        fmt(r.runMs),
        fmt(r.bound),
        fmt(r.maxInWindow),
        fmt(r.windowsOverBound),
        fmt(r.achievedPerSec, 1),
        fmt(r.achievedRatio * 100, 1),
      ]),
    ) + '\n',
  );
  const ours = rows.filter((r) => r.name.startsWith('nest-resilience'));
  const others = rows.filter((r) => !r.name.startsWith('nest-resilience'));
  const cmp = others
    .map((r) => `${r.name.split(' ')[0]}: ${fmt(r.windowsOverBound)} over, max ${fmt(r.maxInWindow)}`)
    .join('; ');
  for (const r of ours) {
    if (r.name.includes('sliding window')) {
      // The sliding window promises at most `rate` per window; its safety margin (3 % of the window by default) costs that much rate by design.
      targets.push(
        {
          section: '4',
          target: `sliding window: 0 windows over ${fmt(r.bound)} (rate per 1 s)`,
          ours: `${fmt(r.windowsOverBound)} (max ${fmt(r.maxInWindow)} in 1 s)`,
          comparator: cmp,
          pass: r.windowsOverBound === 0 && !r.timedOut,
        },
        {
          section: '4',
          target: `sliding window: achieved ≥ 95 % of ${RATE}/s`,
          ours: `${fmt(r.achievedRatio * 100, 1)} % (${fmt(r.achievedPerSec, 1)}/s)`,
          comparator: '–',
          pass: r.achievedRatio >= 0.95,
        },
      );
      continue;
    }
    const burst = fmt(r.bound - RATE);
    targets.push(
      {
        section: '4',
        target: `burst ${burst}: 0 windows over ${fmt(r.bound)} (burst + rate×1 s)`,
        ours: `${fmt(r.windowsOverBound)} (max ${fmt(r.maxInWindow)} in 1 s)`,
        comparator: cmp,
        pass: r.windowsOverBound === 0 && !r.timedOut,
      },
      {
        section: '4',
        target: `burst ${burst}: achieved ≥ 97 % of ${RATE}/s`,
        ours: `${fmt(r.achievedRatio * 100, 1)} % (${fmt(r.achievedPerSec, 1)}/s)`,
        comparator: others.map((o) => `${o.name.split(' ')[0]}: ${fmt(o.achievedRatio * 100, 1)} %`).join('; '),
        pass: r.achievedRatio >= 0.97,
      },
    );
  }
}

if (sections.has('5')) {
  const n = quick ? 1000 : Number(process.env.BENCH_N ?? 5000);
  emit(
    `## 5. Redis: one acquire vs a raw PING vs rate-limiter-flexible (${fmt(n)} sequential calls each, interleaved blocks, ${redisBenchTarget})\n`,
  );
  if (await redisAnswers()) {
    emit(redisAcquireTable(await runRedisAcquireBench(n)) + '\n');
    emit(
      'Every call is admitted (limits far above the load): this is the cost of one admission, one round trip plus the script.\n',
    );
  } else {
    emit(`Skipped: no Redis answers at ${redisBenchTarget} (set REDIS_URL or run scripts/ensure-redis.sh).\n`);
  }
}

emit('## Summary of targets\n');
emit(targetTable(targets) + '\n');
writeFileSync(new URL('./RESULTS.md', import.meta.url), out.join('\n') + '\n');
console.error(`wrote bench/RESULTS.md`);
