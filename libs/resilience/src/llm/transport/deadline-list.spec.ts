import { VirtualClock } from '../../core/clock.js';
import { DeadlineList, type DeadlineEntry } from './deadline-list.js';

class Entry implements DeadlineEntry {
  _deadline = 0;
  _prevD: DeadlineEntry | undefined = undefined;
  _nextD: DeadlineEntry | undefined = undefined;
  _listed = false;
  expiredAt: number | undefined = undefined;
  constructor(private readonly clock: VirtualClock) {}
  expire(): void {
    this.expiredAt = this.clock.now();
  }
}

describe('DeadlineList', () => {
  it('expires entries at now + timeoutMs, in order, with one timer for all of them', async () => {
    const clock = new VirtualClock(0);
    const list = new DeadlineList(clock, 100);
    const a = new Entry(clock);
    const b = new Entry(clock);
    list.add(a);
    await clock.advance(30);
    list.add(b);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(70);
    expect(a.expiredAt).toBe(100);
    expect(b.expiredAt).toBeUndefined();
    await clock.advance(30);
    expect(b.expiredAt).toBe(130);
    expect(list.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a removed entry never expires, and the timer is not re-armed per call', async () => {
    const clock = new VirtualClock(0);
    const list = new DeadlineList(clock, 100);
    for (let i = 0; i < 50; i++) {
      const e = new Entry(clock);
      list.add(e);
      list.remove(e);
      expect(e.expiredAt).toBeUndefined();
    }
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(200);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('touch moves an entry to the tail with a new deadline (stream activity)', async () => {
    const clock = new VirtualClock(0);
    const list = new DeadlineList(clock, 100);
    const a = new Entry(clock);
    const b = new Entry(clock);
    list.add(a);
    list.add(b);
    await clock.advance(90);
    list.touch(a);
    await clock.advance(10);
    expect(b.expiredAt).toBe(100);
    expect(a.expiredAt).toBeUndefined();
    await clock.advance(90);
    expect(a.expiredAt).toBe(190);
  });

  it('touch of an entry not in the list does nothing', () => {
    const clock = new VirtualClock(0);
    const list = new DeadlineList(clock, 100);
    const a = new Entry(clock);
    list.touch(a);
    expect(list.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
