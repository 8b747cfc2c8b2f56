import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { inspect } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ResilienceConfigError, ResilienceModule } from 'nest-resilience';
import {
  ApiClient,
  Endpoint,
  HeaderInjectionError,
  InjectApiClient,
  InjectEndpoint,
  ResilienceHttpModule,
} from 'nest-resilience/http';
import { srv, useQuoteServer } from './support/http-client-app.js';

useQuoteServer();

describe('ResilienceHttpModule + ResilienceModule (e2e): bad declarations and missing keys', () => {
  it('bad declarations fail at bootstrap naming the option; a missing key env names endpoint and variable', async () => {
    const bootWith = async (opts: Parameters<typeof ResilienceHttpModule.forRoot>[0]) => {
      @Module({ imports: [ResilienceModule.forRoot({ retries: { r: {} } }), ResilienceHttpModule.forRoot(opts)] })
      class M {}
      return Test.createTestingModule({ imports: [M] })
        .compile()
        .then(
          async (m) => {
            await m.close();
            return undefined;
          },
          (e: unknown) => e,
        );
    };
    const e1 = (await bootWith({
      clients: { pay: { baseUrl: srv.baseUrl, retry: 'missing' } },
    })) as ResilienceConfigError;
    expect(e1).toBeInstanceOf(ResilienceConfigError);
    expect(e1.path).toBe('clients.pay.retry');
    const e2 = (await bootWith({
      endpoints: {
        openaiChat: { provider: 'openai', baseUrl: srv.baseUrl, endpoint: 'chat', apiKeyEnv: 'NR_E2E_UNSET_KEY' },
      },
      env: {},
    })) as ResilienceConfigError;
    expect(e2).toBeInstanceOf(ResilienceConfigError);
    expect(e2.path).toBe('endpoints.openaiChat.apiKeyEnv');
    expect(e2.message).toContain('NR_E2E_UNSET_KEY');
    expect(e2.message).toContain("'openaiChat'");
    const e3 = (await bootWith({
      endpoints: { x: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'e', authType: 'none', client: 'nope' } },
    })) as ResilienceConfigError;
    expect(e3.path).toBe('endpoints.x.client');
  });

  it('a missing key fails a real bootstrap naming endpoint and variable; nothing printed or thrown holds a key', async () => {
    const canary = `zq-canary-${Math.random().toString(36).slice(2)}`;
    const printed: string[] = [];
    const capture = (...args: unknown[]) =>
      void printed.push(
        args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : inspect(a, { depth: 10 }))).join(' '),
      );
    const logger = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture, fatal: capture };
    const bootstrap = async (http: Parameters<typeof ResilienceHttpModule.forRoot>[0]) => {
      @Module({ imports: [ResilienceModule.forRoot(), ResilienceHttpModule.forRoot(http)] })
      class Root {}
      return NestFactory.createApplicationContext(Root, { logger, abortOnError: false }).then(
        async (app) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e,
      );
    };
    // Other clients and endpoints hold the key, and the environment has it under another name.
    const others = {
      clients: {
        partner: { baseUrl: srv.baseUrl, headers: { Authorization: `Bearer ${canary}`, 'X-Partner': canary } },
      },
      env: { OTHER_PROVIDER_KEY: canary },
    };
    const missing = (await bootstrap({
      ...others,
      endpoints: {
        anthropic: {
          provider: 'anthropic',
          baseUrl: srv.baseUrl,
          endpoint: 'v1/messages',
          authType: 'x-api-key',
          apiKey: canary,
        },
        openaiChat: {
          provider: 'openai',
          baseUrl: srv.baseUrl,
          endpoint: 'chat/completions',
          apiKeyEnv: 'OPENAI_API_KEY',
        },
      },
    })) as ResilienceConfigError;
    expect(missing).toBeInstanceOf(ResilienceConfigError);
    expect(missing.path).toBe('endpoints.openaiChat.apiKeyEnv');
    expect(missing.message).toContain("endpoint 'openaiChat'");
    expect(missing.message).toContain('OPENAI_API_KEY');
    // Keys that are present but unusable are not shown either.
    const both = (await bootstrap({
      ...others,
      endpoints: {
        e: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'x', apiKey: canary, apiKeyEnv: 'OTHER_PROVIDER_KEY' },
      },
    })) as Error;
    expect(both).toBeInstanceOf(ResilienceConfigError);
    const crlf = (await bootstrap({
      ...others,
      endpoints: { e: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'x', apiKey: `${canary}\r\nX-Evil: 1` } },
    })) as Error;
    expect(crlf).toBeInstanceOf(HeaderInjectionError);
    expect(crlf.message).toContain("endpoint 'e'");
    expect(printed.length).toBeGreaterThan(0); // Nest did print the failures
    const shown = [
      ...printed,
      ...[missing, both, crlf].flatMap((e) => [
        String(e),
        e.stack ?? '',
        JSON.stringify(e),
        inspect(e, { depth: 10, showHidden: true }),
      ]),
    ].join('\n');
    expect(shown).toContain('OPENAI_API_KEY');
    expect(shown).not.toContain(canary);
  });
});

