import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { MAX_LANES } from './lane-plan.js';
import { laneIndex, normalizeLaneSelector, normalizeLanes, resolveLane } from './lanes.normalize.js';
import type { PolicyLaneOptions } from './lanes.options.js';

/** The ResilienceConfigError that `run` throws. */
function configError(run: () => unknown): ResilienceConfigError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const bad = (options: unknown) => configError(() => normalizeLanes('limiters.api', options as PolicyLaneOptions));

describe('normalizeLanes', () => {
  it('is undefined without lanes', () => {
    expect(normalizeLanes('limiters.api', {})).toBeUndefined();
  });

  it('ranks lanes in the order given, defaults maxShare 1, defaultLane the first, agingMs Infinity', () => {
    const plan = normalizeLanes('limiters.api', { lanes: [{ name: 'interactive' }, { name: 'batch' }] })!;
    expect(plan.lanes).toEqual([
      { name: 'interactive', maxShare: 1, floorShare: 0 },
      { name: 'batch', maxShare: 1, floorShare: 0 },
    ]);
    expect(plan.defaultLane).toBe(0);
    expect(plan.agingMs).toBe(Infinity);
    expect([...plan.index]).toEqual([
      ['interactive', 0],
      ['batch', 1],
    ]);
  });

  it("computes each lane's floorShare as the sum of the reserves of the lanes above it", () => {
    const plan = normalizeLanes('limiters.api', {
      lanes: [
        { name: 'a', reserve: 0.25 },
        { name: 'b', reserve: 0.125, maxShare: 0.5 },
        { name: 'c', maxShare: 0.75 },
      ],
      defaultLane: 'c',
      laneAgingMs: 5000,
    })!;
    expect(plan.lanes.map((l) => [l.floorShare, l.maxShare])).toEqual([
      [0, 1],
      [0.25, 0.5],
      [0.375, 0.75],
    ]);
    expect(plan.defaultLane).toBe(2);
    expect(plan.agingMs).toBe(5000);
  });

  it('accepts laneAgingMs 0 and Infinity', () => {
    expect(normalizeLanes('x', { lanes: [{ name: 'a' }], laneAgingMs: 0 })!.agingMs).toBe(0);
    expect(normalizeLanes('x', { lanes: [{ name: 'a' }], laneAgingMs: Infinity })!.agingMs).toBe(Infinity);
  });

  it.each([
    ['lanes not an array', { lanes: { name: 'a' } }, 'limiters.api.lanes', { name: 'a' }],
    ['no lane', { lanes: [] }, 'limiters.api.lanes', []],
    ['a lane not an object', { lanes: ['a'] }, 'limiters.api.lanes[0]', 'a'],
    ['a lane without a name', { lanes: [{ maxShare: 1 }] }, 'limiters.api.lanes[0].name', undefined],
    ['an empty name', { lanes: [{ name: '' }] }, 'limiters.api.lanes[0].name', ''],
    ['a duplicate name', { lanes: [{ name: 'a' }, { name: 'a' }] }, 'limiters.api.lanes[1].name', 'a'],
    ['an unknown key', { lanes: [{ name: 'a', weight: 2 }] }, 'limiters.api.lanes[0].weight', 2],
    ['maxShare 0', { lanes: [{ name: 'a', maxShare: 0 }] }, 'limiters.api.lanes[0].maxShare', 0],
    ['maxShare > 1', { lanes: [{ name: 'a', maxShare: 1.5 }] }, 'limiters.api.lanes[0].maxShare', 1.5],
    ['maxShare NaN', { lanes: [{ name: 'a', maxShare: NaN }] }, 'limiters.api.lanes[0].maxShare', NaN],
    [
      'a negative reserve',
      { lanes: [{ name: 'a', reserve: -0.1 }, { name: 'b' }] },
      'limiters.api.lanes[0].reserve',
      -0.1,
    ],
    ['reserve 1', { lanes: [{ name: 'a', reserve: 1 }, { name: 'b' }] }, 'limiters.api.lanes[0].reserve', 1],
    [
      'reserves summing to 1',
      { lanes: [{ name: 'a', reserve: 0.5 }, { name: 'b', reserve: 0.5 }, { name: 'c' }] },
      'limiters.api.lanes[1].reserve',
      0.5,
    ],
    [
      'a reserve on the lowest lane',
      { lanes: [{ name: 'a' }, { name: 'b', reserve: 0.1 }] },
      'limiters.api.lanes[1].reserve',
      0.1,
    ],
    ['an unknown defaultLane', { lanes: [{ name: 'a' }], defaultLane: 'b' }, 'limiters.api.defaultLane', 'b'],
    ['a defaultLane not a string', { lanes: [{ name: 'a' }], defaultLane: 0 }, 'limiters.api.defaultLane', 0],
    ['defaultLane without lanes', { defaultLane: 'a' }, 'limiters.api.defaultLane', 'a'],
    ['laneAgingMs without lanes', { laneAgingMs: 10 }, 'limiters.api.laneAgingMs', 10],
    ['a negative laneAgingMs', { lanes: [{ name: 'a' }], laneAgingMs: -1 }, 'limiters.api.laneAgingMs', -1],
    ['laneAgingMs not a number', { lanes: [{ name: 'a' }], laneAgingMs: '5s' }, 'limiters.api.laneAgingMs', '5s'],
  ])('rejects %s, naming the path and the value', (_, options, path, value) => {
    const e = bad(options);
    expect(e.path).toBe(path);
    expect(e.value).toEqual(value);
    expect(e.message).toContain(path);
  });

  it(`rejects more than ${MAX_LANES} lanes`, () => {
    const lanes = Array.from({ length: MAX_LANES + 1 }, (_, i) => ({ name: `l${i}` }));
    expect(normalizeLanes('x', { lanes: lanes.slice(0, MAX_LANES) })!.lanes).toHaveLength(MAX_LANES);
    expect(bad({ lanes }).path).toBe('limiters.api.lanes');
  });

  it('names the known lanes for an unknown defaultLane', () => {
    expect(bad({ lanes: [{ name: 'hi' }, { name: 'lo' }], defaultLane: 'mid' }).message).toContain("'hi', 'lo'");
  });
});

