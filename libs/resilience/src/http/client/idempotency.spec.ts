import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorFromTransport } from '../errors/error-from-transport.js';
import { isRetrySafe, trackingTransport, type SendState } from './idempotency.js';

describe('isRetrySafe', () => {
  it.each([
    ['GET', {}, undefined, false, true],
    ['PUT', {}, undefined, false, true],
    ['DELETE', {}, undefined, false, true],
    ['POST', {}, undefined, false, false],
    ['PATCH', {}, undefined, false, false],
    ['POST', { 'Idempotency-Key': 'k' }, undefined, false, true],
    ['POST', { 'IDEMPOTENCY-KEY': 'k' }, undefined, false, true],
    ['POST', {}, undefined, true, true], // client marked idempotent
    ['POST', {}, true, false, true], // request marked idempotent
    ['PUT', {}, false, true, false], // request marked not idempotent wins
  ] as const)('%s %j explicit=%s client=%s → %s', (method, headers, explicit, client, expected) => {
    expect(isRetrySafe(method, headers, explicit, client, 'idempotency-key')).toBe(expected);
  });
});

describe('errorFromTransport for a request that is not idempotent', () => {
  const timeout = Object.assign(new Error('timeout of 100ms exceeded'), { code: 'ECONNABORTED' });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  const ctx = { method: 'POST', url: 'http://127.0.0.1/x', idempotent: false } as const;

  it('a timeout before the request reached a connected socket (sent: false) stays transient', () => {
    const e = errorFromTransport(timeout, { ...ctx, sent: false });
    expect(e.name).toBe('UpstreamTimeoutError');
    expect(e.isTransient).toBe(true);
    expect(e.notRetriedReason).toBeUndefined();
  });
  it('a timeout or reset after it was sent, or when nothing is known, is not transient', () => {
    for (const [err, sent] of [
      [timeout, true],
      [timeout, undefined],
      [reset, true],
      [reset, undefined],
    ] as const) {
      const e = errorFromTransport(err, { ...ctx, ...(sent !== undefined ? { sent } : {}) });
      expect(e.isTransient).toBe(false);
      expect(e.notRetriedReason).toMatch(/^POST is not idempotent/);
    }
  });
  it('connect-phase codes prove it was not sent even when nothing is tracked', () => {
    expect(errorFromTransport(refused, ctx).isTransient).toBe(true);
    expect(
      errorFromTransport(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), ctx).isTransient,
    ).toBe(true);
  });
  it('idempotent requests are unchanged', () => {
    expect(errorFromTransport(timeout, { method: 'POST', url: '/x' }).isTransient).toBe(true);
    expect(errorFromTransport(reset, { method: 'GET', url: '/x', idempotent: true, sent: true }).isTransient).toBe(
      true,
    );
  });
});

describe('trackingTransport', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  function send(p: number): Promise<SendState> {
    const state: SendState = { requested: false, sent: false };
    return new Promise((resolve) => {
      const req = trackingTransport(state, 2000).request(
        { protocol: 'http:', host: '127.0.0.1', port: p, method: 'POST', agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(state));
        },
      );
      req.on('error', () => resolve(state));
      req.end('{}');
    });
  }

  it('records a request carried by a connected socket as sent', async () => {
    expect(await send(port)).toEqual({ requested: true, sent: true });
  });
  it('a refused connection was not sent', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await send(closed)).toEqual({ requested: true, sent: false });
  });
});
