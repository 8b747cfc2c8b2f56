import { ResilienceConfigError } from '../../core/index.js';
import { ResilienceRegistry } from '../../nest/registry/resilience.registry.js';
import { ApiClient } from './api-client.js';

describe('ApiClient options', () => {
  it('validates options with ResilienceConfigError naming clients.<name>.<option>', () => {
    const cases: [object, string][] = [
      [{ baseUrl: 'ftp://x' }, 'clients.test.baseUrl'],
      [{ baseUrl: 'http://x?q=1' }, 'clients.test.baseUrl'],
      [{ timeout: 0 }, 'clients.test.timeout'],
      [{ maxSockets: 0.5 }, 'clients.test.maxSockets'],
      [{ allowAbsoluteUrls: 'yes' }, 'clients.test.allowAbsoluteUrls'],
      [{ retry: 'nope' }, 'clients.test.retry'],
      [{ timout: 5 }, 'clients.test.timout'],
    ];
    for (const [extra, path] of cases) {
      let err: unknown;
      try {
        new ApiClient({ name: 'test', baseUrl: 'http://127.0.0.1:1', ...extra } as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(path);
    }
  });

  it('resolves policy names through a registry; an unknown name names the option', async () => {
    const registry = await ResilienceRegistry.create({ retries: { fast: { maxRetries: 1 } } });
    try {
      expect(
        () => new ApiClient({ name: 'p', baseUrl: 'http://127.0.0.1:1', retry: 'slow' }, { policies: registry }),
      ).toThrow(expect.objectContaining({ path: 'clients.p.retry', value: 'slow' }) as never);
      const c = new ApiClient({ name: 'p', baseUrl: 'http://127.0.0.1:1', retry: 'fast' }, { policies: registry });
      await c.close();
    } finally {
      await registry.close();
    }
  });
});
