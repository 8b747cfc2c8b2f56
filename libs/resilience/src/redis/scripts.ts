import { createHash } from 'node:crypto';

/** A Lua script and its SHA1 (for EVALSHA). */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Token bucket, one hash per bucket: `l` level, `t` last refill (server ms), `p` paused until.
 * Same rules as `MemoryBucket`: continuous refill up to burst, the level never goes below 0,
 * tokens are taken at admission. Time is the server's (`TIME`), so client clock skew cannot
 * break the bound. Admits a FIFO prefix of the given token counts, then returns the wait (ms)
 * until the first one not admitted fits. `drain` 1 empties the bucket first (level at most 0,
 * after the refill): sent by a replica's first call once shared mode resumed after an outage,
 * so tokens admitted locally meanwhile (or a restarted, hence full, bucket) cannot add up
 * with the shared ones (see `RedisBucket`).
 * KEYS[1] bucket; ARGV rate, period, burst, pauseMs, drain, n, tokens_1..tokens_n.
 * Returns { admitted, waitMs (string), level (string) }.
 */
export const BUCKET_SCRIPT = script(
  'bucket',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local pauseMs = tonumber(ARGV[4])
local drain = ARGV[5] == '1'
local n = tonumber(ARGV[6])
local h = redis.call('HMGET', KEYS[1], 'l', 't', 'p')
local level = tonumber(h[1]) or burst
local last = tonumber(h[2]) or now
local paused = tonumber(h[3]) or 0
if level > burst then level = burst end
if now > last then
  if now <= paused then
    if level > 0 then level = 0 end
  else
    local from = last
    if paused > from then from = paused end
    level = level + (now - from) * rate / period
    if level > burst then level = burst end
  end
  last = now
end
if drain and level > 0 then level = 0 end
if pauseMs > 0 and now + pauseMs > paused then
  paused = now + pauseMs
  if level > 0 then level = 0 end
end
local admitted = 0
if now >= paused then
  for i = 1, n do
    local k = tonumber(ARGV[6 + i])
    if level < k - 1e-9 then break end
    level = level - k
    admitted = i
  end
end
local wait = 0
if admitted < n then
  local need = tonumber(ARGV[6 + admitted + 1])
  local start = now
  local lv = level
  if paused > now then
    start = paused
    if lv > 0 then lv = 0 end
  end
  wait = start - now
  if need - lv > 1e-9 then wait = wait + (need - lv) * period / rate end
end
redis.call('HSET', KEYS[1], 'l', string.format('%.17g', level), 't', string.format('%.4f', last), 'p', string.format('%.4f', paused))
local ttl = (burst - level) * period / rate
if paused > now then ttl = ttl + paused - now end
redis.call('PEXPIRE', KEYS[1], math.ceil(ttl) + 1000)
return { admitted, string.format('%.4f', wait), string.format('%.17g', level) }
`,
);

/**
 * Gives tokens back to a bucket (a call admitted that never ran). KEYS[1] bucket; ARGV
 * tokens, burst. An absent bucket is full already. Returns the new level (string).
 */
export const BUCKET_REFUND_SCRIPT = script(
  'bucket-refund',
  `
local level = tonumber(redis.call('HGET', KEYS[1], 'l'))
if level == nil then return ARGV[2] end
level = level + tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if level > burst then level = burst end
redis.call('HSET', KEYS[1], 'l', string.format('%.17g', level))
return string.format('%.17g', level)
`,
);

/**
 * Breaker state machine, one hash per breaker: `s` state (0 closed, 1 open, 2 half-open),
 * `o` opened at (server ms), `c` consecutive failures, `tf` trials in flight, `ts` trial
 * successes, `tl` last trial admission, `e` epoch, `f` forced open, `d` disabled, `m` 1 when
 * the last transition was manual (force, reset, disable).
 * The epoch changes on every open and close, to max(e + 1, server ms): late trial outcomes of
 * an earlier half-open period count nothing, and clients order replies by it (it grows even
 * across a lost key, which reads as epoch 0).
 * KEYS[1] breaker; ARGV op, failureThreshold, recoveryTimeMs, halfOpenMaxCalls,
 * successThreshold, epoch, slow (0/1), trialLeaseMs.
 * Ops: read, admit, succ, fail, ign (trial outcomes), cfail / cok (closed outcomes,
 * consecutive mode), open (failure-rate trip), force, reset, disable.
 * Returns { result, state, remainingMs (string), epoch, consecutive, forced, disabled, manual };
 * result for admit: 0 normal, 1 trial, -1 open, -2 half-open full.
 */
export const BREAKER_SCRIPT = script(
  'breaker',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local threshold = tonumber(ARGV[2])
local recovery = tonumber(ARGV[3])
local maxTrials = tonumber(ARGV[4])
local successThreshold = tonumber(ARGV[5])
local epoch = tonumber(ARGV[6])
local slow = ARGV[7] == '1'
local lease = tonumber(ARGV[8])
local h = redis.call('HMGET', KEYS[1], 's', 'o', 'c', 'tf', 'ts', 'tl', 'e', 'f', 'd', 'm')
local s = tonumber(h[1]) or 0
local o = tonumber(h[2]) or 0
local c = tonumber(h[3]) or 0
local tf = tonumber(h[4]) or 0
local ts = tonumber(h[5]) or 0
local tl = tonumber(h[6]) or 0
local e = tonumber(h[7]) or 0
local f = tonumber(h[8]) or 0
local d = tonumber(h[9]) or 0
local m = tonumber(h[10]) or 0
local dirty = false
local r = 0
local function bump()
  e = math.max(e + 1, math.floor(now)); m = 0; dirty = true
end
local function open()
  s = 1; o = now; c = 0; tf = 0; ts = 0; bump()
end
local function close()
  s = 0; c = 0; tf = 0; ts = 0; bump()
end
if op == 'admit' then
  if d == 1 or s == 0 then
    r = 0
  else
    if s == 1 then
      if f == 1 or now < o + recovery then
        r = -1
      else
        s = 2; tf = 0; ts = 0; dirty = true
      end
    end
    if s == 2 then
      if tf >= maxTrials and now - tl > lease then tf = 0 end
      if tf < maxTrials then
        tf = tf + 1; tl = now; r = 1; dirty = true
      else
        r = -2
      end
    end
  end
elseif op == 'succ' or op == 'fail' or op == 'ign' then
  if e == epoch and d == 0 then
    if tf > 0 then tf = tf - 1; dirty = true end
    if s == 2 and op == 'fail' then open()
    elseif s == 2 and op == 'succ' then
      if slow then open()
      else
        ts = ts + 1; dirty = true
        if ts >= successThreshold then close() end
      end
    end
  end
elseif op == 'cfail' then
  if s == 0 and d == 0 then
    c = c + 1; dirty = true
    if c >= threshold then open() end
  end
elseif op == 'cok' then
  if s == 0 and c > 0 then c = 0; dirty = true end
elseif op == 'open' then
  if s == 0 and d == 0 then open() end
elseif op == 'force' then
  d = 0; f = 1; open(); m = 1
elseif op == 'reset' then
  d = 0; f = 0; close(); m = 1
elseif op == 'disable' then
  f = 0; d = 1; close(); m = 1
end
if dirty then
  redis.call('HSET', KEYS[1], 's', s, 'o', string.format('%.4f', o), 'c', c, 'tf', tf, 'ts', ts, 'tl', string.format('%.4f', tl), 'e', e, 'f', f, 'd', d, 'm', m)
  redis.call('PEXPIRE', KEYS[1], 604800000)
end
local remaining = 0
if s == 1 then remaining = o + recovery - now end
if remaining < 0 then remaining = 0 end
return { r, s, string.format('%.4f', remaining), e, c, f, d, m }
`,
);

/**
 * Counters. KEYS[1] counter; ARGV op ('incr' | 'get'), delta, windowMs.
 * `incr` sets the expiry on the first write of a window. Returns the value as a string.
 */
export const COUNTER_SCRIPT = script(
  'counter',
  `
if ARGV[1] == 'get' then
  return redis.call('GET', KEYS[1]) or '0'
end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return v
`,
);
