import { describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import type { BulkheadOptions } from './bulkhead.options.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

const make = (options: BulkheadOptions, clock = new VirtualClock(0)) => BulkheadPolicy.create('db', options, { clock });
const TWO = [{ name: 'interactive' }, { name: 'batch' }];
const I = 0;
const B = 1;

describe('bulkhead lanes: lane of a call, options, no lanes', () => {
  it('laneFor: ExecuteOptions.lane, then the lane option (name or function of args), then defaultLane', () => {
    const fn = make({ maxConcurrent: 1, lanes: TWO, lane: (kind: string) => kind });
    expect([fn.laneFor(['batch']), fn.laneFor(['batch'], 'interactive')]).toEqual([B, I]);
    expect(() => fn.laneFor(['bulk'])).toThrow(ResilienceConfigError);
    expect(make({ maxConcurrent: 1, lanes: TWO, defaultLane: 'batch' }).laneFor([])).toBe(B);
    expect(make({ maxConcurrent: 1, lanes: TWO, lane: 'batch' }).laneFor([])).toBe(B);
    expect(make({ maxConcurrent: 1 }).laneFor([], 'anything')).toBe(0);
  });

  it('execute(fn, { lane }) queues the call in its lane', async () => {
    const b = make({ maxConcurrent: 1, maxQueued: 10, lanes: TWO });
    const order: string[] = [];
    let release!: () => void;
    const first = b.execute(() => new Promise<void>((r) => (release = r)), { lane: 'batch' });
    const runs = [
      b.execute(() => void order.push('b'), { lane: 'batch' }),
      b.execute(() => void order.push('i'), { lane: 'interactive' }),
    ];
    await flushMicrotasks();
    expect(b.snapshot().queuedByLane).toEqual({ interactive: 1, batch: 1 });
    release();
    await Promise.all([first, ...runs]);
    expect(order).toEqual(['i', 'b']);
    expect(b.snapshot()).toMatchObject({ inFlight: 0, inFlightByLane: { interactive: 0, batch: 0 } });
  });

  it('config errors name the path: lane without lanes, a reserve that leaves a lane no slot', () => {
    const path = (o: BulkheadOptions) => {
      try {
        make(o);
      } catch (e) {
        return (e as ResilienceConfigError).path;
      }
    };
    expect(path({ maxConcurrent: 1, lane: 'x' })).toBe('bulkheads.db.lane');
    expect(path({ maxConcurrent: 1, lanes: [{ name: 'a', reserve: 0.5 }, { name: 'b' }] })).toBe('bulkheads.db.lanes');
    expect(path({ maxConcurrent: 2, lanes: TWO, defaultLane: 'x' })).toBe('bulkheads.db.defaultLane');
  });
});