describe('lane selection', () => {
  const plan = normalizeLanes('limiters.api', {
    lanes: [{ name: 'hi' }, { name: 'mid' }, { name: 'lo' }],
    defaultLane: 'mid',
  })!;

  it('normalizes a lane name to its index and keeps a function', () => {
    const fn = (user: { tier: string }) => user.tier;
    expect(normalizeLaneSelector('limiters.api', 'lo', plan)).toBe(2);
    expect(normalizeLaneSelector('limiters.api', fn, plan)).toBe(fn);
    expect(normalizeLaneSelector('limiters.api', undefined, plan)).toBeUndefined();
  });

  it.each([
    ['an unknown lane', 'top', plan],
    ['a number', 1, plan],
    ['a lane without lanes', 'hi', undefined],
  ])('rejects %s as the lane option (path.lane)', (_, lane, p) => {
    const e = configError(() => normalizeLaneSelector('limiters.api', lane as never, p));
    expect(e.path).toBe('limiters.api.lane');
    expect(e.value).toBe(lane);
  });

  it('resolves ExecuteOptions.lane, then the lane option, then defaultLane', () => {
    const byArg = (tier: string) => tier;
    expect(resolveLane(plan, byArg, ['lo'], 'hi', 'limiters.api')).toBe(0);
    expect(resolveLane(plan, byArg, ['lo'], undefined, 'limiters.api')).toBe(2);
    expect(resolveLane(plan, 0, ['lo'], undefined, 'limiters.api')).toBe(0);
    expect(resolveLane(plan, 0, [], 'lo', 'limiters.api')).toBe(2);
    expect(resolveLane(plan, undefined, [], undefined, 'limiters.api')).toBe(1);
  });

  it('puts every call in lane 0 without a plan (the call lane is ignored)', () => {
    expect(resolveLane(undefined, undefined, [], 'anything', 'limiters.api')).toBe(0);
  });

  it('throws a typed error naming the policy and the known lanes for an unknown lane at call time', () => {
    const fromCall = configError(() => resolveLane(plan, undefined, [], 'urgent', 'limiters.api'));
    expect(fromCall).toMatchObject({ path: 'limiters.api.lane', value: 'urgent' });
    expect(fromCall.message).toContain("one of the lanes of limiters.api: 'hi', 'mid', 'lo'");
    const fromFn = configError(() => resolveLane(plan, () => 42 as unknown as string, [], undefined, 'limiters.api'));
    expect(fromFn).toMatchObject({ path: 'limiters.api.lane', value: 42 });
    expect(configError(() => laneIndex(plan, 'x', 'bulkheads.db')).path).toBe('bulkheads.db.lane');
  });
});
