import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../core/clock.js';
import { FileUsageSink } from './file-usage-sink.js';
import { UsageLog } from './usage-log.js';
import type { UsageRecord, UsageSink } from './usage.types.js';

const CANARY = 'sk-canary-7f3a9c1e5b2d4f60';
let dir: string;
let clock: VirtualClock;
let warnings: string[];
const logger = { warn: (m: string) => warnings.push(m) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'usage-log-'));
  clock = new VirtualClock(Date.UTC(2026, 2, 10, 12, 0, 0));
  warnings = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rec(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    time: new Date(clock.now()).toISOString(),
    modelName: 'chat',
    model: 'gpt-4o-mini',
    provider: 'openai',
    lane: 'default',
    status: 'completed',
    usageReported: true,
    inputTokens: 1000,
    outputTokens: 200,
    cacheReadTokens: 300,
    cacheWriteTokens: 0,
    reasoningTokens: 50,
    totalTokens: 1200,
    costUsd: 0.1,
    costEstimated: false,
    latencyMs: 321,
    eventId: 'evt-1',
    ...over,
  };
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('UsageLog with dir (the file sink)', () => {
  it('writes one line per record with every field; no text, no canary key', async () => {
    const log = UsageLog.create({ dir }, { clock });
    const full = rec({
      errorType: 'ProviderError',
      status: 'failed',
      requestId: 'req_abc',
      scope: 'tenant-a',
      metadata: { user: 'u1', debug: `header was Bearer ${CANARY}`, key: CANARY },
      prompt: 'the prompt text',
      completion: 'the completion text',
    });
    log.record(full);
    log.record(rec({ eventId: 'evt-2', costUsd: null }));
    await log.flush();
    expect(readdirSync(dir)).toEqual(['usage-2026-03-10.jsonl']);
    const raw = readFileSync(join(dir, 'usage-2026-03-10.jsonl'), 'utf8');
    expect(raw).not.toContain('sk-canary');
    expect(raw).not.toContain('the prompt text');
    expect(raw).not.toContain('the completion text');
    const [first, second] = lines('usage-2026-03-10.jsonl');
    const { prompt: _p, completion: _c, metadata: _m, ...fields } = full;
    expect(first).toMatchObject(fields);
    expect(first.metadata).toEqual({ user: 'u1', debug: 'header was Bearer [REDACTED]', key: '[REDACTED]' });
    expect(second).toMatchObject({ eventId: 'evt-2', costUsd: null });
    expect(log.stats()).toEqual({ recorded: 2, written: 2, dropped: 0, failed: 0 });
  });

  it('keeps the text with includeText', async () => {
    const log = UsageLog.create({ dir, includeText: true, prefix: 'calls' }, { clock });
    log.record(rec({ prompt: 'hello', completion: 'world' }));
    await log.close();
    expect(lines('calls-2026-03-10.jsonl')[0]).toMatchObject({ prompt: 'hello', completion: 'world' });
  });

  it('rotates at midnight of the time zone', async () => {
    // Europe/Paris is UTC+1 on 10 March 2026: 22:59Z is 23:59 on the 10th, 23:01Z is 00:01 on the 11th.
    clock = new VirtualClock(Date.UTC(2026, 2, 10, 22, 59, 0));
    const log = UsageLog.create({ dir, timeZone: 'Europe/Paris' }, { clock });
    log.record(rec({ eventId: 'before' }));
    await log.flush();
    await clock.advance(2 * 60_000);
    log.record(rec({ eventId: 'after' }));
    await log.flush();
    expect(readdirSync(dir).sort()).toEqual(['usage-2026-03-10.jsonl', 'usage-2026-03-11.jsonl']);
    expect(lines('usage-2026-03-10.jsonl').map((l) => l.eventId)).toEqual(['before']);
    expect(lines('usage-2026-03-11.jsonl').map((l) => l.eventId)).toEqual(['after']);
    expect(log.getDailySummary().from).toBe('2026-03-11');
    expect(log.getDailySummary().calls).toBe(1);
    expect(log.getDailySummary('2026-03-10').calls).toBe(1);
  });

  it('rebuilds the daily aggregates from the files after a restart (bad lines skipped and reported)', async () => {
    const first = UsageLog.create({ dir }, { clock });
    for (let i = 0; i < 10; i++) first.record(rec({ costUsd: 0.1, scope: i < 4 ? 'acme' : undefined }));
    first.record(rec({ time: '2026-03-09T08:00:00.000Z', costUsd: 0.25 }));
    await first.close();
    appendFileSync(join(dir, 'usage-2026-03-10.jsonl'), '{not json\n"a string"\n');
    writeFileSync(
      join(dir, 'usage-2026-01-01.jsonl'),
      `${JSON.stringify(rec({ time: '2026-01-01T08:00:00.000Z' }))}\n`,
    );

    const second = UsageLog.create({ dir, keepDays: 7 }, { clock, logger });
    const today = second.getDailySummary();
    expect(today).toMatchObject({ from: '2026-03-10', calls: 10, costUsd: 1, inputTokens: 10_000 });
    expect(today.byScope).toMatchObject({ acme: { calls: 4 }, '(none)': { calls: 6 } });
    expect(second.getDailySummary('2026-03-09').costUsd).toBe(0.25);
    expect(second.getDailySummary('2026-01-01').calls).toBe(0); // older than keepDays
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('skipped 2 unreadable lines');
    second.record(rec({ costUsd: 0.2 }));
    expect(second.getDailySummary().costUsd).toBe(1.2);
  });

  it('rebuilds from a file larger than the read chunk (lines across chunk boundaries, UTF-8 text)', async () => {
    const first = UsageLog.create({ dir }, { clock });
    for (let i = 0; i < 2000; i++) first.record(rec({ costUsd: 0.001, metadata: { note: `é ${'x'.repeat(i % 97)}` } }));
    await first.close();
    expect(readFileSync(join(dir, 'usage-2026-03-10.jsonl')).length).toBeGreaterThan(3 * 65_536);
    const second = UsageLog.create({ dir }, { clock, logger });
    expect(second.getDailySummary()).toMatchObject({ calls: 2000, costUsd: 2 });
    expect(warnings).toEqual([]);
  });

  it('summarize reads the files of the range, all days (not only keepDays)', async () => {
    const log = UsageLog.create({ dir, keepDays: 1 }, { clock, logger });
    log.record(rec({ time: '2026-01-01T08:00:00.000Z', costUsd: 0.1, model: 'gpt-5' }));
    log.record(rec({ time: '2026-03-01T08:00:00.000Z', costUsd: 0.2 }));
    log.record(rec({ time: '2026-03-05T08:00:00.000Z', costUsd: 0.4, provider: 'anthropic', model: 'claude-x' }));
    log.record(rec({ costUsd: 0.8 }));
    appendFileSync(join(dir, 'usage-2026-03-01.jsonl'), 'garbage\n');
    const s = await log.summarize('2026-01-01', '2026-03-05');
    expect(s).toMatchObject({ from: '2026-01-01', to: '2026-03-05', calls: 3, costUsd: 0.7 });
    expect(Object.keys(s.byModel)).toEqual(['claude-x', 'gpt-4o-mini', 'gpt-5']);
    expect(s.byProvider).toMatchObject({ openai: { calls: 2 }, anthropic: { calls: 1 } });
    expect(warnings).toEqual([expect.stringContaining('skipped 1 unreadable lines')]);
    expect((await log.summarize('2026-03-10', '2026-03-10')).costUsd).toBe(0.8);
    expect((await log.summarize('2025-01-01', '2025-12-31')).calls).toBe(0);
  });

  it('a failing custom sink does not stop the file lines', async () => {
    const bad: UsageSink = {
      name: 'warehouse',
      write: () => Promise.reject(new Error('503')),
    };
    const log = UsageLog.create({ dir, sinks: [bad] }, { clock, logger });
    log.record(rec());
    await log.flush();
    log.record(rec());
    await log.flush();
    expect(lines('usage-2026-03-10.jsonl')).toHaveLength(2);
    expect(log.stats()).toEqual({ recorded: 2, written: 2, dropped: 0, failed: 2 });
    expect(warnings).toEqual([expect.stringContaining("sink 'warehouse' failed")]);
  });
});

