import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CircuitBreaker } from '../decorators/circuit-breaker.decorator.js';
import { isResilienceNotInitializedError } from '../errors/not-initialized.error.js';
import { isResilienceRegistryClosedError, ResilienceRegistryClosedError } from '../errors/registry-closed.error.js';
import { ResilienceModule } from '../resilience.module.js';
import { CircuitBreakerService } from '../services/circuit-breaker.service.js';
import { ResilienceRegistry } from './resilience.registry.js';

class Transient extends Error {
  readonly isTransient = true;
}

@Injectable()
class Worker {
  @CircuitBreaker({ failureThreshold: 1 })
  async run(fail: boolean) {
    if (fail) throw new Transient('down');
    return 'ran';
  }
}

/** Not created by Nest: runs on the most recently initialised application. */
class Plain {
  @CircuitBreaker()
  static async ping() {
    return 'pong';
  }
}

const open: TestingModule[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

async function app(): Promise<TestingModule> {
  const m = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()], providers: [Worker] }).compile();
  await m.init();
  open.push(m);
  return m;
}

async function close(m: TestingModule): Promise<void> {
  open.splice(open.indexOf(m), 1);
  await m.close();
}

describe('registry lifecycle', () => {
  it('each application keeps its own policies; an instance runs on the registry it was created with', async () => {
    const a = await app();
    const b = await app();
    await expect(a.get(Worker).run(true)).rejects.toThrow('down');
    expect(a.get(CircuitBreakerService).state('Worker.run')).toBe('open');
    expect(b.get(CircuitBreakerService).state('Worker.run')).toBe('closed');
    await expect(b.get(Worker).run(false)).resolves.toBe('ran');
  });

  it('after app.close(), a call on one of its instances rejects with ResilienceRegistryClosedError', async () => {
    const a = await app();
    const worker = a.get(Worker);
    await expect(worker.run(false)).resolves.toBe('ran');
    await close(a);
    const error = await worker.run(false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceRegistryClosedError);
    expect(isResilienceRegistryClosedError(error)).toBe(true);
    expect((error as ResilienceRegistryClosedError).method).toBe('Worker.run');
    expect((error as Error).message).toBe(
      'Worker.run was called after its application closed: the ResilienceModule it was created by is shut down (app.close())',
    );
  });

  it('a method of a class Nest did not create moves to the newest open application, or rejects once none is', async () => {
    const a = await app();
    const b = await app();
    await expect(Plain.ping()).resolves.toBe('pong');
    expect(b.get(CircuitBreakerService).snapshot('Plain.ping').successes).toBe(1);
    await close(b);
    await expect(Plain.ping()).resolves.toBe('pong');
    expect(a.get(CircuitBreakerService).snapshot('Plain.ping').successes).toBe(1);
    await close(a);
    const error = await Plain.ping().catch((e: unknown) => e);
    expect(isResilienceNotInitializedError(error)).toBe(true);
  });

  it('a closed registry is not kept alive by the trampolines that ran through it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // In a function of its own: a suspended async function keeps its locals alive.
    const ref = await (async () => {
      const a = await app();
      const registry = new WeakRef(a.get(ResilienceRegistry));
      await expect(Plain.ping()).resolves.toBe('pong');
      await expect(a.get(Worker).run(false)).resolves.toBe('ran');
      await close(a);
      return registry;
    })();
    for (let i = 0; i < 10 && ref.deref() !== undefined; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(ref.deref()).toBeUndefined();
  });
});
