import { describe, expect, it } from '@jest/globals';
import { systemClock } from '../../core/index.js';
import type { SlidingWindowSpec } from '../../core/store/store.js';
import { RedisStore } from '../index.js';
import { twoLanePlan } from '../testing-support/lanes.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Blocks the event loop for `ms` (a caller busy on a loaded machine). */
const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

// Real Redis, real time: the stamps are the server's clock (TIME), so no virtual clock can stand
// in. The 3 AM load spec's defect in small: a prompt reply, then callers slow to run (a starved
// process) — their requests leave well after Redis stamped their admissions.
describe('RedisSlidingWindow: admissions whose callers run late are counted from when they ran (real Redis)', () => {
  const t = useTestRedis();

  /** The log's own tokens per entry (server ms), from the hash (`h n B t<i> k<i>`, lane `q<r>:<i>`). */
  async function entries(prefix: string, lane?: number): Promise<Array<{ t: number; own: number; lane: number }>> {
    const [key] = await t.admin.keys(`${prefix}*`);
    const h = await t.admin.hgetall(key!);
    const out: Array<{ t: number; own: number; lane: number }> = [];
    let prev = Number(h.B ?? 0);
    let prevLane = Number(h[`b${lane}`] ?? 0);
    for (let i = Number(h.h); i < Number(h.n); i++) {
      const k = Number(h[`k${i}`]);
      const q = lane === undefined ? 0 : Number(h[`q${lane}:${i}`]);
      out.push({ t: Number(h[`t${i}`]), own: k - prev, lane: q - prevLane });
      prev = k;
      prevLane = q;
    }
    return out;
  }

  async function run(spec: SlidingWindowSpec, lane: number | undefined) {
    const prefix = uniquePrefix('window-restamp');
    t.prefixes.push(prefix);
    const store = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    t.stores.push(store);
    const window = store.createSlidingWindow({ policy: 'restamp', key: 'w' }, spec, systemClock);
    let ranAt = 0;
    // Three callers in one run: one script call admits them; the first blocks 120 ms once admitted.
    const calls = [0, 1, 2].map(async (i) => {
      await window.acquire(1, 10_000, undefined, lane);
      if (i === 0) busy(120);
      ranAt = Date.now();
    });
    await Promise.all(calls);
    await sleep(100); // the move (if any) is fire and forget
    return { ranAt, log: await entries(prefix, lane === undefined ? undefined : lane) };
  }

  // lateMs = safetyMarginMs / 4 = 10 ms: the reply itself is prompt (a local Redis), the callers are not.
  const spec = { limit: 10, windowMs: 60_000, safetyMarginMs: 40 };

  it('without lanes: the 3 tokens are stamped after the callers ran, none before', async () => {
    const { ranAt, log } = await run(spec, undefined);
    const before = log.filter((e) => e.t < ranAt - 5).reduce((a, e) => a + e.own, 0);
    const after = log.filter((e) => e.t >= ranAt - 5).reduce((a, e) => a + e.own, 0);
    expect({ before, after }).toEqual({ before: 0, after: 3 });
  });

  it("with lanes: the capped lane's count moves with them (what its cap counts)", async () => {
    const { ranAt, log } = await run({ ...spec, lanes: twoLanePlan(0, 0.5) }, 1);
    const sum = (xs: typeof log, f: (e: (typeof log)[number]) => number) => xs.reduce((a, e) => a + f(e), 0);
    const early = log.filter((e) => e.t < ranAt - 5);
    const late = log.filter((e) => e.t >= ranAt - 5);
    expect({ before: sum(early, (e) => e.own), batchBefore: sum(early, (e) => e.lane) }).toEqual({
      before: 0,
      batchBefore: 0,
    });
    expect({ after: sum(late, (e) => e.own), batchAfter: sum(late, (e) => e.lane) }).toEqual({
      after: 3,
      batchAfter: 3,
    });
  });
});