describe('FileUsageSink', () => {
  it('creates the directory, appends batches in order, one file per day of the records', async () => {
    const nested = join(dir, 'a', 'b');
    const sink = FileUsageSink.create({ dir: nested, timeZone: 'Asia/Tokyo' });
    // Tokyo is UTC+9: 14:59Z is 23:59 on the 10th, 15:01Z 00:01 on the 11th.
    const p1 = sink.write([rec({ eventId: '1', time: '2026-03-10T14:59:00.000Z' })]);
    const p2 = sink.write([
      rec({ eventId: '2', time: '2026-03-10T14:59:30.000Z' }),
      rec({ eventId: '3', time: '2026-03-10T15:01:00.000Z' }),
    ]);
    await Promise.all([p1, p2]);
    await sink.close();
    const read = (f: string) =>
      readFileSync(join(nested, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as UsageRecord).eventId);
    expect(read('usage-2026-03-10.jsonl')).toEqual(['1', '2']);
    expect(read('usage-2026-03-11.jsonl')).toEqual(['3']);
    expect(sink.fileOf('2026-03-11')).toBe(join(nested, 'usage-2026-03-11.jsonl'));
  });

  it('creates the directory again when it was removed', async () => {
    const sink = FileUsageSink.create({ dir: join(dir, 'logs') });
    rmSync(join(dir, 'logs'), { recursive: true });
    await sink.write([rec()]);
    expect(readdirSync(join(dir, 'logs'))).toEqual(['usage-2026-03-10.jsonl']);
  });

  it('validates its options', () => {
    expect(() => FileUsageSink.create({ dir: '' })).toThrow(/costs\.usageLog\.dir/);
    expect(() => FileUsageSink.create({ dir, timeZone: 'Nowhere/X' }, 'sink')).toThrow(/sink\.timeZone/);
  });
});
