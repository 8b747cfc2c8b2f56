import { Endpoint } from './endpoint.js';
import { UpstreamTimeoutError } from '../errors/transport.error.js';
import { startTestServer, type TestServer } from '../testing-support/http-test-server.js';

let srv: TestServer;
const open: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  for (const o of open) await o.close();
  await srv.close();
});

describe('Endpoint options', () => {
  it("a call's timeoutMs is the attempt's timeout (not the endpoint's)", async () => {
    const e = new Endpoint({
      name: 'slow',
      provider: 'p',
      baseUrl: srv.baseUrl,
      endpoint: 'hang',
      method: 'GET',
      authType: 'none',
      timeoutMs: 60_000,
    });
    open.push(e);
    const err = await e.call({}, { timeoutMs: 30 }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect((err as UpstreamTimeoutError).timeoutMs).toBe(30);
  });

  it('header names ending in key / token are secret for endpoints as for clients (one rule)', () => {
    const e = new Endpoint({
      name: 'h',
      provider: 'p',
      baseUrl: srv.baseUrl,
      endpoint: 'x',
      authType: 'none',
      defaultHeaders: { 'X-Partner-Key': 'pk-123456', 'X-Session-Token': 'st-123456', 'X-Trace': 't' },
    });
    open.push(e);
    expect(e.config.defaultHeaders).toEqual({
      'X-Partner-Key': '[REDACTED]',
      'X-Session-Token': '[REDACTED]',
      'X-Trace': 't',
    });
  });
});
