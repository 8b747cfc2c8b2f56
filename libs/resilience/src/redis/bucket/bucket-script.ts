import { LUA_SERVER_NOW } from '../lua-fragments.js';
import { luaScript } from '../lua-script.js';
import { LUA_BUCKET_ARGS, LUA_BUCKET_DRAIN_PAUSE, LUA_BUCKET_REFILL } from './bucket-lua.js';

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
${LUA_SERVER_NOW}
${LUA_BUCKET_ARGS}
local n = tonumber(ARGV[6])
local h = redis.call('HMGET', key, 'l', 't', 'p')
${LUA_BUCKET_REFILL}
${LUA_BUCKET_DRAIN_PAUSE}
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
if admitted < n then wait = bucketWait(tonumber(ARGV[6 + admitted + 1])) end
local ttl = saveLevel()
if paused > now then ttl = ttl + paused - now end
redis.call('PEXPIRE', key, math.ceil(ttl) + 1000)
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
