// One process of the 3 AM suite (test/executor-3am.load-spec.ts): an Executor on the Redis store
// calling the local limited provider (test/support/limited-provider.ts), driven over IPC with the
// protocol of test/support/replicas.ts. Run with `node --import ./bench/register.mjs`.
import { RedisStore } from 'nest-resilience/redis';
import { Executor } from '../../libs/resilience/src/executor/executor.js';
import { PROVIDER_HEADERS } from '../support/limited-provider.js';
import { waitStats, type RunCommand, type RunResult, type WorkerConfig } from './config.js';
import { sharedNow } from '../support/shared-clock.js';

type Event = ReturnType<Executor['submit']>;
type Command = RunCommand | { cmd: 'exit' };

/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const config = JSON.parse(process.argv[2]!) as WorkerConfig;
const send = (msg: unknown) => process.send!(msg);
const quiet = { warn: () => undefined, log: () => undefined };

const store = await RedisStore.create({
  url: config.redisUrl,
  keyPrefix: config.keyPrefix,
  expectedReplicas: 3,
  logger: quiet,
});
const executor = Executor.create('openai', { ...config.executor, algorithm: 'sliding-window' }, { store });

/** Per event: its lane, its submission (local ms), whether it was interactive and its index. */
interface Tracked {
  lane: string;
  submittedAt: number;
  interactive: number; // -1 for batch
  /** Interactive submissions so far when this batch task left QUEUED. */
  leftQueuedSeq: number;
  calledAt: number;
}
const tracked = new Map<Event, Tracked>();

/** The ordering check: at a batch task's first CALLING, every interactive call submitted while it was QUEUED has called. */
const order = {
  submitted: 0,
  called: [] as boolean[],
  minUncalled: 0,
  overtaken: new Set<number>(),
  examples: [] as string[],
};

function onStatus(event: Event, status: string = event.status) {
  const t = tracked.get(event);
  if (t === undefined) return;
  if (t.interactive < 0 && t.leftQueuedSeq < 0 && status !== 'QUEUED' && status !== 'PENDING')
    t.leftQueuedSeq = order.submitted;
  if (status !== 'CALLING' || t.calledAt >= 0) return;
  t.calledAt = now();
  if (t.interactive >= 0) {
    order.called[t.interactive] = true;
    while (order.minUncalled < order.submitted && order.called[order.minUncalled] === true) order.minUncalled++;
    return;
  }
  // A batch task calls: it was QUEUED while interactive calls [0, leftQueuedSeq) were submitted.
  for (let i = order.minUncalled; i < t.leftQueuedSeq; i++) {
    if (order.called[i] === true || order.overtaken.has(i)) continue;
    order.overtaken.add(i);
    if (order.examples.length < 5) order.examples.push(`interactive #${i} overtaken by batch ${event.id}`);
  }
}
executor.onStatus((change) => onStatus(change.event as Event, change.to));

let client429 = 0;
const okByLane: Record<string, number> = {};

/** One chat completion through the provider; a 429 fails the attempt (no retry configured). */
function task(lane: string, id: string, estimate: number) {
  return async (ctx: { signal: AbortSignal; reportUsage(actualTokens: number): void }) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [PROVIDER_HEADERS.process]: config.name,
      [PROVIDER_HEADERS.lane]: lane,
      [PROVIDER_HEADERS.task]: id,
    };
    if (estimate > 0) headers[PROVIDER_HEADERS.estimate] = String(estimate);
    const res = await fetch(config.providerUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: id }], max_tokens: 1 }),
      signal: ctx.signal,
    });
    const body = (await res.json()) as { usage?: { total_tokens: number }; error?: { message: string } };
    if (res.status === 429) {
      client429++;
      throw new Error(`429 from the provider: ${body.error?.message}`);
    }
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    okByLane[lane] = (okByLane[lane] ?? 0) + 1;
    if (estimate > 0 && body.usage !== undefined) ctx.reportUsage(body.usage.total_tokens);
    return body;
  };
}

