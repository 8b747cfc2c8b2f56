import { luaScript } from '../lua-script.js';

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
export const BUCKET_SCRIPT = luaScript(
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
export const BUCKET_REFUND_SCRIPT = luaScript(
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
