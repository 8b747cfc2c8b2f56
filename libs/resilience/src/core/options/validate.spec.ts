import { describe, expect, it } from '@jest/globals';
import { checkName, checkOptionsObject, startNormalize } from './validate.js';

describe('normalizer prologue helpers', () => {
  it('checkOptionsObject refuses null, non-objects and arrays, naming the path and what was expected', () => {
    expect(() => checkOptionsObject('clients', {})).not.toThrow();
    for (const bad of [null, undefined, 3, 'x', []]) {
      expect(() => checkOptionsObject('clients', bad, 'an ApiClient options object')).toThrow(
        expect.objectContaining({ path: 'clients', value: bad, expected: 'an ApiClient options object' }),
      );
    }
    expect(() => checkOptionsObject('store', 1)).toThrow(expect.objectContaining({ expected: 'an options object' }));
  });

  it('checkName returns a non-empty string name and refuses anything else', () => {
    expect(checkName('clients.name', 'quotes')).toBe('quotes');
    for (const bad of ['', 7, undefined, null]) {
      expect(() => checkName('clients.name', bad)).toThrow(
        expect.objectContaining({ path: 'clients.name', value: bad, expected: 'a non-empty string' }),
      );
    }
  });

  it('startNormalize rejects unknown keys under the path and returns the option path builder', () => {
    const p = startNormalize<'rate' | 'burst'>('limiters.api', { rate: 1 }, ['rate', 'burst']);
    expect(p('burst')).toBe('limiters.api.burst');
    expect(() => startNormalize('limiters.api', { rate: 1, brust: 2 }, ['rate', 'burst'])).toThrow(
      expect.objectContaining({ path: 'limiters.api.brust', value: 2 }),
    );
  });
});
