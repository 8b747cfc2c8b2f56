import { describe, expect, it } from '@jest/globals';
import { stateKey } from './state-key.js';

describe('stateKey', () => {
  it('keeps plain names readable', () => {
    expect(stateKey('limiter', 'Quotes.get')).toBe('limiter:Quotes.get');
    expect(stateKey('breaker', 'payments', 'eu-1')).toBe('breaker:payments:eu-1');
  });

  it('gives distinct keys to distinct (name, partition) pairs, even with `:` and `%` in them', () => {
    const pairs: Array<[string, string | undefined]> = [
      ['a:b', undefined],
      ['a', 'b'],
      ['a', 'b:c'],
      ['a:b', 'c'],
      ['a%3Ab', undefined],
      ['a%', '3Ab'],
      ['a', undefined],
      ['a', ''],
    ];
    const keys = pairs.map(([n, p]) => stateKey('limiter', n, p));
    expect(new Set(keys).size).toBe(pairs.length);
  });
});
