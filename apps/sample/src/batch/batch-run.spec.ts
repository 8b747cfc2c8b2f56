import { BudgetExceededError } from 'nest-resilience/llm';
import { formatSummary, isRefused, runBatch } from './batch-run.js';

const refusal = () =>
  new BudgetExceededError({
    budget: 'sample-daily',
    scope: 'global',
    scopeValue: undefined,
    limitUsd: 0.0001,
    spentUsd: 0.00009,
    reservedUsd: 0,
    requestedUsd: 0.00006,
    windowId: '2026-12-02',
    resetsAt: '2026-12-03T00:00:00.000+00:00',
    retryAfterMs: 3_600_000,
  });

describe('runBatch: cost and budget refusals', () => {
  it('sums the cost of the answered prompts, counts refusals (BudgetExceededError, 402) apart from failures, and prints them', async () => {
    let calls = 0;
    const summary = await runBatch({
      count: 10,
      concurrency: 1,
      probeEveryMs: 0,
      ask: async () => {
        calls++;
        if (calls === 5) throw Object.assign(new Error('boom'), { status: 500 });
        if (calls === 6)
          throw Object.assign(new Error("POST /ask answered 402: Budget 'sample-daily'"), { status: 402 });
        if (calls > 6) throw refusal();
        return { inputTokens: 10, outputTokens: 20, costUsd: calls === 4 ? null : 0.000015 };
      },
      budgets: async () => [
        {
          budget: 'sample-daily',
          limitUsd: 0.0001,
          spentUsd: 0.000045,
          reservedUsd: 0,
          windowId: '2026-12-02',
          resetsAt: '2026-12-03T00:00:00.000+00:00',
        },
      ],
      warnings: () => ["budget 'sample-daily' reached 80%"],
    });
    expect(summary).toMatchObject({ count: 10, done: 4, failed: 1, refused: 5, pricedCalls: 3, errors: ['boom'] });
    expect(summary.costUsd).toBeCloseTo(0.000045, 12);
    expect(summary.firstRefusal).toContain('answered 402');
    const text = formatSummary(summary).join('\n');
    expect(text).toContain('(done 4, failed 1, refused 5, cancelled 0)');
    expect(text).toContain('cost         0.000045 USD (3 priced answers');
    expect(text).toContain('refused      5 by a budget, before reaching the model');
    expect(text).toContain(
      'budget       sample-daily: 0.000045 of 0.000100 USD spent, 0.000000 reserved (window 2026-12-02',
    );
    expect(text).toContain("warning      budget 'sample-daily' reached 80%");
  });

  it('a refusal is a BudgetExceededError or a 402; a 429 or a 500 is not', () => {
    expect(isRefused(refusal())).toBe(true);
    expect(isRefused({ status: 402 })).toBe(true);
    expect(isRefused({ status: 429 })).toBe(false);
    expect(isRefused(new Error('x'))).toBe(false);
  });
});
