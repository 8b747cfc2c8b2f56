// Each provider's stream parser, given the transport's StreamParserContext, names the request in
// the typed error of an in-stream error event and scrubs the configured key — also a key of a
// shape the default key patterns (`sk-…`, `AIza…`, `Bearer …`) do not catch.
import { isApiClientError, isUpstreamAuthenticationError, type ApiClientError } from 'nest-resilience/http';
import type { LlmProvider, SseEvent, StreamParserContext } from './provider.js';
import { anthropicProvider } from './anthropic/anthropic.provider.js';
import { ANTHROPIC_STREAM_ERROR_URL } from './anthropic/anthropic-stream.js';
import { geminiProvider } from './gemini/gemini.provider.js';
import { GEMINI_STREAM_URL } from './gemini/gemini-errors.js';
import { openAIProvider } from './openai/openai.provider.js';
import { OPENAI_STREAM_ERROR_URL } from './openai/openai-stream.js';

// No `sk-` inside: 'canary-Zx81-not-sk-shaped' would be half-caught by the `sk-…` pattern.
const CANARY = 'canary-Zx81-plain-token';

interface Case {
  provider: LlmProvider;
  url: string;
  placeholder: string;
  /** A text event, then an error event echoing the key. */
  events: SseEvent[];
}

const cases: [string, Case][] = [
  [
    'openai',
    {
      provider: openAIProvider,
      url: 'http://127.0.0.1:4010/v1/chat/completions',
      placeholder: OPENAI_STREAM_ERROR_URL,
      events: [
        { event: 'message', data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' } }] }) },
        {
          event: 'message',
          data: JSON.stringify({
            error: {
              message: `Incorrect API key provided: ${CANARY}`,
              type: 'invalid_request_error',
              code: 'invalid_api_key',
            },
          }),
        },
      ],
    },
  ],
  [
    'anthropic',
    {
      provider: anthropicProvider,
      url: 'http://127.0.0.1:4011/v1/messages',
      placeholder: ANTHROPIC_STREAM_ERROR_URL,
      events: [
        {
          event: 'content_block_delta',
          data: JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
        },
        {
          event: 'error',
          data: JSON.stringify({
            type: 'error',
            error: { type: 'authentication_error', message: `invalid x-api-key ${CANARY}` },
          }),
        },
      ],
    },
  ],
  [
    'gemini',
    {
      provider: geminiProvider,
      url: 'http://127.0.0.1:4012/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      placeholder: GEMINI_STREAM_URL,
      events: [
        { event: 'message', data: JSON.stringify({ candidates: [{ content: { parts: [{ text: 'Hi' }] } }] }) },
        {
          event: 'message',
          data: JSON.stringify({
            error: {
              code: 400,
              message: `API key not valid: ${CANARY}`,
              status: 'INVALID_ARGUMENT',
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'API_KEY_INVALID',
                  metadata: { key: CANARY },
                },
              ],
            },
          }),
        },
      ],
    },
  ],
];

/** Pushes the events; returns the error the last one throws. */
function errorOf(c: Case, context?: StreamParserContext): ApiClientError {
  const parser = c.provider.createStreamParser({ 'x-request-id': 'req-ctx', 'x-echo': `key ${CANARY}` }, context);
  expect(parser.push(c.events[0]!)).toBe('Hi');
  try {
    parser.push(c.events[1]!);
  } catch (e) {
    expect(isApiClientError(e)).toBe(true);
    expect(parser.result().text).toBe('Hi');
    return e as ApiClientError;
  }
  throw new Error('no error thrown');
}

const texts = (e: ApiClientError): string[] => [String(e), e.stack ?? '', JSON.stringify(e), e.message, e.url];

describe.each(cases)('%s stream parser with a StreamParserContext', (_name, c) => {
  it('an error event echoing a non-key-shaped secret names the url and never shows the secret', () => {
    const e = errorOf(c, { url: c.url, secrets: [CANARY], now: 1_000 });
    expect(isUpstreamAuthenticationError(e)).toBe(true);
    expect(e).toMatchObject({ url: c.url, method: 'POST', isTransient: false });
    expect(e.message).toContain(c.url);
    for (const s of texts(e)) expect(s).not.toContain(CANARY);
    expect(JSON.stringify(e)).toContain('[REDACTED]');
  });

  it('a key in the url query is redacted by the error', () => {
    const url = `${c.url}${c.url.includes('?') ? '&' : '?'}key=${CANARY}`;
    const e = errorOf(c, { url, secrets: [CANARY], now: 1_000 });
    for (const s of texts(e)) expect(s).not.toContain(CANARY);
    expect(e.url).toContain('key=[REDACTED]');
  });

  it('without a context the placeholder url is kept, and the non-key-shaped secret is not known to be one', () => {
    const e = errorOf(c);
    expect(e.url).toBe(c.placeholder);
    // proves the scrubbing above comes from context.secrets, not from the default key patterns
    expect(JSON.stringify(e)).toContain(CANARY);
  });
});

describe('StreamParserContext details', () => {
  it('anthropic: a Retry-After date of the stream is read against context.now', () => {
    const parser = anthropicProvider.createStreamParser(
      { 'retry-after': 'Thu, 01 Jan 1970 00:00:10 GMT' },
      { url: 'http://127.0.0.1:4011/v1/messages', secrets: [], now: 4_000 },
    );
    const data = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    let error: unknown;
    try {
      parser.push({ event: 'error', data });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ status: 429, isTransient: true, retryAfterMs: 6_000 });
  });

  it('gemini: data that is not JSON names the context url too', () => {
    const url = 'http://127.0.0.1:4012/v1beta/models/m:streamGenerateContent?alt=sse';
    const parser = geminiProvider.createStreamParser({}, { url, secrets: [CANARY], now: 0 });
    let error: unknown;
    try {
      parser.push({ event: 'message', data: '{nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid_stream_data', url, isTransient: false });
  });
});
