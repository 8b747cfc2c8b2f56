// Measures the default estimator against the usage our local provider servers report for a fixed
// corpus (testing-support/estimate-corpus.ts), over real HTTP. The servers' counting rules (see
// their file headers): OpenAI = o200k_base with the cookbook framing; Anthropic =
// ceil(chars / 4) + 4 per message; Gemini = ceil(chars / 4) + 3 per content. Each request goes
// through its provider's own mapping (`providerFor(p).chatRequest`, `usageOf`). The printed table is
// the one in docs/llm/estimation.md ("Measured error").
import type { ChatRequest, ProviderName } from '../chat/chat.types.js';
import { providerFor } from '../providers/providers.js';
import { startAnthropicServer } from '../testing-support/anthropic-server.js';
import { startGeminiServer } from '../testing-support/gemini-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import { startOpenAIServer } from '../testing-support/openai-server.js';
import { createDefaultEstimator, createEstimatorWithLoader, type DefaultTokenEstimator } from './default-estimator.js';
import { ESTIMATE_CORPUS } from './testing-support/estimate-corpus.js';

const MODEL: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
};

/** Sends `request` through the provider's own wire mapping; the normalised input tokens it reports. */
async function reportedInput(provider: ProviderName, baseUrl: string, request: ChatRequest): Promise<number> {
  const p = providerFor(provider);
  const config = { model: MODEL[provider], apiKey: 'sk-test', baseUrl, maxTokens: 16 };
  const sent = p.chatRequest(request, config, false);
  const res = await fetch(`${baseUrl}${sent.path}`, {
    method: 'POST',
    headers: sent.headers,
    body: JSON.stringify(sent.body),
  });
  if (res.status !== 200) throw new Error(`${provider}: ${res.status} ${await res.text()}`);
  const usage = p.usageOf(await res.json());
  if (usage === undefined) throw new Error(`${provider}: no usage`);
  return usage.inputTokens;
}

interface Row {
  name: string;
  reported: number;
  estimate: number;
}

const pct = (r: Row) => ((r.estimate - r.reported) / r.reported) * 100;
const fmt = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;

async function measure(provider: ProviderName, server: LlmTestServer, est: DefaultTokenEstimator): Promise<Row[]> {
  const rows: Row[] = [];
  for (const { name, request } of ESTIMATE_CORPUS) {
    const base = provider === 'openai' ? `${server.baseUrl}/v1` : server.baseUrl;
    const reported = await reportedInput(provider, base, request);
    rows.push({ name, reported, estimate: est.estimateInput(request, MODEL[provider], provider) });
  }
  return rows;
}

function summary(label: string, rows: Row[]): string {
  const errors = rows.map(pct);
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  const under = rows.filter((r) => r.estimate < r.reported).length;
  return `| ${label} | ${rows.length} | ${fmt(Math.min(...errors))} | ${fmt(mean)} | ${fmt(Math.max(...errors))} | ${under} |`;
}

describe('estimate error against the local provider servers (docs/llm/estimation.md)', () => {
  const servers: Partial<Record<ProviderName, LlmTestServer>> = {};
  const exact = createDefaultEstimator();
  const heuristic = createEstimatorWithLoader({}, () => ({ reason: 'MODULE_NOT_FOUND' }));
  const results: Record<string, Row[]> = {};

  beforeAll(async () => {
    servers.openai = await startOpenAIServer();
    servers.anthropic = await startAnthropicServer();
    servers.gemini = await startGeminiServer();
    for (const provider of ['openai', 'anthropic', 'gemini'] as const) {
      results[`${provider} (gpt-tokenizer)`] = await measure(provider, servers[provider]!, exact);
      results[`${provider} (heuristic)`] = await measure(provider, servers[provider]!, heuristic);
    }
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  it('OpenAI with gpt-tokenizer: within 1% (or 2 tokens) of the reported prompt_tokens', () => {
    for (const r of results['openai (gpt-tokenizer)']!) {
      expect(Math.abs(r.estimate - r.reported)).toBeLessThanOrEqual(Math.max(2, r.reported * 0.01));
    }
  });

  it.each([
    'anthropic (gpt-tokenizer)',
    'gemini (gpt-tokenizer)',
    'anthropic (heuristic)',
    'gemini (heuristic)',
    'openai (heuristic)',
  ])('%s: never below the reported prompt tokens, at most 5× them', (key) => {
    for (const r of results[key]!) {
      if (r.estimate < r.reported)
        throw new Error(`${key} / ${r.name}: estimate ${r.estimate} < reported ${r.reported}`);
      expect(r.estimate).toBeLessThanOrEqual(r.reported * 5);
    }
  });

  it('prints the measured error table', () => {
    const lines = [
      'MEASURED ESTIMATE ERROR vs the local test servers (not the real APIs); error = (estimate - reported) / reported',
      '| estimator / server | requests | min | mean | max | below reported |',
      '| --- | --- | --- | --- | --- | --- |',
      ...Object.entries(results).map(([k, rows]) => summary(k, rows)),
      '',
      '| request | OpenAI reported | estimate | Anthropic reported | estimate | Gemini reported | estimate |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...ESTIMATE_CORPUS.map((c, i) => {
        const cell = (k: string) => {
          const r = results[k]![i]!;
          return `${r.reported} | ${r.estimate} (${fmt(pct(r))})`;
        };
        return `| ${c.name} | ${cell('openai (gpt-tokenizer)')} | ${cell('anthropic (gpt-tokenizer)')} | ${cell('gemini (gpt-tokenizer)')} |`;
      }),
    ];
    console.log(lines.join('\n'));
    expect(Object.keys(results)).toHaveLength(6);
  });
});