describe('bootstrap errors name what is wrong and where', () => {
  @Injectable()
  class TypoService {
    @InjectEndpoint('chatTypo') readonly chat!: Endpoint;
    constructor(@InjectApiClient('paymnts') readonly payments: ApiClient) {}
  }

  async function bootError(
    http: DynamicModule,
    providers: Array<new (...args: never[]) => unknown> = [TypoService],
  ): Promise<Error | undefined> {
    @Module({ imports: [ResilienceModule.forRoot({}), http], providers })
    class M {}
    return Test.createTestingModule({ imports: [M] })
      .compile()
      .then(
        async (m) => {
          await m.close();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
  }

  it("forRootAsync / registerClientAsync: @InjectApiClient('paymnts') of an unregistered name fails the bootstrap naming it", async () => {
    for (const http of [
      ResilienceHttpModule.forRootAsync({
        useFactory: async () => ({}),
        clients: { payments: { baseUrl: srv.baseUrl }, refunds: { baseUrl: srv.baseUrl } },
        endpoints: { chatTypo: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'c', authType: 'none' } },
      }),
      ResilienceHttpModule.registerClientAsync({ name: 'payments', useFactory: () => ({ baseUrl: srv.baseUrl }) }),
    ]) {
      const err = (await bootError(http)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain('TypoService');
      expect(err.message).toContain('nest-resilience:api-client:paymnts');
    }
  });

  it('an unregistered @InjectEndpoint property fails the same way; forRoot too', async () => {
    const err = (await bootError(
      ResilienceHttpModule.forRoot({
        clients: { paymnts: { baseUrl: srv.baseUrl } },
        endpoints: { chat: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'c', authType: 'none' } },
      }),
    )) as Error;
    expect(err.message).toContain('TypoService');
    expect(err.message).toContain('nest-resilience:endpoint:chatTypo');
    const viaForRoot = (await bootError(
      ResilienceHttpModule.forRoot({ clients: { payments: { baseUrl: srv.baseUrl } } }),
    )) as Error;
    expect(viaForRoot.message).toContain('nest-resilience:api-client:paymnts');
  });

  it('a CR/LF header names the client (and an endpoint header names the endpoint), never the value', async () => {
    const value = 'sk-crlf-canary-0001\r\nX-Evil: 1';
    const err = (await bootError(
      ResilienceHttpModule.forRoot({
        clients: { partner: { baseUrl: srv.baseUrl, headers: { 'X-Partner-Key': value } } },
      }),
      [],
    )) as HeaderInjectionError;
    expect(err).toBeInstanceOf(HeaderInjectionError);
    expect(err.message).toContain('"X-Partner-Key"');
    expect(err.message).toContain("client 'partner' (clients.partner.headers)");
    expect(err.where).toBe("client 'partner' (clients.partner.headers)");
    expect(err.message).not.toContain('sk-crlf-canary');
    const ep = (await bootError(
      ResilienceHttpModule.forRoot({
        endpoints: {
          chat: {
            provider: 'p',
            baseUrl: srv.baseUrl,
            endpoint: 'c',
            authType: 'none',
            defaultHeaders: { 'X-Trace': 'a\nb' },
          },
        },
      }),
      [],
    )) as HeaderInjectionError;
    expect(ep).toBeInstanceOf(HeaderInjectionError);
    expect(ep.message).toContain("endpoint 'chat' (endpoints.chat.defaultHeaders)");
  });
});
