import { LUA_LEASE_RULE, LUA_SERVER_NOW, luaLaneArgs } from '../lua-fragments.js';
import { luaScript } from '../lua-script.js';
import { LUA_BUCKET_ARGS, LUA_BUCKET_DRAIN_PAUSE, LUA_BUCKET_REFILL } from './bucket-lua.js';

/**
 * Token bucket with priority lanes (used instead of `BUCKET_SCRIPT` when the spec has lanes).
 * Same hash as `BUCKET_SCRIPT` (`l` level, `t` last refill, `p` paused until, server ms) plus,
 * per capped lane r, a sub-bucket `c<r>` level / `s<r>` last refill (rate × maxShare, burst ×
 * maxShare), and per rank r a lease `w<r>` (server ms until which it holds) / `x<r>` (the level
 * the leased head needs: its tokens + its lane's floor).
 *
 * Admission of waiter i (tokens k, lane q, rank r = its priority: its lane, or 0 once aged), in
 * the order given (the client's priority order):
 * 1. its lane's cap sub-level < k: SKIPPED (it waits on its own cap and holds nobody back);
 *    later waiters of the same lane are skipped too (FIFO within a lane);
 * 2. need = k + floor(q); for every rank h < r with a live lease: need = max(need, k + x<h>);
 *    level < need: STOP (nobody after it is admitted) and lease rank r for
 *    `now + wait + leaseMargin`, x<r> = k + floor(q) (the larger x while a lease is live);
 * 3. else admitted: level −= k, sub-level −= k; the lease of rank r is cleared.
 * So a lower rank never takes tokens a live lease of a higher one needs: after its admission the
 * level still holds what the leased head asked for (lease rule, docs/redis.md).
 *
 * KEYS[1] bucket; ARGV rate, period, burst, pauseMs, drain, L, leaseMargin, then per lane
 * floorTokens, capTokens (0: no cap), then n, then per waiter tokens, lane, rank.
 * Returns { mask (bit i−1: waiter i admitted), stopWaitMs (string, −1: nobody stopped),
 * capWaitMs (string, −1: nobody skipped), level (string), stopAt (1-based index of the stopped
 * waiter, 0: none) }.
 */
const SOURCE = `
${LUA_SERVER_NOW}
${LUA_BUCKET_ARGS}
${luaLaneArgs(6)}
local fields = { 'l', 't', 'p' }
for r = 0, L - 1 do
  fields[#fields + 1] = 'c' .. r
  fields[#fields + 1] = 's' .. r
  fields[#fields + 1] = 'w' .. r
  fields[#fields + 1] = 'x' .. r
end
local h = redis.call('HMGET', key, unpack(fields))
${LUA_BUCKET_REFILL}
${LUA_BUCKET_DRAIN_PAUSE}
local floor, cap, clev, leaseW, leaseX, blocked = {}, {}, {}, {}, {}, {}
for r = 0, L - 1 do
  floor[r] = tonumber(ARGV[8 + 2 * r])
  cap[r] = tonumber(ARGV[9 + 2 * r])
  local b = 4 + 4 * r
  if cap[r] > 0 then clev[r] = capLevel(h[b], h[b + 1], cap[r]) end
  leaseW[r] = tonumber(h[b + 2]) or 0
  leaseX[r] = tonumber(h[b + 3]) or 0
end
${LUA_LEASE_RULE}
local o = 8 + 2 * L
local n = tonumber(ARGV[o])
local mask, bit = 0, 1
local stopWait, capWait = -1, -1
local stopAt = 0
for i = 1, n do
  local k = tonumber(ARGV[o + 3 * i - 2])
  local q = tonumber(ARGV[o + 3 * i - 1])
  local rk = tonumber(ARGV[o + 3 * i])
  if blocked[q] then
  elseif cap[q] > 0 and clev[q] < k - eps then
    blocked[q] = true
    local cw = capTime(k - clev[q], cap[q])
    if capWait < 0 or cw < capWait then capWait = cw end
  else
    local own = k + floor[q]
    local need, leaseEnd = leaseNeed(k, own, rk)
    if now < paused or level < need - eps then
      stopWait = bucketWait(need)
      if leaseEnd >= 0 and leaseEnd - now < stopWait then stopWait = leaseEnd - now end
      if rk < L - 1 then
        leaseHold(rk, own, bucketWait(own))
        redis.call('HSET', key, 'w' .. rk, string.format('%.4f', leaseW[rk]), 'x' .. rk, string.format('%.17g', leaseX[rk]))
      end
      stopAt = i
      break
    end
    level = level - k
    if cap[q] > 0 then clev[q] = clev[q] - k end
    mask = mask + bit
    if leaseW[rk] > 0 then
      leaseW[rk] = 0
      redis.call('HDEL', key, 'w' .. rk, 'x' .. rk)
    end
  end
  bit = bit * 2
end
local ttl = saveLevel()
for r = 0, L - 1 do
  if cap[r] > 0 then
    redis.call('HSET', key, 'c' .. r, string.format('%.17g', clev[r]), 's' .. r, string.format('%.4f', now))
    local ct = capTime(cap[r] - clev[r], cap[r])
    if ct > ttl then ttl = ct end
  end
  if leaseW[r] - now > ttl then ttl = leaseW[r] - now end
end
if paused > now then ttl = ttl + paused - now end
redis.call('PEXPIRE', key, math.ceil(ttl) + 1000)
return { mask, string.format('%.4f', stopWait), string.format('%.4f', capWait), string.format('%.17g', level), stopAt }
`;

/** The lane bucket script (see the comment above its source). */
export const BUCKET_LANE_SCRIPT = luaScript('bucket-lanes', SOURCE);

/**
 * Settles tokens on a bucket, atomically: refills the level (and lane `lane`'s cap sub-level,
 * when `capTokens` > 0) to now by the server's clock, then adds `delta` (> 0 a refund, capped
 * at burst / the cap; < 0 a charge, also below zero: debt that later admissions wait for).
 * Never shortens the key's expiry (other lanes' sub-levels live in it). An absent bucket is full.
 * KEYS[1] bucket; ARGV rate, period, burst, delta, lane, capTokens. Returns the level (string).
 */
export const BUCKET_SETTLE_SCRIPT = luaScript(
  'bucket-settle',
  `
${LUA_SERVER_NOW}
${LUA_BUCKET_ARGS}
local delta = tonumber(ARGV[4])
local lane = ARGV[5]
local cap = tonumber(ARGV[6])
local h = redis.call('HMGET', key, 'l', 't', 'p', 'c' .. lane, 's' .. lane)
${LUA_BUCKET_REFILL}
level = level + delta
if level > burst then level = burst end
local ttl = saveLevel()
if cap > 0 then
  local c = capLevel(h[4], h[5], cap) + delta
  if c > cap then c = cap end
  redis.call('HSET', key, 'c' .. lane, string.format('%.17g', c), 's' .. lane, string.format('%.4f', now))
  local ct = capTime(cap - c, cap)
  if ct > ttl then ttl = ct end
end
if paused > now then ttl = ttl + paused - now end
local cur = redis.call('PTTL', key)
if cur < math.ceil(ttl) + 1000 then redis.call('PEXPIRE', key, math.ceil(ttl) + 1000) end
return string.format('%.17g', level)
`,
);
