import { createProgress } from './batch-progress.js';
import { formatSummary, runBatch } from './batch-run.js';

describe('batch progress without a TTY', () => {
  it('prints a plain line every 10% (and at the end)', () => {
    const lines: string[] = [];
    let t = 0;
    const p = createProgress(25, { tty: false, write: (l) => lines.push(l), now: () => (t += 100) });
    for (let i = 0; i < 25; i++) p.tick(i !== 3);
    p.stop();
    // step = ceil(25 * 10%) = 3: lines at 3, 6, ..., 24 and at 25
    expect(lines).toHaveLength(9);
    expect(lines[0]).toMatch(/^batch 3\/25 \(12%\) failed 0, /);
    expect(lines.at(-1)).toMatch(/^batch 25\/25 \(100%\) failed 1, /);
  });

  it('counts the prompts a budget refused apart from the failures', () => {
    const lines: string[] = [];
    const p = createProgress(4, { tty: false, write: (l) => lines.push(l), now: () => 0, stepPercent: 100 });
    for (const ok of [true, false, 'refused', 'refused'] as const) p.tick(ok);
    expect(lines).toEqual([expect.stringMatching(/^batch 4\/4 \(100%\) failed 1, refused 2, /)]);
  });
});

describe('runBatch', () => {
  it('runs every prompt in lane batch, counts failures, 429s and tokens, and bounds the prompts in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const lanes = new Set<string>();
    const summary = await runBatch({
      count: 40,
      concurrency: 4,
      probeEveryMs: 0,
      ask: async (prompt, lane) => {
        lanes.add(lane);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (prompt.includes('#7 ')) throw Object.assign(new Error('rate limited'), { status: 429 });
        return { inputTokens: 2, outputTokens: 3 };
      },
      serverRateLimited: async () => 0,
    });
    expect(summary).toMatchObject({
      count: 40,
      done: 39,
      failed: 1,
      rateLimitedSeen: 1,
      inputTokens: 78,
      outputTokens: 117,
    });
    expect(summary.serverRateLimited).toBe(0);
    expect([...lanes]).toEqual(['batch']);
    expect(most).toBe(4);
    expect(formatSummary(summary).join('\n')).toContain('done 39, failed 1');
  });
});
