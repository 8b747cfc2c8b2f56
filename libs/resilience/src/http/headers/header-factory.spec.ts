import { ResilienceConfigError } from '../../core/errors/index.js';
import { HeaderInjectionError } from '../errors/header-injection.error.js';
import { assertSafeHeader, HeaderFactory } from './header-factory.js';

const KEY = 'sk-canary-hf-123456';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('HeaderFactory.getHeader', () => {
  it('bearer (the default) → Authorization: Bearer <key> with JSON content type', () => {
    expect(HeaderFactory.getHeader({ apiKey: KEY })).toEqual({
      'Content-Type': 'application/json',
      Authorization: `Bearer ${KEY}`,
    });
  });

  it('x-api-key, a custom header name, none', () => {
    expect(HeaderFactory.getHeader({ authType: 'x-api-key', apiKey: KEY })).toEqual({
      'Content-Type': 'application/json',
      'x-api-key': KEY,
    });
    expect(HeaderFactory.getHeader({ authType: 'api-key', apiKey: KEY, contentType: 'text/plain' })).toEqual({
      'Content-Type': 'text/plain',
      'api-key': KEY,
    });
    expect(HeaderFactory.getHeader({ authType: 'none' })).toEqual({ 'Content-Type': 'application/json' });
    expect(HeaderFactory.getHeader({ authType: 'none', contentType: null })).toEqual({});
  });

  it('defaultHeaders win, names compared case-insensitively', () => {
    const h = HeaderFactory.getHeader({
      apiKey: KEY,
      defaultHeaders: { 'content-type': 'application/x-ndjson', 'anthropic-version': '2023-06-01' },
    });
    expect(h).toEqual({
      Authorization: `Bearer ${KEY}`,
      'content-type': 'application/x-ndjson',
      'anthropic-version': '2023-06-01',
    });
  });

  it('does not modify defaultHeaders', () => {
    const defaults = Object.freeze({ 'X-A': '1' });
    HeaderFactory.getHeader({ apiKey: KEY, defaultHeaders: defaults });
    expect(defaults).toEqual({ 'X-A': '1' });
  });

  it('a missing key names the endpoint and the environment variable, never a key', () => {
    const e = thrown(() =>
      HeaderFactory.getHeader({ authType: 'bearer', endpoint: 'openaiChat', apiKeyEnv: 'OPENAI_API_KEY' }),
    ) as ResilienceConfigError;
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect(e.path).toBe('endpoints.openaiChat.apiKeyEnv');
    expect(e.message).toContain('OPENAI_API_KEY');
    expect(e.message).toContain("endpoint 'openaiChat'");
    const e2 = thrown(() =>
      HeaderFactory.getHeader({ authType: 'x-api-key', apiKey: '', endpoint: 'claude' }),
    ) as ResilienceConfigError;
    expect(e2.path).toBe('endpoints.claude.apiKey');
  });

  it('rejects CR/LF in names and values without echoing the value', () => {
    const v = thrown(() => HeaderFactory.getHeader({ apiKey: `${KEY}\r\nX-Evil: 1` })) as HeaderInjectionError;
    expect(v).toBeInstanceOf(HeaderInjectionError);
    expect(v.part).toBe('value');
    expect(v.header).toBe('"Authorization"');
    expect(`${v.message} ${JSON.stringify(v.toJSON())}`).not.toContain(KEY);
    const n = thrown(() =>
      HeaderFactory.getHeader({ apiKey: KEY, defaultHeaders: { 'X-A\nB': '1' } }),
    ) as HeaderInjectionError;
    expect(n.part).toBe('name');
    expect(n.header).toBe('"X-A\\nB"');
    expect(() => HeaderFactory.getHeader({ authType: 'x-api\r\nkey', apiKey: KEY })).toThrow(HeaderInjectionError);
    expect(() => HeaderFactory.getHeader({ apiKey: KEY, defaultHeaders: { 'X-B': 'a\nb' } })).toThrow(
      HeaderInjectionError,
    );
    expect(() => HeaderFactory.getHeader({ apiKey: KEY, contentType: 'text/plain\r\n' })).toThrow(HeaderInjectionError);
  });

  it('assertSafeHeader accepts tokens and ordinary values, rejects NUL and spaces in names', () => {
    expect(() => assertSafeHeader('X-Request-Id', 'abc def')).not.toThrow();
    expect(() => assertSafeHeader('X Request', 'v')).toThrow(HeaderInjectionError);
    expect(() => assertSafeHeader('X-R', 'a\0b')).toThrow(HeaderInjectionError);
  });
});
