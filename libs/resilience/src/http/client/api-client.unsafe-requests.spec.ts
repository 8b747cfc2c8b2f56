import { UpstreamNotFoundError } from '../index.js';
import { HostOverrideError, InvalidRequestError } from '../errors/invalid-request.error.js';
import { HeaderInjectionError } from '../errors/header-injection.error.js';
import { client, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

describe('ApiClient refuses unsafe requests before any I/O', () => {
  it.each([
    'http://evil.example/x',
    'https://evil.example',
    '//evil.example/x',
    '\\\\evil.example/x',
    '/\\evil.example',
    ' //evil.example',
    'HTTP://evil.example',
  ])('rejects %p', async (path) => {
    srv.received.length = 0;
    const e = (await failure(client().request('GET', path))) as HostOverrideError;
    expect(e).toBeInstanceOf(HostOverrideError);
    expect(e.reason).toBe('host-override');
    expect(e.isTransient).toBe(false);
    expect(srv.received).toHaveLength(0);
  });

  it('keeps ordinary paths on the base host (including "@" and ":" in the path)', async () => {
    const c = client();
    expect(await c.request('GET', '/echo', { params: { a: 1 } })).toMatchObject({ url: '/echo?a=1' });
    srv.received.length = 0;
    const e = (await failure(c.request('GET', '@evil.example:80'))) as UpstreamNotFoundError; // → base/@evil.example:80
    expect(e.url).toBe(`${srv.baseUrl}/@evil.example:80`);
    expect(srv.received.map((r) => r.url)).toEqual(['/@evil.example:80']);
  });

  it('accepts absolute URLs only with allowAbsoluteUrls', async () => {
    const c = client({ allowAbsoluteUrls: true });
    expect(await c.request('GET', `${srv.baseUrl}/json`)).toEqual({ ok: true, n: 1 });
    expect(await c.request('GET', `//127.0.0.1:${srv.port}/json`)).toEqual({ ok: true, n: 1 });
  });

  it('rejects CR/LF in request headers (typed, value not echoed)', async () => {
    srv.received.length = 0;
    const e = (await failure(
      client().request('GET', '/json', { headers: { 'X-Token': 'abc\r\nX-Evil: 1' } }),
    )) as HeaderInjectionError;
    expect(e).toBeInstanceOf(HeaderInjectionError);
    expect(e.part).toBe('value');
    expect(e.message).not.toContain('abc');
    const n = (await failure(
      client().request('GET', '/json', { headers: { 'X-A\r\nX-B': 'v' } }),
    )) as HeaderInjectionError;
    expect(n.part).toBe('name');
    expect(srv.received).toHaveLength(0);
    expect(() => client({ headers: { Authorization: 'Bearer x\ny' } })).toThrow(HeaderInjectionError);
  });

  it('refuses both json and data', async () => {
    const e = (await failure(client().request('POST', '/echo', { json: {}, data: 'x' }))) as InvalidRequestError;
    expect(e.reason).toBe('body-conflict');
    const t = (await failure(client().request('GET', '/json', { timeoutMs: -1 }))) as InvalidRequestError;
    expect(t.reason).toBe('invalid-option');
  });
});
