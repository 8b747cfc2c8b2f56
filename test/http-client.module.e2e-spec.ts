import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ResilienceModule, VirtualClock } from 'nest-resilience';
import {
  ApiClient,
  ApiClientRegistry,
  EndpointRegistry,
  ResilienceHttpModule,
  getApiClientToken,
} from 'nest-resilience/http';
import { QuoteService, boot, srv, useQuoteServer } from './support/http-client-app.js';

useQuoteServer();

describe('ResilienceHttpModule + ResilienceModule (e2e)', () => {
  it('injects endpoints and registries; endpoints send their auth header to the filled path', async () => {
    const app = await boot(new VirtualClock());
    try {
      const svc = app.get(QuoteService);
      expect(await svc.llm.call({ prompt: 'hi' })).toEqual({ path: '/v1/chat', auth: 'Bearer sk-e2e-key-0001' });
      expect(app.get(EndpointRegistry).get('llm')).toBe(svc.llm);
      expect(app.get(ApiClientRegistry).get('quotes')).toBe(svc.quotes);
      expect(app.get(getApiClientToken('quotes'))).toBe(svc.quotes);
    } finally {
      await app.close();
    }
  });

  it('closes every client (and endpoint clients) on module destroy', async () => {
    const app = await boot(new VirtualClock());
    const svc = app.get(QuoteService);
    await app.close();
    expect(svc.quotes.closed).toBe(true);
    expect(svc.quotesWithRetry.closed).toBe(true);
    expect(svc.llm.client!.closed).toBe(true);
    await expect(svc.quotes.request('GET', '/x')).rejects.toMatchObject({
      name: 'ClientClosedError',
      client: 'quotes',
    });
  });

  it('registerClientAsync builds a client from a factory; forRootAsync the shared settings (its logger)', async () => {
    const lines: string[] = [];
    @Module({
      imports: [
        ResilienceModule.forRoot({ retries: { r: { maxRetries: 0 } } }),
        ResilienceHttpModule.forRootAsync({ useFactory: async () => ({ logger: { debug: (m) => lines.push(m) } }) }),
        ResilienceHttpModule.registerClientAsync({
          name: 'quotes',
          useFactory: async () => ({ baseUrl: srv.baseUrl, retry: 'r' }),
        }),
      ],
    })
    class AsyncModule {}
    const app = await Test.createTestingModule({ imports: [AsyncModule] }).compile();
    await app.init();
    try {
      const client = app.get<ApiClient>(getApiClientToken('quotes'));
      expect(await client.request('GET', '/hello')).toEqual({ path: '/hello', auth: null });
      expect(lines).toEqual([expect.stringMatching(/^quotes GET http:\/\/127\.0\.0\.1:\d+\/hello → 200 in \d+ ms$/)]);
      expect(app.get(ApiClientRegistry).names()).toEqual(['quotes']);
    } finally {
      await app.close();
    }
  });
});
