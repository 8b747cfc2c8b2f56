import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ResilienceModule, WithRetry } from 'nest-resilience';
import { ApiClient, InjectApiClient, ResilienceHttpModule } from 'nest-resilience/http';
import { srv, useQuoteServer } from './support/http-client-app.js';

useQuoteServer();

describe('@WithRetry around an ApiClient: no double-billed POST', () => {
  it('a POST whose response timed out reaches the upstream once; a POST answered 503 is retried', async () => {
    let arrivals = 0;
    srv.handle = (req, res) => {
      arrivals++;
      if (req.url === '/charge-hang') return; // never answers
      if (arrivals === 1)
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"message":"overloaded"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"charged":true}');
    };
    @Injectable()
    class Billing {
      constructor(@InjectApiClient('billing') readonly client: ApiClient) {}

      @WithRetry({ maxRetries: 3, baseDelayMs: 1, jitter: 'none' })
      charge(path: string): Promise<unknown> {
        return this.client.post(path, { amount: 1 });
      }
    }
    @Module({
      imports: [
        ResilienceModule.forRoot({}),
        ResilienceHttpModule.forRoot({ clients: { billing: { baseUrl: srv.baseUrl, timeoutMs: 200 } } }),
      ],
      providers: [Billing],
    })
    class BillingModule {}
    const app = await Test.createTestingModule({ imports: [BillingModule] }).compile();
    await app.init();
    try {
      const billing = app.get(Billing);
      const err = (await billing.charge('/charge-hang').catch((e: unknown) => e)) as {
        name: string;
        isTransient: boolean;
        notRetriedReason?: string;
      };
      expect(err.name).toBe('UpstreamTimeoutError');
      expect(err.isTransient).toBe(false);
      expect(err.notRetriedReason).toContain('POST is not idempotent');
      expect(arrivals).toBe(1);
      arrivals = 0;
      await expect(billing.charge('/charge')).resolves.toEqual({ charged: true });
      expect(arrivals).toBe(2);
    } finally {
      await app.close();
    }
  });
});
