import { createRequire } from 'node:module';
import { heuristicTokens } from './heuristic-tokens.js';
import { ESTIMATE_CORPUS } from './testing-support/estimate-corpus.js';

const o200k = createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as {
  countTokens(text: string): number;
};

describe('heuristicTokens', () => {
  it('charges each run of one character class by the documented rule', () => {
    expect(heuristicTokens('')).toBe(0);
    expect(heuristicTokens('Hi')).toBe(1);
    // 'hello' 2 + single space before a word 0 + 'world' 2
    expect(heuristicTokens('hello world')).toBe(4);
    expect(heuristicTokens('1234567')).toBe(4);
    expect(heuristicTokens('!!!!!')).toBe(3);
    // a space before digits is a token of its own; a run of spaces is one token
    expect(heuristicTokens('a 1')).toBe(3);
    expect(heuristicTokens('a    b')).toBe(3);
    expect(heuristicTokens('你好')).toBe(2);
    expect(heuristicTokens('🎉')).toBe(2);
    expect(heuristicTokens('Привет')).toBe(3);
  });

  it('is at or above the o200k count of every corpus text (the side that keeps a limiter safe)', () => {
    for (const { name, request } of ESTIMATE_CORPUS) {
      for (const text of [request.system ?? '', ...request.messages.map((m) => m.content)]) {
        const exact = o200k.countTokens(text);
        const h = heuristicTokens(text);
        if (h < exact)
          throw new Error(`${name}: heuristic ${h} < o200k ${exact} for ${JSON.stringify(text.slice(0, 40))}`);
      }
    }
  });

  it('counts a trailing run and a single space that ends the text', () => {
    expect(heuristicTokens('abc ')).toBe(2);
    expect(heuristicTokens(' abc')).toBe(1);
  });
});
