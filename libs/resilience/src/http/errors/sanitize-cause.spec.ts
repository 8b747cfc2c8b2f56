import { describe, expect, it } from '@jest/globals';
import { sanitizeCause } from './sanitize-cause.js';

const KEY = 'sk-canary-XYZ';

describe('sanitizeCause', () => {
  it('returns a cause without request state unchanged, and non-objects as they are', () => {
    const plain = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(sanitizeCause(plain)).toBe(plain);
    expect(sanitizeCause('text')).toBe('text');
    expect(sanitizeCause(undefined)).toBeUndefined();
    expect(sanitizeCause(null)).toBeNull();
  });

  it.each(['config', 'request', 'response'])('replaces an error carrying %s by a scrubbed copy', (field) => {
    const axiosLike = Object.assign(new Error(`Request failed for ${KEY}`), {
      name: 'AxiosError',
      code: 'ERR_BAD_RESPONSE',
      [field]: { headers: { Authorization: `Bearer ${KEY}` } },
    });
    const copy = sanitizeCause(axiosLike, [KEY]) as Error & { code?: string };
    expect(copy).not.toBe(axiosLike);
    expect(copy).toBeInstanceOf(Error);
    expect([copy.name, copy.code]).toEqual(['AxiosError', 'ERR_BAD_RESPONSE']);
    expect(copy.message).not.toContain(KEY);
    expect(Object.keys(copy).sort()).toEqual(['code', 'name']); // no config, request or response
  });

  it('always: copies any object cause, taking the code from its cause or its errors', () => {
    const fetchFailed = new TypeError('fetch failed', {
      cause: Object.assign(new Error('s'), { code: 'UND_ERR_SOCKET' }),
    });
    const copy = sanitizeCause(fetchFailed, undefined, { always: true }) as Error & { code?: string };
    expect(copy).not.toBe(fetchFailed);
    expect([copy.name, copy.message, copy.code, copy.cause]).toEqual([
      'TypeError',
      'fetch failed',
      'UND_ERR_SOCKET',
      undefined,
    ]);
    const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], '');
    const fromAggregate = sanitizeCause(aggregate, undefined, { always: true }) as Error & { code?: string };
    expect(fromAggregate.code).toBe('ECONNREFUSED');
    // No message: the code stands in for it.
    expect(sanitizeCause({ code: 'EPIPE' }, undefined, { always: true })).toMatchObject({
      message: 'EPIPE',
      code: 'EPIPE',
    });
  });
});
