import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { BulkheadRejectedError, ResilienceConfigError } from '../../core/errors/index.js';
import { ResilienceModule } from '../resilience.module.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { BulkheadService } from '../services/bulkhead.service.js';
import { Bulkhead } from './bulkhead.decorator.js';

/** A gate the test opens by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

let moduleRef: TestingModule | undefined;
afterEach(async () => {
  await moduleRef?.close();
  moduleRef = undefined;
});

async function boot(options: ResilienceModuleOptions, providers: unknown[] = []): Promise<TestingModule> {
  moduleRef = await Test.createTestingModule({
    imports: [ResilienceModule.forRoot(options)],
    providers: providers as never,
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

@Injectable()
class Reports {
  running = 0;
  maxRunning = 0;
  started: string[] = [];

  @Bulkhead({ maxConcurrent: 2, maxQueued: 1 })
  async render(id: string, until: Promise<void>, _signal?: AbortSignal) {
    this.started.push(id);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await until;
      return id;
    } finally {
      this.running--;
    }
  }
}

describe('@Bulkhead', () => {
  it('runs at most maxConcurrent calls, queues maxQueued FIFO, refuses the rest with BulkheadRejectedError', async () => {
    const m = await boot({ clock: new VirtualClock(0) }, [Reports]);
    const reports = m.get(Reports);
    const bulkheads = m.get(BulkheadService);
    const gates = [gate(), gate(), gate()];
    const a = reports.render('a', gates[0]!.promise);
    const b = reports.render('b', gates[1]!.promise);
    const c = reports.render('c', gates[2]!.promise);
    await flushMicrotasks();
    expect(reports.started).toEqual(['a', 'b']);
    expect(bulkheads.snapshot('Reports.render')).toMatchObject({
      name: 'Reports.render',
      inFlight: 2,
      queued: 1,
      maxConcurrent: 2,
      maxQueued: 1,
    });
    const refused = (await reports.render('d', Promise.resolve()).catch((e: unknown) => e)) as BulkheadRejectedError;
    expect(refused).toBeInstanceOf(BulkheadRejectedError);
    expect(refused).toMatchObject({ policy: 'Reports.render', reason: 'queue-full', maxConcurrent: 2, maxQueued: 1 });
    gates[0]!.open();
    expect(await a).toBe('a');
    await flushMicrotasks();
    // The freed slot went to the queued call.
    expect(reports.started).toEqual(['a', 'b', 'c']);
    gates[1]!.open();
    gates[2]!.open();
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
    expect(reports.maxRunning).toBe(2);
    expect(bulkheads.snapshot('Reports.render')).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('a queued caller whose trailing AbortSignal aborts leaves the queue at once', async () => {
    const m = await boot({ clock: new VirtualClock(0) }, [Reports]);
    const reports = m.get(Reports);
    const held = [gate(), gate()];
    const running = held.map((g, i) => reports.render(`r${i}`, g.promise));
    const ac = new AbortController();
    const waiting = reports.render('w', Promise.resolve(), ac.signal).catch((e: unknown) => e);
    await flushMicrotasks();
    expect(m.get(BulkheadService).snapshot('Reports.render').queued).toBe(1);
    ac.abort('gone');
    expect(await waiting).toBe('gone');
    // Its place is free: another caller can queue.
    const next = reports.render('n', Promise.resolve());
    await flushMicrotasks();
    expect(m.get(BulkheadService).snapshot('Reports.render').queued).toBe(1);
    held.forEach((g) => g.open());
    await Promise.all(running);
    expect(await next).toBe('n');
    expect(reports.started).not.toContain('w');
  });

  it('a named bulkhead is shared by every method naming it; maxWaitMs refuses a waiter with wait-timeout', async () => {
    const clock = new VirtualClock(0);
    @Injectable()
    class Db {
      @Bulkhead('db')
      async read(until: Promise<void>) {
        await until;
        return 'read';
      }

      @Bulkhead('db')
      async write(until: Promise<void>) {
        await until;
        return 'write';
      }
    }
    const m = await boot({ clock, bulkheads: { db: { maxConcurrent: 1, maxQueued: 5, maxWaitMs: 1_000 } } }, [Db]);
    const db = m.get(Db);
    const g = gate();
    const read = db.read(g.promise);
    const write = db.write(Promise.resolve()).catch((e: unknown) => e);
    await clock.advance(999);
    expect(m.get(BulkheadService).snapshot('db')).toMatchObject({ inFlight: 1, queued: 1 });
    await clock.advance(1);
    expect(await write).toMatchObject({ name: 'BulkheadRejectedError', reason: 'wait-timeout', policy: 'db' });
    g.open();
    expect(await read).toBe('read');
    expect(m.get(BulkheadService).names()).toEqual(['db']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('maxConcurrent is required: bootstrap fails naming the method and where to set it', async () => {
    @Injectable()
    class Bare {
      @Bulkhead()
      async m() {
        return 1;
      }
    }
    moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()], providers: [Bare] }).compile();
    const error = await moduleRef.init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as Error).message).toBe(
      'Invalid resilience option @Bulkhead on Bare.m.maxConcurrent: undefined (expected an integer >= 1 (set it here or in bulkheads.default))',
    );
    const failed = moduleRef;
    moduleRef = undefined;
    await failed.close().catch(() => undefined);
  });

  it('refuses shared: a bulkhead guards this process and is never kept in a store', async () => {
    const error = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ bulkheads: { db: { maxConcurrent: 1, shared: true } as never } })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect((error as ResilienceConfigError).path).toBe('bulkheads.db.shared');
  });
});

describe('BulkheadService', () => {
  it('execute holds a slot for fn; snapshot / snapshots show in flight and queued; unknown names fail', async () => {
    const m = await boot({ clock: new VirtualClock(0), bulkheads: { pool: { maxConcurrent: 1, maxQueued: 1 } } });
    const bulkheads = m.get(BulkheadService);
    const g = gate();
    const first = bulkheads.execute('pool', async ({ attempt }) => {
      await g.promise;
      return `first@${attempt}`;
    });
    const second = bulkheads.execute('pool', () => 'second');
    await flushMicrotasks();
    expect(bulkheads.snapshots()).toMatchObject([
      { name: 'pool', inFlight: 1, queued: 1, maxConcurrent: 1, maxQueued: 1 },
    ]);
    await expect(bulkheads.execute('pool', () => 'third')).rejects.toBeInstanceOf(BulkheadRejectedError);
    g.open();
    expect(await Promise.all([first, second])).toEqual(['first@1', 'second']);
    expect(bulkheads.get('pool').snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
    expect(() => bulkheads.snapshot('poll')).toThrow('"poll" (expected the name of a configured bulkhead: pool)');
  });
});
