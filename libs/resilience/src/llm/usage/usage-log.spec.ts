import { beforeEach, describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { UsageLog } from './usage-log.js';
import type { UsageRecord, UsageSink } from './usage.types.js';

let clock: VirtualClock;
let warnings: string[];
const logger = { warn: (m: string) => warnings.push(m) };

beforeEach(() => {
  clock = new VirtualClock(Date.UTC(2026, 2, 10, 12, 0, 0));
  warnings = [];
});

function rec(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    time: new Date(clock.now()).toISOString(),
    modelName: 'chat',
    model: 'gpt-4o-mini',
    provider: 'openai',
    lane: 'default',
    status: 'completed',
    usageReported: true,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    totalTokens: 15,
    costUsd: 0.1,
    costEstimated: false,
    latencyMs: 12,
    eventId: 'e',
    ...over,
  };
}

/** A sink that keeps its batches; `mode` decides how `write` ends. */
function captureSink(name = 'capture', mode: { value: 'ok' | 'reject' | 'throw' | 'hang' } = { value: 'ok' }) {
  const batches: UsageRecord[][] = [];
  let closed = 0;
  const sink: UsageSink = {
    name,
    write(records) {
      batches.push([...records]);
      if (mode.value === 'throw') throw new Error('boom sk-canary-ABCDEFGHIJ');
      if (mode.value === 'reject') return Promise.reject(new Error('down'));
      if (mode.value === 'hang') return new Promise<void>(() => undefined);
      return Promise.resolve();
    },
    close() {
      closed++;
    },
  };
  return { sink, batches, mode, closed: () => closed, records: () => batches.flat() };
}

