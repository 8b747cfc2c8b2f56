import { ApiClientError } from '../index.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { client, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

describe('ApiClient bodies', () => {
  it('parses JSON, returns text otherwise and undefined for 204 / empty bodies', async () => {
    const c = client();
    expect(await c.request('GET', '/json')).toEqual({ ok: true, n: 1 });
    expect(await c.request('GET', '/text')).toBe('hello');
    expect(await c.request('GET', '/empty')).toBeUndefined();
    expect(await c.request('GET', '/empty-200')).toBeUndefined();
  });

  it('requestRaw returns status, lower-cased headers and the parsed body', async () => {
    const raw = await client().requestRaw('GET', '/json');
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(raw.data).toEqual({ ok: true, n: 1 });
    const empty = await client().requestRaw('DELETE', 'empty');
    expect(empty).toEqual({ status: 204, headers: expect.any(Object), data: undefined });
  });

  it('a JSON content type with an invalid body is a typed, non-transient error', async () => {
    const e = (await failure(client().request('GET', '/bad-json'))) as ApiClientError;
    expect(e).toBeInstanceOf(ApiClientError);
    expect(e.status).toBe(200);
    expect(e.isTransient).toBe(false);
  });

  it('sends json with Content-Type application/json, params as a query string, data raw', async () => {
    const c = client();
    const echoed = (await c.request('POST', '/echo', {
      json: { a: 1 },
      params: { q: 'x y', list: [1, 2], skip: undefined },
    })) as Record<string, unknown>;
    expect(echoed).toEqual({
      method: 'POST',
      url: '/echo?q=x+y&list=1&list=2',
      body: '{"a":1}',
      contentType: 'application/json',
    });
    const raw = (await c.request('PUT', '/echo', {
      data: 'plain',
      headers: { 'Content-Type': 'text/plain' },
    })) as Record<string, unknown>;
    expect(raw).toEqual({ method: 'PUT', url: '/echo', body: 'plain', contentType: 'text/plain' });
  });

  it('call() reads a request object without mutating it and refuses unknown keys', async () => {
    const req = Object.freeze({ method: 'post', url: '/echo', json: { b: 2 }, params: { p: 1 } });
    const out = (await client().call(req)) as Record<string, unknown>;
    expect(out).toEqual({ method: 'POST', url: '/echo?p=1', body: '{"b":2}', contentType: 'application/json' });
    expect(req).toEqual({ method: 'post', url: '/echo', json: { b: 2 }, params: { p: 1 } });
    const e = await failure(client().call({ url: '/json', model: 'x' } as never));
    expect(e).toBeInstanceOf(InvalidRequestError);
    expect((e as InvalidRequestError).reason).toBe('unknown-option');
    expect(srv.received.filter((r) => r.url === '/json')).toHaveLength(0);
  });

  it('call() defaults to GET /', async () => {
    srv.received.length = 0;
    await failure(client().call({}));
    expect(srv.received[0]).toMatchObject({ method: 'GET', url: '/' });
  });
});
