import { describe, expect, it } from '@jest/globals';
import { isResilienceError } from '../../core/errors/resilience.error.js';
import { BudgetExceededError, formatUsd, isBudgetExceededError } from './budget-exceeded.error.js';

const details = {
  budget: 'per-tenant',
  scope: 'key' as const,
  scopeValue: 'tenant-a',
  limitUsd: 0.05,
  spentUsd: 0.049,
  reservedUsd: 0.0005,
  requestedUsd: 0.000725,
  windowId: 'rolling',
  resetsAt: '2026-12-02T12:01:00.000Z',
  retryAfterMs: 30_000,
};

describe('BudgetExceededError', () => {
  it('names the budget, scope value, the numbers and the reset; permanent; branded', () => {
    const e = new BudgetExceededError(details);
    expect(e.message).toBe(
      "Budget 'per-tenant' (key 'tenant-a') exceeded in window rolling: 0.049 of 0.05 USD spent, 0.0005 reserved, 0.000725 requested; resets at 2026-12-02T12:01:00.000Z",
    );
    expect(e.name).toBe('BudgetExceededError');
    expect(e.isTransient).toBe(false);
    expect(isBudgetExceededError(e)).toBe(true);
    expect(isResilienceError(e)).toBe(true);
    expect(isBudgetExceededError(new Error('x'))).toBe(false);
    expect(isBudgetExceededError(Object.assign(new Error('copy'), { isBudgetExceededError: true }))).toBe(true);
    expect(e).toMatchObject(details);
  });

  it('toJSON is log-safe and carries every field', () => {
    const json = new BudgetExceededError({ ...details, scope: 'global', scopeValue: undefined }).toJSON();
    expect(json).toEqual({
      name: 'BudgetExceededError',
      message: expect.stringContaining("Budget 'per-tenant' (global)"),
      isTransient: false,
      ...details,
      scope: 'global',
      scopeValue: undefined,
    });
  });

  it('formats USD with at least 2 and at most 9 decimals', () => {
    expect(formatUsd(5)).toBe('5.00');
    expect(formatUsd(4.99)).toBe('4.99');
    expect(formatUsd(0.1 + 0.2)).toBe('0.30');
    expect(formatUsd(0.000000001)).toBe('0.000000001');
    expect(formatUsd(1234.5)).toBe('1234.50');
  });
});
