/**
 * Lua fragments of the bucket scripts (`bucket-script.ts`, `bucket-lane-script.ts`), interpolated
 * into their sources: one refill rule for the level and the lanes' cap sub-levels.
 */

/** `rate`, `period`, `burst` from ARGV[1..3]. */
export const LUA_BUCKET_ARGS = `local rate = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])`;

/**
 * Reads `level`, `last`, `paused` from `h` (HMGET of `l`, `t`, `p` first) and refills the level
 * to `now` (nothing while paused; an absent bucket is full), then defines the helpers below.
 * `capLevel(c, s, cp)`: a cap sub-level `c` (nil: full) last refilled at `s` (nil: now) refilled
 * to now at rate × cp / burst, capped at `cp`. `capTime(x, cp)`: ms for a cap sub-level of `cp`
 * to refill `x` tokens. `bucketWait(need)`: ms until the level holds `need` (after the pause).
 * `saveLevel()`: writes `l`, `t`, `p` back and returns the ms until the level is full again.
 */
export const LUA_BUCKET_REFILL = `local level = tonumber(h[1]) or burst
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
local function capLevel(c, s, cp)
  c = tonumber(c) or cp
  s = tonumber(s) or now
  if now > s then c = c + (now - s) * rate * cp / burst / period end
  if c > cp then c = cp end
  return c
end
local function capTime(x, cp) return x * period * burst / (rate * cp) end
local function bucketWait(need)
  local start = now
  local lv = level
  if paused > now then
    start = paused
    if lv > 0 then lv = 0 end
  end
  local wait = start - now
  if need - lv > 1e-9 then wait = wait + (need - lv) * period / rate end
  return wait
end
local function saveLevel()
  redis.call('HSET', key, 'l', string.format('%.17g', level), 't', string.format('%.4f', last), 'p', string.format('%.4f', paused))
  return (burst - level) * period / rate
end`;

/** ARGV[4] pauseMs / ARGV[5] drain of the admission scripts, applied after the refill. */
export const LUA_BUCKET_DRAIN_PAUSE = `if ARGV[5] == '1' and level > 0 then level = 0 end
local pauseMs = tonumber(ARGV[4])
if pauseMs > 0 and now + pauseMs > paused then
  paused = now + pauseMs
  if level > 0 then level = 0 end
end`;
