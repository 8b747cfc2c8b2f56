// A minimal OpenAI-compatible chat-completions server (node:http, 127.0.0.1, ephemeral port) that
// COUNTS the requests it receives. Every answer reports exactly `promptTokens` input tokens and
// `outputTokens(max_tokens)` output tokens, so a test can make the worst case of a call (estimated
// input + max_tokens) equal — or exceed by a known amount — its actual cost.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingServer {
  readonly apiBaseUrl: string;
  /** Requests received so far (each one reached the "provider"). */
  requests(): number;
  /** Most requests in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startCountingServer(opts: {
  promptTokens: number;
  outputTokens: (maxTokens: number) => number;
  delayMs?: number;
}): Promise<CountingServer> {
  let count = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
        return;
      }
      const n = ++count;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const max = Number(body.max_completion_tokens ?? body.max_tokens ?? 16);
      const completion = opts.outputTokens(max);
      const answer = {
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: 1700000000,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'length' }],
        usage: {
          prompt_tokens: opts.promptTokens,
          completion_tokens: completion,
          total_tokens: opts.promptTokens + completion,
        },
      };
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${n}` });
        res.end(JSON.stringify(answer));
      }, opts.delayMs ?? 2);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/v1`,
    requests: () => count,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
