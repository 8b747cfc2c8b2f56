// The test server speaks OpenAI's wire format well enough for the official SDK (openai 6):
// the SDK adapters and benches rely on it.
import OpenAI from 'openai';
import { openAIRateLimited, startOpenAIServer, type OpenAIServer } from '../../testing-support/openai-server.js';

const KEY = 'sk-canary-7f3a9e';

describe('openai-server with the official openai SDK', () => {
  let server: OpenAIServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startOpenAIServer({ apiKey: KEY });
    client = new OpenAI({ apiKey: KEY, baseURL: server.apiBaseUrl, maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('chat.completions.create: content, usage, request id', async () => {
    const { data, request_id } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'ping' }], max_tokens: 20 })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('echo: ping');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(request_id).toMatch(/^req_\d+$/);
  });

  it('stream with include_usage: deltas, a last chunk with usage and no choices', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      if (++chunks > 50) break;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('echo: stream me');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('a scripted 429 surfaces as the SDK RateLimitError with its code', async () => {
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const err = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
  });

  it('a wrong key: SDK AuthenticationError', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong-000000', baseURL: server.apiBaseUrl, maxRetries: 0 });
    const err = await bad.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
