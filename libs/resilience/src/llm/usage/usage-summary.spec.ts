import { describe, expect, it } from '@jest/globals';
import { USAGE_OTHER_KEY, USAGE_SUMMARY_MAX_KEYS, UsageAggregate } from './usage-summary.js';
import type { UsageRecord } from './usage.types.js';

function rec(over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    time: '2026-03-10T12:00:00.000Z',
    modelName: 'chat',
    model: 'gpt-4o-mini',
    provider: 'openai',
    lane: 'default',
    status: 'completed',
    usageReported: true,
    inputTokens: 100,
    outputTokens: 20,
    cacheReadTokens: 30,
    cacheWriteTokens: 5,
    reasoningTokens: 7,
    totalTokens: 120,
    costUsd: 0.1,
    costEstimated: false,
    latencyMs: 50,
    eventId: 'e1',
    ...over,
  };
}

describe('UsageAggregate', () => {
  it('sums every token kind, counts non-completed calls as failed and unpriced calls apart', () => {
    const a = new UsageAggregate();
    a.add(rec());
    a.add(rec({ status: 'failed', inputTokens: 1, outputTokens: 0, totalTokens: 1, costUsd: null }));
    a.add(rec({ status: 'refused', costUsd: 0 }));
    a.add(rec({ status: 'cancelled' }));
    const s = a.toSummary('2026-03-10', '2026-03-10');
    expect(s).toMatchObject({
      from: '2026-03-10',
      to: '2026-03-10',
      calls: 4,
      failed: 3,
      inputTokens: 301,
      outputTokens: 60,
      cacheReadTokens: 120,
      cacheWriteTokens: 20,
      reasoningTokens: 28,
      totalTokens: 361,
      costUsd: 0.2,
      unpricedCalls: 1,
    });
  });

  it('sums costs exactly in nano-USD (ten calls of $0.1 are $1, not 0.9999999999999999)', () => {
    const a = new UsageAggregate();
    let float = 0;
    for (let i = 0; i < 10; i++) {
      a.add(rec({ costUsd: 0.1 }));
      float += 0.1;
    }
    expect(float).not.toBe(1);
    expect(a.toSummary('d', 'd').costUsd).toBe(1);
    const b = new UsageAggregate();
    b.add(rec({ costUsd: 0.1 }));
    b.add(rec({ costUsd: 0.2 }));
    expect(b.toSummary('d', 'd').costUsd).toBe(0.3);
  });

  it('breaks totals down by model id, provider and scope ((none) without a scope)', () => {
    const a = new UsageAggregate();
    a.add(rec({ model: 'gpt-4o-mini', scope: 'tenant-a' }));
    a.add(rec({ model: 'claude-sonnet-4-5', provider: 'anthropic', modelName: 'chat', scope: 'tenant-a' }));
    a.add(rec({ model: 'gpt-4o-mini' }));
    const s = a.toSummary('d', 'd');
    expect(Object.keys(s.byModel)).toEqual(['claude-sonnet-4-5', 'gpt-4o-mini']);
    expect(s.byModel['gpt-4o-mini'].calls).toBe(2);
    expect(s.byProvider.openai.calls).toBe(2);
    expect(s.byProvider.anthropic.calls).toBe(1);
    expect(s.byScope['tenant-a'].calls).toBe(2);
    expect(s.byScope['(none)'].calls).toBe(1);
  });

  it(`keeps at most ${USAGE_SUMMARY_MAX_KEYS} keys per map, the rest under (other)`, () => {
    const a = new UsageAggregate();
    for (let i = 0; i < USAGE_SUMMARY_MAX_KEYS + 5; i++) a.add(rec({ scope: `t${i}` }));
    const s = a.toSummary('d', 'd');
    expect(Object.keys(s.byScope)).toHaveLength(USAGE_SUMMARY_MAX_KEYS + 1);
    expect(s.byScope[USAGE_OTHER_KEY].calls).toBe(5);
    expect(s.byScope.t0.calls).toBe(1);
    expect(s.calls).toBe(USAGE_SUMMARY_MAX_KEYS + 5);
  });

  it('merges aggregates, costs still exact', () => {
    const a = new UsageAggregate();
    const b = new UsageAggregate();
    a.add(rec({ costUsd: 0.1, scope: 'x' }));
    b.add(rec({ costUsd: 0.2, scope: 'x', model: 'gpt-5' }));
    a.merge(b);
    const s = a.toSummary('d', 'e');
    expect(s.calls).toBe(2);
    expect(s.costUsd).toBe(0.3);
    expect(s.byScope.x.costUsd).toBe(0.3);
    expect(Object.keys(s.byModel)).toEqual(['gpt-4o-mini', 'gpt-5']);
  });

  it('ignores malformed counts instead of poisoning a total', () => {
    const a = new UsageAggregate();
    a.add(rec({ inputTokens: NaN, outputTokens: -3, costUsd: Infinity }));
    const s = a.toSummary('d', 'd');
    expect(s.inputTokens).toBe(0);
    expect(s.outputTokens).toBe(0);
    expect(s.unpricedCalls).toBe(1);
  });
});
