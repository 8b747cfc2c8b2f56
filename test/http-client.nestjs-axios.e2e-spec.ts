import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { ApiClient, ResilienceHttpModule, getApiClientToken } from 'nest-resilience/http';
import { srv, useQuoteServer } from './support/http-client-app.js';

useQuoteServer();

describe('ResilienceHttpModule with @nestjs/axios', () => {
  it("a client declared with HttpService.axiosRef sends through it: HttpModule's interceptors run", async () => {
    const { HttpModule, HttpService } = await import('@nestjs/axios');
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceHttpModule.registerClientAsync({
          name: 'viaHttpService',
          imports: [HttpModule],
          inject: [HttpService],
          useFactory: (http: InstanceType<typeof HttpService>) => {
            http.axiosRef.interceptors.request.use((config) => {
              config.headers.set('x-traced-by', 'http-module');
              return config;
            });
            return { baseUrl: srv.baseUrl, axios: http.axiosRef };
          },
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const client = moduleRef.get<ApiClient>(getApiClientToken('viaHttpService'));
      const res = await client.requestRaw('GET', '/traced');
      expect(res.status).toBe(200);
      expect(srv.received.at(-1)!.url).toBe('/traced');
      expect(srv.received.at(-1)!.headers['x-traced-by']).toBe('http-module');
    } finally {
      await moduleRef.close();
    }
  });
});
