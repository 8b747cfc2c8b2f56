import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { Executor } from '../../executor/executor.js';
import { isModelNotFoundError } from '../errors/model-not-found.error.js';
import { ModelRegistry } from './imodel-registry.js';
import { IModel } from './imodel.js';
import type { IModelOptions } from './imodel.options.js';

/** Configuration errors name `models.<name>.<option>` and the value, never a key. */
const CANARY = 'sk-canary-7f3a9e';
const EXEC = { concurrencyLimit: 1, requestsRate: 10 };
const BASE: IModelOptions = { provider: 'openai', model: 'gpt-4o-mini', apiKey: CANARY, executor: EXEC };

function configError(f: () => unknown): Error & { path: string } {
  try {
    f();
  } catch (e) {
    expect(isResilienceConfigError(e)).toBe(true);
    const err = e as Error & { path: string };
    expect(String(err)).not.toContain(CANARY);
    expect(err.stack ?? '').not.toContain(CANARY);
    expect(JSON.stringify(err)).not.toContain(CANARY);
    return err;
  }
  throw new Error('expected a ResilienceConfigError');
}

describe('IModel options', () => {
  it.each<[string, Partial<Record<keyof IModelOptions, unknown>>, string, RegExp]>([
    ['unknown provider', { provider: 'mistral' }, 'models.m.provider', /"mistral"/],
    ['empty model', { model: '' }, 'models.m.model', /""/],
    ['bad timeoutMs', { timeoutMs: 0 }, 'models.m.timeoutMs', /: 0 /],
    ['bad maxTokens', { maxTokens: 1.5 }, 'models.m.maxTokens', /1\.5/],
    [
      'a credential header',
      { headers: { Authorization: `Bearer ${CANARY}` } },
      'models.m.headers.Authorization',
      /credential/,
    ],
    ['x-api-key header', { headers: { 'x-api-key': CANARY } }, 'models.m.headers.x-api-key', /apiKey/],
    ['fallbacks naming itself', { fallbacks: ['m'] }, 'models.m.fallbacks[0]', /"m"/],
    ['a fallback listed twice', { fallbacks: ['a', 'a'] }, 'models.m.fallbacks[1]', /"a"/],
    ['a base URL with a query', { baseUrl: `http://x/v1?key=${CANARY}` }, 'models.m.baseUrl', /REDACTED/],
    ['an unknown option', { apikey: CANARY } as never, 'models.m.apikey', /apikey/],
    ['no executor', { executor: undefined }, 'models.m.executor', /undefined/],
  ])('%s', (_label, patch, path, message) => {
    const err = configError(() =>
      IModel.create('m', { ...BASE, ...patch } as IModelOptions, { registry: new ModelRegistry<IModel>() }),
    );
    expect(err.path).toBe(path);
    expect(err.message).toMatch(message);
  });

  it('no key in options nor env: names the env variable, never a value', () => {
    const err = configError(() =>
      IModel.create('m', { ...BASE, apiKey: undefined, provider: 'anthropic' }, { env: {} }),
    );
    expect(err.path).toBe('models.m.apiKey');
    expect(err.message).toContain('ANTHROPIC_API_KEY');
  });

  it('takes the key from the env variable of the provider', () => {
    const m = IModel.create(
      'g',
      { ...BASE, apiKey: undefined, provider: 'gemini' },
      { env: { GEMINI_API_KEY: CANARY } },
    );
    expect(JSON.stringify(m)).not.toContain(CANARY);
    void m.close();
  });

  it('an executor options error names the executor path, and nothing is created', () => {
    const err = configError(() => IModel.create('m', { ...BASE, executor: { concurrencyLimit: 0, requestsRate: 1 } }));
    expect(err.path).toBe('executors.m.concurrencyLimit');
  });

  it('fallbacks need a registry', () => {
    expect(configError(() => IModel.create('m', { ...BASE, fallbacks: ['b'] })).path).toBe('models.m.fallbacks');
  });

  it('an owned executor is stopped by close(); a shared one is not', async () => {
    const owned = IModel.create('own', BASE);
    const shared = Executor.create('shared', EXEC);
    const user = IModel.create('user', { ...BASE, executor: shared });
    await Promise.all([owned.close(), user.close()]);
    expect(owned.executor.snapshot().running).toBe(false);
    expect(shared.snapshot().running).toBe(true);
    expect(() => owned.acompletion('x')).toThrow(expect.objectContaining({ name: 'ExecutorStoppedError' }) as Error);
    await shared.stop();
  });
});

describe('ModelRegistry', () => {
  it('registers on create, refuses a duplicate name, forgets a closed model', async () => {
    const registry = new ModelRegistry<IModel>();
    const a = IModel.create('a', BASE, { registry });
    expect(registry.get('a')).toBe(a);
    expect(registry.names()).toEqual(['a']);
    expect(configError(() => IModel.create('a', BASE, { registry })).path).toBe('models.a');
    expect(configError(() => registry.register(a)).path).toBe('models.a');
    await a.close();
    expect(registry.has('a')).toBe(false);
    expect(registry.find('a')).toBeUndefined();
    let error: unknown;
    try {
      registry.get('a');
    } catch (e) {
      error = e;
    }
    expect(isModelNotFoundError(error)).toBe(true);
    expect(String(error)).toContain("No model named 'a'");
  });
});
