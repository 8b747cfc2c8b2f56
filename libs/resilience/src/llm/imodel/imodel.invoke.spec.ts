import { expectNoCanary, IMODEL_CANARY, useIModelServers } from '../testing-support/imodel-fixtures.js';

/** iModel.acompletion / invoke / toJSON against the providers' real test servers (127.0.0.1). */
const servers = useIModelServers();
const { make } = servers;
const CANARY = IMODEL_CANARY;

describe('IModel.acompletion and invoke', () => {
  it('acompletion returns the event at once; its result is the reply { status, headers, data }', async () => {
    const m = make('openai');
    const ev = m.acompletion('say hi', { maxTokens: 20, metadata: { k: 1 } });
    expect(ev.status).not.toBe('COMPLETED');
    expect(ev.metadata).toEqual({ k: 1 });
    const reply = await ev.result();
    expect(reply.status).toBe(200);
    expect((reply.data as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(
      'echo: say hi',
    );
    const body = servers.openai.received.at(-1)!.body!;
    expect(body.messages).toEqual([{ role: 'user', content: 'say hi' }]);
    expect(body).not.toHaveProperty('metadata'); // no kwargs leak into the HTTP call (reference defect 9)
    expect(ev.responseStatus).toBe(200);
    expectNoCanary(ev);
  });

  it('invoke sends the payload as given (plus the model), with the api key, and reserves tokens', async () => {
    const m = make('openai');
    const ev = m.invoke(
      { messages: [{ role: 'user', content: 'raw' }], max_tokens: 9, seed: 3 },
      { tokens: 77, lane: 'default' },
    );
    const reply = await ev.result();
    expect(reply.status).toBe(200);
    expect(ev.tokens).toBe(77);
    const got = servers.openai.received.at(-1)!;
    expect(got.body).toMatchObject({ model: 'gpt-4o-mini', seed: 3, max_tokens: 9 });
    expect(Object.keys(got.body!).sort()).toEqual(['max_tokens', 'messages', 'model', 'seed']);
    expect(got.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(ev.actualTokens).toBe((reply.data as { usage: { total_tokens: number } }).usage.total_tokens);
  });

  it('invoke without tokens reserves a rough estimate with the payload output cap', async () => {
    const m = make('anthropic');
    const ev = m.invoke({ messages: [{ role: 'user', content: 'raw' }], max_tokens: 40 });
    await ev.result();
    expect(ev.tokens).toBeGreaterThan(40);
  });

  it('a failed acompletion is a FAILED event with a typed error, no unhandled rejection, no key', async () => {
    const m = make('openai');
    servers.openai.enqueue({
      status: 401,
      body: {
        error: {
          message: `Incorrect API key provided: ${CANARY}`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    const ev = m.acompletion('x');
    const error = await ev.result().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UpstreamAuthenticationError', status: 401 });
    expect(ev.status).toBe('FAILED');
    expectNoCanary(error);
    expectNoCanary(ev);
  });
});

describe('IModel.toJSON', () => {
  it('names the model, provider, redacted base URL and executor, never the key', () => {
    const m = make('openai');
    expect(m.toJSON()).toEqual({
      name: m.name,
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: servers.openai.apiBaseUrl,
      executor: m.name,
      fallbacks: [],
      maxTokens: 1024,
      timeoutMs: 600_000,
    });
    expectNoCanary(m);
    expectNoCanary(m.snapshot());
  });
});
