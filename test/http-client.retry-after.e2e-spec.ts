import { VirtualClock } from 'nest-resilience';
import { UpstreamRateLimitError } from 'nest-resilience/http';
import { waitFor } from '../libs/resilience/src/http/testing-support/http-test-server.js';
import { HINTS, QuoteService, boot, quoteCalls, setHint, srv, useQuoteServer } from './support/http-client-app.js';

useQuoteServer();

/** Asserts that the retry of /quote reaches the server only once the virtual clock has moved 3000 ms. */
async function expectRetryAfterExactly3s(clock: VirtualClock, call: Promise<{ quote: number }>): Promise<void> {
  await waitFor(() => quoteCalls === 1 && clock.pendingTimers() === 1);
  await clock.advance(2999);
  // The retry wait is still pending: an early retry would have consumed the timer.
  expect(clock.pendingTimers()).toBe(1);
  expect(quoteCalls).toBe(1);
  await clock.advance(1);
  await waitFor(() => quoteCalls === 2);
  await expect(call).resolves.toEqual({ quote: 2 });
  expect(srv.received.filter((r) => r.url === '/quote')).toHaveLength(2);
}

describe('ResilienceHttpModule + ResilienceModule (e2e): retry hints', () => {
  it.each(Object.keys(HINTS))('a decorated method retries a 429 after exactly the hinted delay (%s)', async (name) => {
    setHint(name);
    const clock = new VirtualClock();
    const app = await boot(clock);
    try {
      const svc = app.get(QuoteService);
      await expectRetryAfterExactly3s(clock, svc.fetchQuote());
    } finally {
      await app.close();
    }
  });

  it('a client with a named retry policy does the same on its own', async () => {
    const clock = new VirtualClock();
    const app = await boot(clock);
    try {
      const svc = app.get(QuoteService);
      await expectRetryAfterExactly3s(clock, svc.quotesWithRetry.request('GET', '/quote'));
    } finally {
      await app.close();
    }
  });

  it('without a retry policy the 429 surfaces as UpstreamRateLimitError with retryAfterMs', async () => {
    const app = await boot(new VirtualClock());
    try {
      const err = await app
        .get(QuoteService)
        .quotes.request('GET', '/quote')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamRateLimitError);
      expect((err as UpstreamRateLimitError).retryAfterMs).toBe(3000);
    } finally {
      await app.close();
    }
  });
});