function submit(lane: string, id: string, interactive: number, estimate: number): Event {
  const t: Tracked = { lane, submittedAt: now(), interactive, leftQueuedSeq: -1, calledAt: -1 };
  const event = executor.submit(task(lane, id, estimate), {
    ...(config.executor.lanes === undefined ? {} : { lane }),
    ...(estimate > 0 ? { tokens: estimate } : {}),
    metadata: { process: config.name, id },
  });
  tracked.set(event, t);
  onStatus(event); // it may already have left QUEUED (a free slot) before the listener knew it
  return event;
}

async function run(c: RunCommand): Promise<RunResult> {
  await sleep(Math.max(0, c.startAt - now()));
  const start = now();
  const deadline = start + c.deadlineMs;
  const batchLane = c.batchLane ?? 'batch';
  const interactiveLane = c.interactiveLane ?? 'interactive';
  const events: Event[] = [];
  const submitted: Record<string, number> = {};
  const batch: Event[] = [];
  for (let i = 0; i < c.batch; i++) batch.push(submit(batchLane, `${config.name}-b${i}`, -1, c.estimate));
  events.push(...batch);
  submitted[batchLane] = batch.length;
  let batchMs = 0;
  let batchDone = c.batch === 0;
  const settle = (e: Event) =>
    e.result().then(
      () => undefined,
      () => undefined,
    );
  const batchSettled = Promise.all(batch.map(settle)).then(() => {
    batchDone = true;
    batchMs = now() - start;
  });
  let interactiveDuringBatch = 0;
  const interactive: Event[] = [];
  for (let i = 0; i < c.interactive && now() < deadline; i++) {
    if (c.interactiveWhileBatch && batchDone) break;
    if (c.batch > 0 && executor.snapshot().queuedByLane[batchLane]! > 0) interactiveDuringBatch++;
    const index = order.submitted++;
    const e = submit(interactiveLane, `${config.name}-i${i}`, index, c.estimate);
    interactive.push(e);
    await sleep(c.intervalMs);
  }
  events.push(...interactive);
  submitted[interactiveLane] = interactive.length;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - now()))));
  await Promise.race([Promise.all([batchSettled, ...interactive.map(settle)]), timeout]);
  clearTimeout(timer);

  const statuses: Record<string, Record<string, number>> = {};
  const errors: string[] = [];
  for (const e of events) {
    const t = tracked.get(e)!;
    const s = String(e.status);
    const key = s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELLED' ? s : 'NOT_TERMINAL';
    const byLane = (statuses[t.lane] ??= {});
    byLane[key] = (byLane[key] ?? 0) + 1;
    if (key !== 'COMPLETED' && errors.length < 5)
      errors.push(`${e.id} ${s} ${e.errorType ?? ''} ${e.errorMessage ?? ''}`);
  }
  const waits = interactive.flatMap((e) => {
    const t = tracked.get(e)!;
    return t.calledAt < 0 ? [] : [t.calledAt - t.submittedAt];
  });
  return {
    name: config.name,
    submitted,
    statuses,
    okByLane,
    client429,
    errors,
    interactiveWaits: waitStats(waits),
    overtaken: order.overtaken.size,
    overtakenExamples: order.examples,
    interactiveDuringBatch,
    batchMs: batchDone ? batchMs : -1,
  };
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      if (m.cmd === 'run') send({ ok: true, ...(await run(m)) });
      else if (m.cmd === 'exit') {
        await executor.stop({ drain: false });
        await store.close();
        send({ ok: true });
        process.disconnect();
      }
    } catch (error) {
      send({ ok: false, error: String((error as Error)?.stack ?? error) });
    }
  })();
});
process.on('unhandledRejection', (reason) => send({ ok: false, unhandled: String(reason) }));
send({ ready: true });