describe('UsageLog.record', () => {
  it('hands each record to the sinks with every field, without text unless includeText', async () => {
    const c = captureSink();
    const log = UsageLog.create({ sinks: [c.sink] }, { clock });
    const r = rec({
      errorType: 'TimeoutError',
      requestId: 'req_1',
      scope: 'tenant-a',
      metadata: { feature: 'search' },
      prompt: 'secret prompt',
      completion: 'secret completion',
    });
    log.record(r);
    await log.flush();
    const { prompt, completion, ...rest } = r;
    expect(prompt).toBeDefined();
    expect(completion).toBeDefined();
    expect(c.records()).toEqual([rest]);
    // The documented field order.
    expect(Object.keys(c.records()[0])).toEqual([
      'time',
      'modelName',
      'model',
      'provider',
      'lane',
      'status',
      'errorType',
      'usageReported',
      'inputTokens',
      'outputTokens',
      'cacheReadTokens',
      'cacheWriteTokens',
      'reasoningTokens',
      'totalTokens',
      'costUsd',
      'costEstimated',
      'latencyMs',
      'requestId',
      'eventId',
      'scope',
      'metadata',
    ]);
    expect(log.includeText).toBe(false);

    const t = captureSink();
    const withText = UsageLog.create({ sinks: [t.sink], includeText: true }, { clock });
    expect(withText.includeText).toBe(true);
    withText.record(r);
    await withText.flush();
    expect(t.records()[0].prompt).toBe('secret prompt');
    expect(t.records()[0].completion).toBe('secret completion');
  });

  it('scrubs key-shaped strings and credential-named values from metadata', async () => {
    const c = captureSink();
    const log = UsageLog.create({ sinks: [c.sink] }, { clock });
    log.record(
      rec({
        metadata: {
          note: 'key sk-canary-1234567890abcdef',
          apiKey: 'plain',
          nested: { list: ['Bearer abcdef123'] },
          n: 10n,
        },
      }),
    );
    await log.flush();
    const line = JSON.stringify(c.records()[0]);
    expect(line).not.toContain('sk-canary');
    expect(line).not.toContain('plain');
    expect(line).not.toContain('abcdef123');
    expect(c.records()[0].metadata).toEqual({
      note: 'key [REDACTED]',
      apiKey: '[REDACTED]',
      nested: { list: ['Bearer [REDACTED]'] },
      n: '10',
    });
  });

  it('batches the records of one tick into one write (no timer per record)', async () => {
    const c = captureSink();
    const log = UsageLog.create({ sinks: [c.sink] }, { clock });
    for (let i = 0; i < 100; i++) log.record(rec({ eventId: `e${i}` }));
    expect(c.batches).toHaveLength(0);
    expect(clock.pendingTimers()).toBe(0);
    await flushMicrotasks();
    expect(c.batches).toHaveLength(1);
    expect(c.batches[0].map((r) => r.eventId)).toEqual(Array.from({ length: 100 }, (_, i) => `e${i}`));
    await log.flush();
    expect(log.stats()).toEqual({ recorded: 100, written: 100, dropped: 0, failed: 0 });
  });

  it('never throws, even for a malformed record', () => {
    const log = UsageLog.create({}, { clock, logger });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => log.record(null as unknown as UsageRecord)).not.toThrow();
    expect(() => log.record(rec({ metadata: circular }))).not.toThrow();
    expect(log.stats()).toMatchObject({ recorded: 1, dropped: 1 });
    expect(warnings).toHaveLength(1);
  });

  it('a never-resolving sink: record() stays synchronous, the buffer bound drops and counts, reported once', async () => {
    const hung = captureSink('hung', { value: 'hang' });
    const ok = captureSink('ok');
    const log = UsageLog.create({ sinks: [hung.sink, ok.sink], maxBuffered: 5 }, { clock, logger });
    log.record(rec({ eventId: 'first' }));
    await flushMicrotasks(); // the first batch is now in flight, forever
    for (let i = 0; i < 20; i++) {
      const started = clock.now();
      log.record(rec({ eventId: `r${i}` }));
      expect(clock.now()).toBe(started);
      await flushMicrotasks(); // the healthy sink keeps up
    }
    expect(hung.batches).toHaveLength(1);
    expect(ok.records()).toHaveLength(21);
    // 21 + 21 deliveries: ok wrote 21, hung took 1 (in flight), 5 wait, 15 dropped.
    expect(log.stats()).toEqual({ recorded: 21, written: 21, dropped: 15, failed: 0 });
    expect(warnings.filter((w) => w.includes("'hung' is behind"))).toHaveLength(1);
    expect(log.getDailySummary().calls).toBe(21);
  });

  it('a failing sink: its batches counted as failed, reported once per episode, next batches tried, other sinks written', async () => {
    const bad = captureSink('bad', { value: 'reject' });
    const ok = captureSink('ok');
    const log = UsageLog.create({ sinks: [bad.sink, ok.sink] }, { clock, logger });
    log.record(rec());
    await log.flush();
    log.record(rec());
    log.record(rec());
    await log.flush();
    expect(bad.batches).toHaveLength(2);
    expect(ok.records()).toHaveLength(3);
    expect(log.stats()).toEqual({ recorded: 3, written: 3, dropped: 0, failed: 3 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("sink 'bad' failed");
    bad.mode.value = 'ok';
    log.record(rec());
    await log.flush();
    expect(log.stats()).toMatchObject({ written: 5, failed: 3 });
    bad.mode.value = 'throw';
    log.record(rec());
    await log.flush();
    expect(log.stats()).toMatchObject({ failed: 4 });
    expect(warnings).toHaveLength(2); // a new episode
    expect(warnings.join('\n')).not.toContain('sk-canary');
  });

  it('close() flushes, closes the sinks once, and later records count as dropped', async () => {
    const c = captureSink();
    const log = UsageLog.create({ sinks: [c.sink] }, { clock, logger });
    log.record(rec());
    log.record(rec());
    await Promise.all([log.close(), log.close()]);
    expect(c.records()).toHaveLength(2);
    expect(c.closed()).toBe(1);
    log.record(rec());
    await flushMicrotasks();
    expect(c.records()).toHaveLength(2);
    expect(log.stats()).toEqual({ recorded: 2, written: 2, dropped: 1, failed: 0 });
    await log.close();
    expect(c.closed()).toBe(1);
  });

  it('close() gives up on a hung sink after its timeout and counts what is left', async () => {
    const hung = captureSink('hung', { value: 'hang' });
    const log = UsageLog.create({ sinks: [hung.sink] }, { clock, logger });
    log.record(rec());
    await flushMicrotasks();
    log.record(rec());
    let done = false;
    void log.close().then(() => (done = true));
    await clock.advance(9_999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(log.stats()).toEqual({ recorded: 2, written: 0, dropped: 1, failed: 1 });
    expect(hung.closed()).toBe(1);
  });
});

describe('UsageLog summaries (in memory)', () => {
  it('getDailySummary: today in the time zone, or a given day; exact costs', () => {
    const log = UsageLog.create({ timeZone: 'America/New_York' }, { clock });
    // 2026-03-10T03:00Z is still the 9th in New York.
    log.record(rec({ time: '2026-03-10T03:00:00.000Z', costUsd: 0.7 }));
    for (let i = 0; i < 10; i++) log.record(rec({ costUsd: 0.1, scope: 'acme' }));
    const today = log.getDailySummary();
    expect(today.from).toBe('2026-03-10');
    expect(today.calls).toBe(10);
    expect(today.costUsd).toBe(1);
    expect(today.byScope.acme.calls).toBe(10);
    expect(log.getDailySummary('2026-03-09').costUsd).toBe(0.7);
    expect(log.getDailySummary(new Date('2026-03-10T03:00:00.000Z')).costUsd).toBe(0.7);
    expect(log.getDailySummary('2026-03-08').calls).toBe(0);
  });

  it('keeps keepDays days of aggregates', () => {
    const log = UsageLog.create({ keepDays: 2 }, { clock });
    log.record(rec({ time: '2026-03-08T10:00:00.000Z' }));
    log.record(rec({ time: '2026-03-09T10:00:00.000Z' }));
    log.record(rec({ time: '2026-03-10T10:00:00.000Z' }));
    log.record(rec({ time: '2026-03-07T10:00:00.000Z' }));
    expect(log.getDailySummary('2026-03-08').calls).toBe(0);
    expect(log.getDailySummary('2026-03-07').calls).toBe(0);
    expect(log.getDailySummary('2026-03-09').calls).toBe(1);
    expect(log.getDailySummary('2026-03-10').calls).toBe(1);
    expect(log.stats().recorded).toBe(4);
  });

  it('summarize: the in-memory days of the range', async () => {
    const log = UsageLog.create({}, { clock });
    log.record(rec({ time: '2026-03-08T10:00:00.000Z', costUsd: 0.1 }));
    log.record(rec({ time: '2026-03-09T10:00:00.000Z', costUsd: 0.2 }));
    log.record(rec({ time: '2026-03-10T10:00:00.000Z', costUsd: 0.4 }));
    const s = await log.summarize('2026-03-09', new Date('2026-03-10T23:00:00.000Z'));
    expect(s).toMatchObject({ from: '2026-03-09', to: '2026-03-10', calls: 2, costUsd: 0.6 });
    await expect(log.summarize('2026-03-10', '2026-03-09')).rejects.toThrow(/to/);
    await expect(log.summarize('2026-02-30', '2026-03-09')).rejects.toThrow(/from/);
  });
});
