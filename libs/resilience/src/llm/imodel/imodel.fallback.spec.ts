import { VirtualClock } from '../../core/clock.js';
import { setListenerErrorReporter } from '../../core/events/event-emitter.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import { isModelFallbackExhaustedError } from '../errors/model-fallback-exhausted.error.js';
import { startAnthropicServer } from '../testing-support/anthropic-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import {
  openAIInsufficientQuota,
  openAIInvalidKey,
  openAIServerError,
  openAIContextLengthExceeded,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import type { ModelFallbackEvent } from './fallback.js';
import { ModelRegistry } from './imodel-registry.js';
import { IModel } from './imodel.js';

/** Fallbacks between real servers: an OpenAI-compatible primary, a second one, an Anthropic backup. */
const CANARY = 'sk-canary-7f3a9e';
let primary: OpenAIServer, second: OpenAIServer;
let backup: LlmTestServer;
let registry: ModelRegistry<IModel>;
let clock: VirtualClock;

beforeAll(async () => {
  [primary, second, backup] = await Promise.all([startOpenAIServer(), startOpenAIServer(), startAnthropicServer()]);
});
afterAll(() => Promise.all([primary.close(), second.close(), backup.close()]));
beforeEach(() => {
  registry = new ModelRegistry<IModel>();
  clock = new VirtualClock(Date.now());
  for (const s of [primary, second, backup]) s.received.length = 0;
});
// Not awaited: an executor whose breaker refused a call does not settle stop() (see the report on executor.ts).
afterEach(() => registry.names().forEach((n) => void registry.get(n).close({ drain: false })));

const EXEC: ExecutorOptions = { concurrencyLimit: 2, requestsRate: 1000, apiTokensRate: 1_000_000 };
const fixed = (n: number): TokenEstimator => ({ estimateInput: () => n });

function gpt(name: string, server: OpenAIServer, extra: Record<string, unknown> = {}): IModel {
  const options = { provider: 'openai' as const, model: 'gpt-4o-mini', apiKey: CANARY, baseUrl: server.apiBaseUrl };
  return IModel.create(name, { ...options, executor: EXEC, ...extra }, { registry, clock });
}
function claude(name: string, extra: Record<string, unknown> = {}): IModel {
  const options = {
    provider: 'anthropic' as const,
    model: 'claude-sonnet-4-5',
    apiKey: CANARY,
    baseUrl: backup.baseUrl,
  };
  return IModel.create(name, { ...options, executor: EXEC, ...extra }, { registry, clock });
}

/**
 * Runs the virtual clock (retry sleeps) while real I/O completes; bounded by 5,000 turns (a
 * loaded machine's HTTP may need seconds of real time: the bound is not a timing assertion).
 */
async function drive<T>(p: Promise<T>): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5000 && !done; i++) {
    await clock.advance(10);
    await new Promise((r) => setTimeout(r, 1));
  }
  return p;
}

const ASK = { messages: [{ role: 'user' as const, content: 'hello' }] };

