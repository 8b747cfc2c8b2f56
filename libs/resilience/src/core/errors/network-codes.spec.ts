import { describe, expect, it } from '@jest/globals';
import {
  CONNECTION_ERROR_CODES,
  errorCodeOf,
  hasTransientNetworkCode,
  NETWORK_ERROR_CODES,
  NOT_SENT_ERROR_CODES,
  TIMEOUT_ERROR_CODES,
  TRANSIENT_NETWORK_CODES,
} from './network-codes.js';

const coded = (code: unknown, props: Record<string, unknown> = {}) => Object.assign(new Error('x'), { code }, props);

describe('NETWORK_ERROR_CODES: the one table', () => {
  it('holds every code of the three former lists, with the kind each list gave it', () => {
    // retry.predicate's TRANSIENT_CODES, error-from-response's CONNECTION_CODES and TIMEOUT_CODES.
    const connection = [
      'ECONNREFUSED',
      'ECONNRESET',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EPIPE',
      'ENETUNREACH',
      'EHOSTUNREACH',
      'ENETDOWN',
      'EADDRNOTAVAIL',
      'ERR_NETWORK',
      'UND_ERR_SOCKET',
      'UND_ERR_CLOSED',
      'ERR_STREAM_PREMATURE_CLOSE',
    ];
    const timeout = [
      'ECONNABORTED',
      'ETIMEDOUT',
      'ESOCKETTIMEDOUT',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ];
    expect([...CONNECTION_ERROR_CODES].sort()).toEqual([...connection].sort());
    expect([...TIMEOUT_ERROR_CODES].sort()).toEqual([...timeout].sort());
    expect([...TRANSIENT_NETWORK_CODES].sort()).toEqual([...connection, ...timeout].sort());
    expect([...NOT_SENT_ERROR_CODES].sort()).toEqual(
      [
        'ECONNREFUSED',
        'ENOTFOUND',
        'EAI_AGAIN',
        'ENETUNREACH',
        'EHOSTUNREACH',
        'ENETDOWN',
        'EADDRNOTAVAIL',
        'UND_ERR_CONNECT_TIMEOUT',
      ].sort(),
    );
  });

  it('is frozen, and the connection and timeout sets do not overlap', () => {
    expect(Object.isFrozen(NETWORK_ERROR_CODES)).toBe(true);
    for (const code of CONNECTION_ERROR_CODES) expect(TIMEOUT_ERROR_CODES.has(code)).toBe(false);
    expect(NETWORK_ERROR_CODES.ECONNRESET).toEqual({ kind: 'connection', notSent: false });
    expect(NETWORK_ERROR_CODES.UND_ERR_CONNECT_TIMEOUT).toEqual({ kind: 'timeout', notSent: true });
  });
});

describe('errorCodeOf', () => {
  it('reads the code of the error, else of its cause, else of the first coded member of errors', () => {
    expect(errorCodeOf(coded('ECONNRESET'))).toBe('ECONNRESET');
    expect(errorCodeOf(new TypeError('fetch failed', { cause: coded('UND_ERR_SOCKET') }))).toBe('UND_ERR_SOCKET');
    expect(errorCodeOf(new AggregateError([new Error('a'), coded('ECONNREFUSED'), coded('ETIMEDOUT')]))).toBe(
      'ECONNREFUSED',
    );
    // Its own code wins, even one outside the table.
    expect(errorCodeOf(coded('ERR_BAD_RESPONSE', { cause: coded('ECONNRESET') }))).toBe('ERR_BAD_RESPONSE');
  });

  it('is undefined for non-string codes and non-objects', () => {
    expect(errorCodeOf(coded(20))).toBeUndefined();
    expect(errorCodeOf(new Error('x', { cause: 'ECONNRESET' }))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorCodeOf('ECONNRESET')).toBeUndefined();
  });
});

describe('hasTransientNetworkCode', () => {
  it('looks at the error, its cause and every member of errors', () => {
    expect(hasTransientNetworkCode(coded('EPIPE'))).toBe(true);
    expect(hasTransientNetworkCode(coded('ERR_BAD_RESPONSE', { cause: coded('ECONNRESET') }))).toBe(true);
    expect(hasTransientNetworkCode(new AggregateError([coded('EACCES'), coded('ETIMEDOUT')]))).toBe(true);
    expect(hasTransientNetworkCode(coded('EACCES'))).toBe(false);
    expect(hasTransientNetworkCode(new AggregateError([coded('EACCES')]))).toBe(false);
    expect(hasTransientNetworkCode(undefined)).toBe(false);
  });
});
