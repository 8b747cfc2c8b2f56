import { describe, expect, it } from '@jest/globals';
import { PartitionMap } from './partitions.js';

class Entry {
  idle = true;
  constructor(readonly key: string) {}
  isIdle(): boolean {
    return this.idle;
  }
}

function map(max: number) {
  const created: string[] = [];
  const m = new PartitionMap<Entry>(max, (key) => {
    created.push(key);
    return new Entry(key);
  });
  return { m, created };
}

const keys = (m: PartitionMap<Entry>) => [...m.keys()];

describe('PartitionMap', () => {
  it('creates an entry once per key and returns the same one after', () => {
    const { m, created } = map(10);
    const a = m.get('a');
    expect(m.get('a')).toBe(a);
    expect(created).toEqual(['a']);
    expect(m.size).toBe(1);
  });

  it('peek() neither creates nor touches recency', () => {
    const { m, created } = map(10);
    expect(m.peek('a')).toBeUndefined();
    expect(created).toEqual([]);
    m.get('a');
    m.get('b');
    expect(m.peek('a')?.key).toBe('a');
    expect(keys(m)).toEqual(['a', 'b']);
  });

  it('get() marks the entry most recently used', () => {
    const { m } = map(10);
    m.get('a');
    m.get('b');
    m.get('c');
    m.get('a');
    expect(keys(m)).toEqual(['b', 'c', 'a']);
  });

  it('never holds more than max entries; evicts the least recently used idle entry', () => {
    const { m } = map(3);
    for (let i = 0; i < 1000; i++) {
      m.get(`k${i}`);
      expect(m.size).toBeLessThanOrEqual(3);
    }
    expect(keys(m)).toEqual(['k997', 'k998', 'k999']);
  });

  it('evicts idle entries before busy ones, even if the busy ones are older', () => {
    const { m } = map(3);
    m.get('busy1').idle = false;
    m.get('idle1');
    m.get('busy2').idle = false;
    m.get('new');
    expect(keys(m)).toEqual(['busy1', 'busy2', 'new']);
    expect(m.peek('busy1')?.idle).toBe(false);
  });

  it('keeps the entry it just created when every other entry is busy (evicts the LRU busy one)', () => {
    const { m } = map(2);
    m.get('a').idle = false;
    m.get('b').idle = false;
    const c = m.get('c');
    expect(m.size).toBe(2);
    expect(m.peek('c')).toBe(c);
    expect(keys(m)).toEqual(['b', 'c']);
    // State recorded on `c` is kept for the next call with the same key.
    c.idle = false;
    expect(m.get('c')).toBe(c);
  });

  it('forEach() visits every entry; sweep() drops the idle ones; clear() drops all', () => {
    const { m } = map(10);
    m.get('a');
    m.get('b').idle = false;
    m.get('c');
    const seen: string[] = [];
    m.forEach((v, k) => seen.push(`${k}=${v.key}`));
    expect(seen).toEqual(['a=a', 'b=b', 'c=c']);
    expect(m.sweep()).toBe(2);
    expect(keys(m)).toEqual(['b']);
    m.clear();
    expect(m.size).toBe(0);
  });
});