describe('fallbacks', () => {
  it('moves on when the primary breaker is open: answered by the fallback, primary server not hit', async () => {
    const main = gpt('main', primary, {
      fallbacks: ['claude'],
      executor: { ...EXEC, circuitBreaker: { failureThreshold: 2, recoveryTimeMs: 60_000 } },
    });
    claude('claude');
    const moves: ModelFallbackEvent[] = [];
    main.onFallback((e) => moves.push(e));
    primary.enqueue(openAIServerError(503), openAIServerError(503));
    await drive(main.chat(ASK)); // two transient failures open the breaker (each answered by the fallback)
    await drive(main.chat(ASK));
    expect(primary.received).toHaveLength(2);
    const r = await drive(main.chat(ASK));
    expect(primary.received).toHaveLength(2); // open breaker: the primary is not called
    expect(r.modelName).toBe('claude');
    expect(r.provider).toBe('anthropic');
    expect(r.fallbackFrom).toEqual(['main']);
    expect(r.text).toBe('Reply to: hello');
    expect(moves.map((m) => m.errorType)).toEqual([
      'UpstreamServerError',
      'UpstreamServerError',
      'CircuitBreakerOpenError',
    ]);
    expect(moves[2]).toMatchObject({ modelName: 'main', from: 'main', to: 'claude', stream: false });
    expect(JSON.stringify(moves)).not.toContain(CANARY);
  });

  it('moves on after the retries are exhausted on transient errors (503 × 3), with its own estimate and executor', async () => {
    const main = gpt('main', primary, {
      fallbacks: ['alt'],
      estimator: fixed(10),
      executor: { ...EXEC, retry: { maxRetries: 2, baseDelayMs: 1, jitter: 'none' } },
    });
    const alt = gpt('alt', second, { estimator: fixed(20), maxTokens: 100 });
    primary.enqueue(openAIServerError(503), openAIServerError(503), openAIServerError(503));
    const r = await drive(main.chat(ASK));
    expect(primary.received).toHaveLength(3);
    expect(second.received).toHaveLength(1);
    expect(r.modelName).toBe('alt');
    expect(r.fallbackFrom).toEqual(['main']);
    expect(r.estimatedTokens).toBe(20 + 100); // the fallback's estimator and maxTokens
    expect(r.eventId).toMatch(/^alt-/); // an event of the fallback's own executor
    expect(alt.executor).not.toBe(main.executor);
  });

  it.each([
    ['400 bad request', openAIContextLengthExceeded(), 'UpstreamBadRequestError'],
    ['401 invalid key', openAIInvalidKey(CANARY), 'UpstreamAuthenticationError'],
    ['429 insufficient_quota', openAIInsufficientQuota(), 'UpstreamRateLimitError'],
  ])('never moves on a permanent error (%s): rejects with it as is', async (_label, reply, name) => {
    const main = gpt('main', primary, { fallbacks: ['alt'] });
    gpt('alt', second);
    let moved = 0;
    main.onFallback(() => moved++);
    primary.enqueue(reply);
    const error = await drive(main.chat(ASK)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name });
    expect(second.received).toHaveLength(0);
    expect(moved).toBe(0);
    expect(JSON.stringify(error)).not.toContain(CANARY);
    expect(String((error as Error).stack)).not.toContain(CANARY);
  });

  it('a cancelled call never moves on', async () => {
    const main = gpt('main', primary, { fallbacks: ['alt'] });
    gpt('alt', second);
    const ac = new AbortController();
    ac.abort();
    await expect(main.chat({ ...ASK, signal: ac.signal })).rejects.toMatchObject({ name: 'RequestCancelledError' });
    expect(second.received).toHaveLength(0);
  });

  it('moves on when the primary queue is full', async () => {
    const main = gpt('main', primary, {
      fallbacks: ['alt'],
      executor: { ...EXEC, concurrencyLimit: 1, queueCapacity: 0 },
    });
    gpt('alt', second);
    primary.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const stuck = main.chat({ ...ASK, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    const r = await drive(main.chat(ASK));
    expect(r.modelName).toBe('alt');
    ac.abort();
    await expect(stuck).rejects.toMatchObject({ name: 'RequestCancelledError' });
  });

  it('all models failing: ModelFallbackExhaustedError listing each, each model tried once (cycle)', async () => {
    const main = gpt('main', primary, { fallbacks: ['alt'] });
    gpt('alt', second, { fallbacks: ['claude', 'main'] });
    claude('claude', { fallbacks: ['alt', 'main'] });
    primary.enqueue(openAIServerError(503));
    second.enqueue(openAIServerError(503));
    backup.enqueue({
      status: 529,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    const error = await drive(main.chat(ASK)).catch((e: unknown) => e);
    expect(isModelFallbackExhaustedError(error)).toBe(true);
    if (!isModelFallbackExhaustedError(error)) return;
    expect(error.failures.map((f) => [f.modelName, f.errorType])).toEqual([
      ['main', 'UpstreamServerError'],
      ['alt', 'UpstreamServerError'],
      ['claude', 'UpstreamServerError'],
    ]);
    expect(error.isTransient).toBe(true);
    expect(error.lastError).toMatchObject({ status: 529 });
    expect([primary, second, backup].map((s) => s.received.length)).toEqual([1, 1, 1]);
    expect(JSON.stringify(error)).not.toContain(CANARY);
  });

  it('order: the fallbacks in order, then theirs (breadth first), each once', async () => {
    const a = gpt('a', primary, { fallbacks: ['b', 'c'] });
    gpt('b', primary, { fallbacks: ['d', 'a'] });
    gpt('c', primary, { fallbacks: ['b'] });
    gpt('d', primary);
    primary.enqueue(...[1, 2, 3, 4].map(() => openAIServerError(503)));
    const error = await drive(a.chat(ASK)).catch((e: unknown) => e);
    expect(isModelFallbackExhaustedError(error) && error.failures.map((f) => f.modelName)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(primary.received).toHaveLength(4);
  });

  it('a 500 (not retried on the same model: a completion may have been processed) moves on', async () => {
    const main = gpt('main', primary, {
      fallbacks: ['alt'],
      executor: { ...EXEC, retry: { maxRetries: 3, baseDelayMs: 1 } },
    });
    gpt('alt', second);
    primary.enqueue(openAIServerError(500));
    const r = await drive(main.chat(ASK));
    expect(primary.received).toHaveLength(1); // not retried on main
    expect(r.modelName).toBe('alt');
  });

  it('a throwing onFallback listener is isolated: the call still moves on', async () => {
    const reported: unknown[] = [];
    setListenerErrorReporter((e) => reported.push(e));
    const main = gpt('main', primary, { fallbacks: ['alt'] });
    gpt('alt', second);
    main.onFallback(() => {
      throw new Error('listener bug');
    });
    primary.enqueue(openAIServerError(503));
    expect((await drive(main.chat(ASK))).modelName).toBe('alt');
    expect(reported).toEqual([expect.objectContaining({ message: 'listener bug' })]);
    setListenerErrorReporter((e) => console.error(e));
  });

  it('a model without fallbacks rejects with its own error', async () => {
    const main = gpt('main', primary);
    primary.enqueue(openAIServerError(503));
    await expect(drive(main.chat(ASK))).rejects.toMatchObject({ name: 'UpstreamServerError', status: 503 });
  });

  it('a fallback that stops at a permanent error rejects with that error', async () => {
    const main = gpt('main', primary, { fallbacks: ['alt'] });
    gpt('alt', second);
    primary.enqueue(openAIServerError(503));
    second.enqueue(openAIInvalidKey());
    await expect(drive(main.chat(ASK))).rejects.toMatchObject({ name: 'UpstreamAuthenticationError' });
  });

  it('a fallback name nobody registered rejects with ModelNotFoundError naming the option', async () => {
    const main = gpt('main', primary, { fallbacks: ['ghost'] });
    primary.enqueue(openAIServerError(503));
    await expect(drive(main.chat(ASK))).rejects.toMatchObject({
      name: 'ModelNotFoundError',
      modelName: 'ghost',
      path: 'models.main.fallbacks[0]',
    });
  });
});
