import { describe, expect, it } from '@jest/globals';
import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { USAGE_LOG_DEFAULTS } from './usage-log.normalize.js';
import { UsageLog } from './usage-log.js';

describe('UsageLog.create validation', () => {
  it.each([
    [{ maxBuffered: 0 }, 'costs.usageLog.maxBuffered'],
    [{ keepDays: 1.5 }, 'costs.usageLog.keepDays'],
    [{ timeZone: 'Mars/Base' }, 'costs.usageLog.timeZone'],
    [{ prefix: '../x' }, 'costs.usageLog.prefix'],
    [{ dir: '' }, 'costs.usageLog.dir'],
    [{ includeText: 'yes' }, 'costs.usageLog.includeText'],
    [{ sinks: [{ name: 's' }] }, 'costs.usageLog.sinks[0].write'],
    [{ sinks: [{ write() {} }] }, 'costs.usageLog.sinks[0].name'],
    [{ sink: [] }, 'costs.usageLog.sink'],
  ])('%j names %s', (options, path) => {
    let error: unknown;
    try {
      UsageLog.create(options as never);
    } catch (e) {
      error = e;
    }
    expect(isResilienceConfigError(error)).toBe(true);
    expect((error as { path: string }).path).toBe(path);
  });

  it('applies the defaults', () => {
    expect(USAGE_LOG_DEFAULTS).toEqual({
      prefix: 'usage',
      includeText: false,
      maxBuffered: 10_000,
      timeZone: 'UTC',
      keepDays: 31,
    });
    expect(UsageLog.create({}).includeText).toBe(false);
  });

  it('uses the given path', () => {
    expect(() => UsageLog.create({ keepDays: 0 }, { path: 'x.usage' })).toThrow(/x\.usage\.keepDays/);
  });
});
