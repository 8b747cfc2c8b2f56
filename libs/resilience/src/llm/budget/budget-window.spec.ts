import { describe, expect, it, jest } from '@jest/globals';
import {
  budgetPeriod,
  budgetWindowKey,
  BudgetWindows,
  calendarWindow,
  isoInZone,
  MAX_CACHED_VALUES,
  startOfLocalDay,
  zoneFormatter,
} from './budget-window.js';

const at = (iso: string): number => Date.parse(iso);
const H = 3_600_000;

describe('calendar windows in a time zone', () => {
  it('UTC day: id, midnight to midnight', () => {
    const w = calendarWindow('day', 'UTC', at('2026-12-02T18:42:00Z'));
    expect(w).toEqual({ id: '2026-12-02', start: at('2026-12-02T00:00:00Z'), end: at('2026-12-03T00:00:00Z') });
  });

  it('Europe/Berlin: the local date decides (23:30 UTC is already tomorrow)', () => {
    const w = calendarWindow('day', 'Europe/Berlin', at('2026-12-02T23:30:00Z'));
    expect(w.id).toBe('2026-12-03');
    expect(w.start).toBe(at('2026-12-02T23:00:00Z'));
    expect(w.end).toBe(at('2026-12-03T23:00:00Z'));
  });

  it('DST days last 23 and 25 hours (Europe/Berlin 2026-03-29 and 2026-10-25)', () => {
    const spring = calendarWindow('day', 'Europe/Berlin', at('2026-03-29T12:00:00Z'));
    expect(spring).toEqual({ id: '2026-03-29', start: at('2026-03-28T23:00:00Z'), end: at('2026-03-29T22:00:00Z') });
    expect(spring.end - spring.start).toBe(23 * H);
    const autumn = calendarWindow('day', 'Europe/Berlin', at('2026-10-25T12:00:00Z'));
    expect(autumn).toEqual({ id: '2026-10-25', start: at('2026-10-24T22:00:00Z'), end: at('2026-10-25T23:00:00Z') });
    expect(autumn.end - autumn.start).toBe(25 * H);
  });

  it('America/New_York DST days (2026-03-08, 2026-11-01)', () => {
    const spring = calendarWindow('day', 'America/New_York', at('2026-03-08T15:00:00Z'));
    expect([spring.start, spring.end]).toEqual([at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z')]);
    const autumn = calendarWindow('day', 'America/New_York', at('2026-11-01T15:00:00Z'));
    expect([autumn.start, autumn.end]).toEqual([at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z')]);
  });

  it('a DST gap at midnight (America/Santiago 2026-09-06): the day begins at 01:00 local', () => {
    expect(startOfLocalDay('America/Santiago', 2026, 9, 6)).toBe(at('2026-09-06T04:00:00Z'));
    const before = calendarWindow('day', 'America/Santiago', at('2026-09-06T03:59:59Z'));
    expect(before.id).toBe('2026-09-05');
    expect(before.end).toBe(at('2026-09-06T04:00:00Z'));
    const w = calendarWindow('day', 'America/Santiago', at('2026-09-06T04:00:00Z'));
    expect(w).toEqual({ id: '2026-09-06', start: at('2026-09-06T04:00:00Z'), end: at('2026-09-07T03:00:00Z') });
  });

  it('a repeated hour before midnight (America/Santiago 2026-04-04 lasts 25 h)', () => {
    const w = calendarWindow('day', 'America/Santiago', at('2026-04-04T12:00:00Z'));
    expect(w).toEqual({ id: '2026-04-04', start: at('2026-04-04T03:00:00Z'), end: at('2026-04-05T04:00:00Z') });
  });

  it('half- and quarter-hour zones: Asia/Kolkata (+05:30), Pacific/Chatham (+13:45 / +12:45)', () => {
    const k = calendarWindow('day', 'Asia/Kolkata', at('2026-12-02T18:29:59Z'));
    expect(k).toEqual({ id: '2026-12-02', start: at('2026-12-01T18:30:00Z'), end: at('2026-12-02T18:30:00Z') });
    expect(calendarWindow('day', 'Asia/Kolkata', at('2026-12-02T18:30:00Z')).id).toBe('2026-12-03');
    const summer = calendarWindow('day', 'Pacific/Chatham', at('2026-12-02T12:00:00Z'));
    expect(summer).toEqual({ id: '2026-12-03', start: at('2026-12-02T10:15:00Z'), end: at('2026-12-03T10:15:00Z') });
    const winter = calendarWindow('day', 'Pacific/Chatham', at('2026-07-01T12:00:00Z'));
    expect(winter).toEqual({ id: '2026-07-02', start: at('2026-07-01T11:15:00Z'), end: at('2026-07-02T11:15:00Z') });
  });

  it('months: ends of months and years, leap Februaries, in a zone', () => {
    expect(calendarWindow('month', 'UTC', at('2028-02-29T23:59:59Z'))).toEqual({
      id: '2028-02',
      start: at('2028-02-01T00:00:00Z'),
      end: at('2028-03-01T00:00:00Z'),
    });
    expect(calendarWindow('month', 'UTC', at('2027-02-15T00:00:00Z')).end).toBe(at('2027-03-01T00:00:00Z'));
    const dec = calendarWindow('month', 'Europe/Berlin', at('2026-12-31T23:30:00Z'));
    expect(dec).toEqual({ id: '2027-01', start: at('2026-12-31T23:00:00Z'), end: at('2027-01-31T23:00:00Z') });
    // March in Berlin spans the switch to summer time: starts at +01:00, ends at +02:00.
    const march = calendarWindow('month', 'Europe/Berlin', at('2026-03-15T00:00:00Z'));
    expect([march.start, march.end]).toEqual([at('2026-02-28T23:00:00Z'), at('2026-03-31T22:00:00Z')]);
    expect(calendarWindow('day', 'UTC', at('2028-02-29T10:00:00Z')).id).toBe('2028-02-29');
    expect(calendarWindow('day', 'UTC', at('2028-02-29T10:00:00Z')).end).toBe(at('2028-03-01T00:00:00Z'));
  });

  it('consecutive windows tile time: each ends where the next begins', () => {
    for (const zone of ['Europe/Berlin', 'America/Santiago', 'Pacific/Chatham', 'Australia/Lord_Howe']) {
      let prev = calendarWindow('day', zone, at('2026-01-01T00:00:00Z'));
      for (let i = 0; i < 370; i++) {
        const next = calendarWindow('day', zone, prev.end);
        expect(next.start).toBe(prev.end);
        expect(next.id > prev.id).toBe(true);
        expect(calendarWindow('day', zone, next.end - 1).id).toBe(next.id);
        prev = next;
      }
    }
  });

  it('resetsAt in ISO with the zone offset (UTC: Z)', () => {
    expect(isoInZone(at('2026-12-02T23:00:00Z'), 'Europe/Berlin')).toBe('2026-12-03T00:00:00.000+01:00');
    expect(isoInZone(at('2026-12-02T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-12-03T00:00:00.000+05:30');
    expect(isoInZone(at('2026-12-03T05:00:00Z'), 'America/New_York')).toBe('2026-12-03T00:00:00.000-05:00');
    expect(isoInZone(at('2026-12-03T00:00:00Z'), 'UTC')).toBe('2026-12-03T00:00:00.000Z');
    expect(Date.parse(isoInZone(at('2026-12-02T10:15:00Z'), 'Pacific/Chatham'))).toBe(at('2026-12-02T10:15:00Z'));
  });

  it('an unknown zone throws RangeError; the formatter is cached per zone', () => {
    expect(() => zoneFormatter('Mars/Olympus_Mons')).toThrow(RangeError);
    expect(zoneFormatter('Asia/Tokyo')).toBe(zoneFormatter('Asia/Tokyo'));
  });
});

describe('budgetPeriod', () => {
  it('calendar: id, resetsAt at the next boundary, expiresAt = end + hold, no slots', () => {
    const p = budgetPeriod('day', 'Europe/Berlin', 600_000, at('2026-12-02T18:42:00Z'));
    expect(p).toEqual({
      id: '2026-12-02',
      keyPart: '2026-12-02',
      start: at('2026-12-01T23:00:00Z'),
      end: at('2026-12-02T23:00:00Z'),
      resetsAt: at('2026-12-02T23:00:00Z'),
      resetsAtIso: '2026-12-03T00:00:00.000+01:00',
      slotMs: 0,
      slots: 0,
      expiresAt: at('2026-12-02T23:00:00Z') + 600_000,
    });
  });

  it('rolling: 60 slots of ceil(rollingMs / 60), resets when the oldest counted slot leaves', () => {
    const now = 1_000_000_123;
    const p = budgetPeriod({ rollingMs: 3_600_001 }, 'UTC', 1000, now);
    const slotMs = 60_001;
    expect(p.slotMs).toBe(slotMs);
    expect(p.slots).toBe(60);
    expect(p.id).toBe('rolling');
    expect(p.keyPart).toBe('rolling-3600001');
    const slot = Math.floor(now / slotMs);
    // The oldest slot still counted at `now` is slot - 60; it leaves at (slot - 60 + 1 + 60) × slotMs.
    expect(p.resetsAt).toBe((slot + 1) * slotMs);
    expect(p.end).toBe(p.resetsAt);
    expect(p.expiresAt).toBeGreaterThanOrEqual(now + 61 * slotMs + 1000);
    expect(p.expiresAt).toBe((slot + 1) * slotMs + 61 * slotMs + 1000);
  });
});

describe('budgetWindowKey', () => {
  it('budget : scope value (or *) : window, the value percent-encoded', () => {
    expect(budgetWindowKey('daily', undefined, '2026-12-02')).toBe('daily:*:2026-12-02');
    expect(budgetWindowKey('m', 'ft:gpt-4o:org', '2026-12')).toBe('m:ft%3Agpt-4o%3Aorg:2026-12');
    expect(budgetWindowKey('k', '*', 'rolling-60000')).toBe('k:%2A:rolling-60000');
    expect(budgetWindowKey('k', '{tag}/a b', 'x')).toBe('k:%7Btag%7D%2Fa%20b:x');
  });
});

describe('BudgetWindows (cached per budget)', () => {
  it('reuses the period and the windows until the clock passes the end, then moves to the next window', () => {
    const w = new BudgetWindows('daily', 'day', 'Asia/Kolkata', 5_000_000_000, 60_000);
    const t = at('2026-12-02T18:00:00Z');
    const a = w.entry(undefined, t);
    expect(a.window).toEqual({
      key: 'daily:*:2026-12-02',
      limit: 5_000_000_000,
      slotMs: 0,
      slots: 0,
      expiresAt: at('2026-12-02T18:30:00Z') + 60_000,
    });
    expect(w.entry(undefined, t + 29 * 60_000)).toBe(a);
    expect(w.period(t + 29 * 60_000)).toBe(a.period);
    const b = w.entry(undefined, at('2026-12-02T18:30:00Z'));
    expect(b).not.toBe(a);
    expect(b.window.key).toBe('daily:*:2026-12-03');
    expect(b.warned).toBe(0);
  });

  it('does no Intl work per call inside a window (only when the window changes)', () => {
    const w = new BudgetWindows('daily', 'day', 'Europe/Berlin', 1, 0);
    const t = at('2026-12-02T10:00:00Z');
    w.entry(undefined, t);
    const spy = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    try {
      for (let i = 0; i < 1000; i++) w.entry(i % 2 === 0 ? undefined : 'x', t + i * 1000);
      expect(spy).not.toHaveBeenCalled();
      w.entry(undefined, at('2026-12-02T23:00:00Z'));
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('one entry per scope value, bounded (the oldest dropped)', () => {
    const w = new BudgetWindows('tenant', { rollingMs: 60_000 }, 'UTC', 10, 0);
    const t = 1_000_000;
    const first = w.entry('t0', t);
    expect(w.entry('t0', t)).toBe(first);
    expect(w.entry('t1', t).window.key).toBe('tenant:t1:rolling-60000');
    for (let i = 2; i <= MAX_CACHED_VALUES; i++) w.entry(`t${i}`, t);
    expect(w.entry('t0', t)).not.toBe(first);
    expect(w.entry('t0', t).window).toEqual(first.window);
  });
});
