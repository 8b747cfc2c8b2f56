import { isSensitiveHeader, normalizeHeaders, redactUrl, safeHeaders, scrubSecrets } from 'nest-resilience/http';
import { headersFromNode } from './headers.js';
import { AxiosHeaders } from 'axios';

const CANARY = 'sk-canary-XYZ';

describe('normalizeHeaders', () => {
  it('lower-cases names from plain objects, Headers, Map and AxiosHeaders; joins arrays', () => {
    expect({
      ...normalizeHeaders({ 'Retry-After': '3', 'X-Multi': ['a', 'b'], 'X-Num': 5, 'X-Undef': undefined }),
    }).toEqual({ 'retry-after': '3', 'x-multi': 'a, b', 'x-num': '5' });
    expect({ ...normalizeHeaders(new Headers({ 'Retry-After': '3' })) }).toEqual({ 'retry-after': '3' });
    expect({ ...normalizeHeaders(new Map([['X-A', '1']])) }).toEqual({ 'x-a': '1' });
    expect({ ...normalizeHeaders(new AxiosHeaders({ 'X-RateLimit-Remaining': '7' })) }).toEqual({
      'x-ratelimit-remaining': '7',
    });
    expect({ ...normalizeHeaders(undefined) }).toEqual({});
  });
  it('returns already-normalized input without copying', () => {
    const n = normalizeHeaders({ A: '1' });
    expect(normalizeHeaders(n)).toBe(n);
    const raw = headersFromNode({ 'x-a': '1' });
    expect(normalizeHeaders(raw)).toBe(raw);
    expect(normalizeHeaders({ ...raw })).not.toBe(raw); // a copy is a plain object again
  });
  it('headersFromNode: arrays (set-cookie) joined; any name is its own key (no inherited ones)', () => {
    const node = JSON.parse('{"set-cookie":["a=1","b=2"],"x-id":"7","constructor":"c","__proto__":"p"}') as Record<
      string,
      string | string[]
    >;
    const h = headersFromNode({ ...node, 'x-none': undefined });
    expect(Object.keys(h)).toEqual(['set-cookie', 'x-id', 'constructor', '__proto__']);
    expect(h['set-cookie']).toBe('a=1, b=2');
    expect(h.constructor).toBe('c');
    expect(Object.getOwnPropertyDescriptor(h, '__proto__')?.value).toBe('p');
    expect(headersFromNode({}).toString).toBeUndefined();
    expect(normalizeHeaders({ 'X-A': '1' }).hasOwnProperty).toBeUndefined();
    expect(normalizeHeaders({ ToString: 'x' }).tostring).toBe('x');
  });
});

describe('redaction', () => {
  it('redactUrl: secret-looking query parameters, user-info and fragment', () => {
    expect(
      redactUrl(
        `https://h/p?key=${CANARY}&api_key=1&apiKey=2&token=3&access_token=4&signature=5&X-Amz-Credential=6&password=7&client_secret=8&q=keep&limit=10`,
      ),
    ).toBe(
      'https://h/p?key=[REDACTED]&api_key=[REDACTED]&apiKey=[REDACTED]&token=[REDACTED]&access_token=[REDACTED]&signature=[REDACTED]&X-Amz-Credential=[REDACTED]&password=[REDACTED]&client_secret=[REDACTED]&q=keep&limit=10',
    );
    expect(redactUrl('/v1/models?page=2&key=abc')).toBe('/v1/models?page=2&key=[REDACTED]');
    expect(redactUrl('https://u:p@h/x#frag')).toBe('https://h/x');
    expect(redactUrl('/plain')).toBe('/plain');
    expect(redactUrl('/odd?%E0%A4%A=1&flag')).toBe('/odd?%E0%A4%A=1&flag');
  });
  it('scrubSecrets: bearer tokens, sk- keys, Google keys and configured secrets', () => {
    expect(scrubSecrets(`Authorization: Bearer ${CANARY}`)).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubSecrets(`key ${CANARY} used`)).toBe('key [REDACTED] used');
    expect(scrubSecrets('k=AIzaSyA1234567890abcdefghijklmnop')).toBe('k=[REDACTED]');
    expect(scrubSecrets('my custom-secret-value!', ['custom-secret-value'])).toBe('my [REDACTED]!');
    expect(scrubSecrets('abc', ['ab'])).toBe('abc'); // too short to scrub safely
  });
  it('scrubSecrets: provider-masked key fragments (prefix and/or suffix around *, …, ...)', () => {
    const key = 'sk-abcdefghijklmnopqrstuvwxyz';
    // OpenAI's 401 message shows a prefix and suffix of the key
    expect(
      scrubSecrets(
        'Incorrect API key provided: sk-abcde***…wxyz. You can find your API key at https://platform.openai.com/account/api-keys.',
      ),
    ).toBe(
      'Incorrect API key provided: [REDACTED]. You can find your API key at https://platform.openai.com/account/api-keys.',
    );
    expect(scrubSecrets('key sk-abc*************************************wxyz rejected')).toBe(
      'key [REDACTED] rejected',
    );
    expect(scrubSecrets('key sk-proj-ab...yz rejected')).toBe('key [REDACTED] rejected');
    // a configured secret without a well-known shape, masked by the provider
    const custom = 'custom-0123456789-ZZTOP';
    expect(scrubSecrets('bad key cus****ZTOP', [custom])).toBe('bad key [REDACTED]');
    expect(scrubSecrets('bad key …ZTOP', [custom])).toBe('bad key [REDACTED]');
    expect(scrubSecrets('bad key cust•••', [custom])).toBe('bad key [REDACTED]');
    // text that merely has ellipses or asterisks is left alone
    expect(scrubSecrets('Please retry... later **now**', [key, custom])).toBe('Please retry... later **now**');
    expect(scrubSecrets('…[truncated]', [custom])).toBe('…[truncated]');
  });
  it('safeHeaders drops credentials and cookies but keeps rate-limit headers', () => {
    expect(
      safeHeaders({
        Authorization: `Bearer ${CANARY}`,
        'Proxy-Authorization': 'Basic abc',
        Cookie: 'a=b',
        'Set-Cookie': 'c=d',
        'X-Api-Key': CANARY,
        'x-goog-api-key': CANARY,
        'anthropic-ratelimit-tokens-remaining': '10',
        'x-ratelimit-remaining-tokens': '5',
      }),
    ).toEqual({ 'anthropic-ratelimit-tokens-remaining': '10', 'x-ratelimit-remaining-tokens': '5' });
    expect(isSensitiveHeader('authorization')).toBe(true);
    expect(isSensitiveHeader('x-ratelimit-reset-tokens')).toBe(false);
  });
});
