/**
 * Section 9, the estimator's count cache: `estimateInput` of a request with a long system prompt
 * (about 10 KB of varied prose, the same on every call) and a new user question on every call,
 * with the default estimator's cache (`cacheChars` default: the system prompt is tokenized once,
 * the question every time) and without it (`cacheChars: 0`: both every time). Synchronous CPU per
 * estimate (no I/O), interleaved reps, median; both see the same requests.
 */
import {
  createDefaultEstimator,
  type DefaultTokenEstimator,
} from '../libs/resilience/src/llm/estimate/default-estimator.js';
import type { ChatRequest } from '../libs/resilience/src/llm/chat/chat.types.js';
import { markdownTable } from './lib/report.js';
import { fmt, median } from './lib/stats.js';

const WORDS =
  'order return refund shipping carrier invoice payment card declined address warehouse parcel delay tracking number customer policy section days receipt exchange size colour discount coupon account password email support hours weekend holiday international customs duty fee label damaged missing item replacement'.split(
    ' ',
  );

/** About `chars` characters of prose from a fixed seed (no repeated sentence, so no tokenizer cache helps). */
export function prose(chars: number): string {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const len = 6 + (next() % 10);
    const words = Array.from({ length: len }, () => WORDS[next() % WORDS.length]!);
    const s = `${words.join(' ')} (section ${next() % 100}.${next() % 10}).`;
    out.push(s[0]!.toUpperCase() + s.slice(1));
    n += s.length + 1;
  }
  return out.join(' ');
}

export interface EstimateRow {
  name: string;
  /** CPU µs per estimate, median of the reps. */
  cpuUs: number;
  /** Tokens of the first request (the same with or without the cache). */
  tokens: number;
}

/** `reps` interleaved reps of `perRep` estimates each, cached and uncached. */
export function measureEstimateCache(reps: number, perRep: number): EstimateRow[] {
  const system = prose(10_000);
  let q = 0;
  const request = (): ChatRequest => ({
    system,
    messages: [{ role: 'user', content: `Where is my order ${++q}? It was due on day ${q % 28}.` }],
  });
  const variants: [string, DefaultTokenEstimator][] = [
    ['`estimateInput`, default cache (the system prompt counted once)', createDefaultEstimator()],
    ['`estimateInput`, `cacheChars: 0` (every text counted on every call)', createDefaultEstimator({ cacheChars: 0 })],
  ];
  const first = request();
  const tokens = variants.map(([, e]) => e.estimateInput(first, 'gpt-4o-mini', 'openai'));
  if (tokens[0] !== tokens[1]) throw new Error(`estimate cache: ${tokens[0]} ≠ ${tokens[1]} tokens`);
  const samples: number[][] = variants.map(() => []);
  for (let r = 0; r < reps + 1; r++) {
    for (const [i, [, e]] of variants.entries()) {
      const c0 = process.cpuUsage();
      for (let k = 0; k < perRep; k++) e.estimateInput(request(), 'gpt-4o-mini', 'openai');
      const c = process.cpuUsage(c0);
      if (r > 0) samples[i]!.push((c.user + c.system) / perRep); // rep 0: warm-up
    }
  }
  return variants.map(([name], i) => ({ name, cpuUs: median(samples[i]!), tokens: tokens[i]! }));
}

export function estimateTable(rows: readonly EstimateRow[]): string {
  return markdownTable(
    ['estimator', 'tokens of a request', 'CPU µs / estimate'],
    rows.map((r) => [r.name, fmt(r.tokens), fmt(r.cpuUs, 1)]),
  );
}
