import { luaScript } from '../lua-script.js';

/**
 * The budget ledger's scripts (docs/redis.md, "Budget ledger"). Every script takes two keys per
 * window, `KEYS[2i-1]` (a hash) and `KEYS[2i]` (a sorted set), all under one hash tag:
 *
 * - the hash: `spent` and `reserved` (running totals, integers), `h:<id>` (a hold's amount),
 *   `s:<slot>` (a rolling window's spend in one slot) and `m:<marker>` (markOnce);
 * - the sorted set: what expires, scored by the clock time it stops counting: `h:<id>` by its
 *   hold end, `s:<slot>` by `(slot + 1 + slots) × slotMs`.
 *
 * `ARGV[1]` is the caller's clock (`now`, ms): entries scored `<= now` are purged first (O(expired)),
 * their amounts taken off the running totals. All arithmetic on amounts is Redis's `HINCRBY` on
 * decimal strings the caller sent (64-bit integers, exact); the limit check compares doubles, exact
 * below 2^53. Nothing Lua computes is sent back to Redis as a number (Lua would format it with 14
 * digits), and totals are returned as Redis's decimal strings (a client may parse a 16-digit
 * integer reply inexactly). Keys get a relative TTL (`ttl`, ms, computed by the caller from its clock), only ever
 * lengthened.
 */
const PRELUDE = `local now = ARGV[1]
local n = #KEYS / 2
local function purge(w, e)
  local gone = redis.call('ZRANGEBYSCORE', e, '-inf', now)
  if #gone == 0 then return end
  for _, f in ipairs(gone) do
    local v = redis.call('HGET', w, f)
    if v then
      redis.call('HDEL', w, f)
      redis.call('HINCRBY', w, string.sub(f, 1, 1) == 'h' and 'reserved' or 'spent', '-' .. v)
    end
  end
  redis.call('ZREMRANGEBYSCORE', e, '-inf', now)
end
local function keep(k, ttl)
  local cur = redis.call('PTTL', k)
  if cur ~= -2 and cur < tonumber(ttl) then redis.call('PEXPIRE', k, ttl) end
end
local function totals(w)
  local t = redis.call('HMGET', w, 'spent', 'reserved')
  return t[1] or '0', t[2] or '0'
end`;

/**
 * Reserve. ARGV: now, hold field (`h:<id>`), amount (> 0), holdUntil, then per window: limit, ttl.
 * Returns `{1, spent1, reserved1, spent2, ...}` (after the change) when every window admits (the hold
 * is then recorded in each, replacing an earlier amount of the same id), else `{0, index, spent, reserved}` of the first refusing window (nothing
 * recorded; the check counts an earlier amount of the same id as replaced).
 */
export const LEDGER_RESERVE_SCRIPT = luaScript(
  'ledger-reserve',
  `${PRELUDE}
local id = ARGV[2]
local amount = ARGV[3]
local amt = tonumber(amount)
for i = 1, n do
  local w = KEYS[2 * i - 1]
  purge(w, KEYS[2 * i])
  local t = redis.call('HMGET', w, 'spent', 'reserved', id)
  local spent, reserved = t[1] or '0', t[2] or '0'
  if tonumber(spent) + tonumber(reserved) - tonumber(t[3] or '0') + amt > tonumber(ARGV[3 + 2 * i]) then
    return {0, i - 1, spent, reserved}
  end
end
for i = 1, n do
  local w, e = KEYS[2 * i - 1], KEYS[2 * i]
  local prev = redis.call('HGET', w, id)
  if prev then redis.call('HINCRBY', w, 'reserved', '-' .. prev) end
  redis.call('HSET', w, id, amount)
  redis.call('HINCRBY', w, 'reserved', amount)
  redis.call('ZADD', e, ARGV[4], id)
  local ttl = ARGV[4 + 2 * i]
  keep(w, ttl)
  keep(e, ttl)
end
local out = {1}
for i = 1, n do
  local spent, reserved = totals(KEYS[2 * i - 1])
  out[2 * i] = spent
  out[2 * i + 1] = reserved
end
return out`,
);

/**
 * Settle. ARGV: now, hold field, actual (>= 0), then per window: slot field (`s:<slot>`, '' for a
 * fixed window), the slot's expiry score, ttl. Removes the hold, adds `actual` to `spent` (and to the
 * slot), purges (a slot that already left the window is dropped at once) and returns
 * `{spent1, reserved1, spent2, ...}`.
 */
export const LEDGER_SETTLE_SCRIPT = luaScript(
  'ledger-settle',
  `${PRELUDE}
local id = ARGV[2]
local actual = ARGV[3]
local out = {}
for i = 1, n do
  local w, e = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 1 + 3 * i
  local prev = redis.call('HGET', w, id)
  if prev then
    redis.call('HDEL', w, id)
    redis.call('HINCRBY', w, 'reserved', '-' .. prev)
    redis.call('ZREM', e, id)
  end
  if actual ~= '0' then
    redis.call('HINCRBY', w, 'spent', actual)
    local slot = ARGV[base]
    if slot ~= '' then
      redis.call('HINCRBY', w, slot, actual)
      redis.call('ZADD', e, ARGV[base + 1], slot)
    end
    keep(w, ARGV[base + 2])
    keep(e, ARGV[base + 2])
  end
  purge(w, e)
  local spent, reserved = totals(w)
  out[2 * i - 1] = spent
  out[2 * i] = reserved
end
return out`,
);

/** Totals. ARGV: now. Purges, then returns `{spent1, reserved1, spent2, ...}`. */
export const LEDGER_TOTALS_SCRIPT = luaScript(
  'ledger-totals',
  `${PRELUDE}
local out = {}
for i = 1, n do
  local w = KEYS[2 * i - 1]
  purge(w, KEYS[2 * i])
  local spent, reserved = totals(w)
  out[2 * i - 1] = spent
  out[2 * i] = reserved
end
return out`,
);

/** Mark once. KEYS: the window's hash and set; ARGV: now, marker field (`m:<marker>`), ttl. Returns 1 the first time, else 0. */
export const LEDGER_MARK_SCRIPT = luaScript(
  'ledger-mark',
  `${PRELUDE}
local w = KEYS[1]
local first = redis.call('HSETNX', w, ARGV[2], '1')
keep(w, ARGV[3])
return first`,
);
