import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { VirtualClock } from 'nest-resilience';
import { AdaptiveRateLimiter, UpstreamRateLimitError, errorFromTransport } from 'nest-resilience/http';

describe('AdaptiveRateLimiter fed by a real server (axios response and ApiClientError headers)', () => {
  let server: http.Server;
  let base: string;
  const agent = new http.Agent({ keepAlive: false });
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/limited') {
        res.writeHead(429, {
          'content-type': 'application/json',
          'Retry-After': '3',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '20s',
          'x-ratelimit-limit-requests': '60',
        });
        res.end('{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '30',
        'x-ratelimit-reset-requests': '10s',
      });
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('adapts from a 200 and pauses on a 429 mapped by errorFromTransport', async () => {
    const clock = new VirtualClock();
    const l = new AdaptiveRateLimiter({ initialRate: 10, minRate: 0.5 }, { clock });
    const ok = await axios.get(`${base}/ok`, { httpAgent: agent, proxy: false });
    expect(l.updateFromHeaders(ok.headers, ok.status).rate).toBeCloseTo(2.7, 12); // 30 / 10 s × 0.9
    const raw = await axios.get(`${base}/limited`, { httpAgent: agent, proxy: false }).catch((e: unknown) => e);
    const err = errorFromTransport(raw, { method: 'GET', url: `${base}/limited` });
    expect(err).toBeInstanceOf(UpstreamRateLimitError);
    const u = l.updateFromHeaders(err.headers, err.status);
    expect(u.rate).toBe(0.5);
    // remaining 0 → until the 20 s reset, which outlasts Retry-After: 3
    expect(u.pausedUntil).toBe(clock.now() + 20_000);
  });
});
