import { LUA_SERVER_NOW } from '../lua-fragments.js';
import { luaScript } from '../lua-script.js';
import { LUA_WINDOW_ARGS, LUA_WINDOW_PAUSE, LUA_WINDOW_STATE, LUA_WINDOW_TTL } from './window-lua.js';

/**
 * Sliding-window log, one hash per limiter: the same rules as `MemorySlidingWindow`, with
 * the server's clock (`TIME`), so client clock skew cannot break the bound.
 *
 * Fields: `h` oldest entry's sequence number, `n` next sequence number, `B` cumulative tokens
 * expired or refunded, `c` cumulative tokens admitted, `p` paused until (server ms), `H` and
 * `T` the times of the oldest and newest entries (cached). Entry
 * `i`: `t<i>` time (whole ms, rounded up: admissions of one millisecond share an entry),
 * `k<i>` cumulative tokens up to and including it. Tokens counted now = c - B. An entry
 * counts until `t + span` (span = windowMs + safetyMarginMs).
 *
 * KEYS[1] the hash; ARGV limit, span, pauseMs (> 0 pause for that long, < 0 end a pause,
 * 0 nothing), op, then:
 * - op `a` (acquire): carry, n, tokens_1..tokens_n. `carry` tokens are first counted as
 *   admitted now (admissions made elsewhere, e.g. locally while Redis was down); then a FIFO
 *   prefix of the n token counts is admitted. Returns { admitted, waitMs (string), counted
 *   (string), entry }, waitMs being the wait until the first one not admitted fits and entry
 *   the sequence number of the entry holding the admitted tokens (-1: none).
 * - op `r` (refund): tokens. Takes them off the window from its oldest entries. Returns
 *   { 0, '0', counted }.
 * - op `m` (move): tokens, entry. Moves that many tokens from that entry to now (admissions
 *   whose requests left later than the script stamped them: counted from now instead, which
 *   is stricter, never looser). Costs one write per entry newer than it (usually none).
 *   Returns { 0, '0', counted, -1 }.
 * Work per call: O(1) amortized for trimming and admitting, O(log n) for the wait.
 */
const SOURCE = `
${LUA_SERVER_NOW}
${LUA_WINDOW_ARGS}
local eps = 1e-9
local s = redis.call('HMGET', key, 'h', 'n', 'B', 'c', 'p', 'H', 'T')
-- Times of the oldest and newest entries are cached: most calls read no entry at all.
${LUA_WINDOW_STATE}
local function drop()
  redis.call('HDEL', key, 't' .. head, 'k' .. head)
  head = head + 1
  if head < nxt then headT = tonumber(redis.call('HGET', key, 't' .. head)) end
end
while head < nxt and headT + span <= now do
  base = tonumber(redis.call('HGET', key, 'k' .. head))
  drop()
end
${LUA_WINDOW_PAUSE}
local function add(tokens)
  total = total + tokens
  local t = math.ceil(now)
  if head < nxt and tailT >= t then
    redis.call('HSET', key, 'k' .. (nxt - 1), string.format('%.17g', total))
  else
    redis.call('HSET', key, 't' .. nxt, t, 'k' .. nxt, string.format('%.17g', total))
    if head == nxt then headT = t end
    nxt = nxt + 1
    tailT = t
  end
end
local admitted = 0
local wait = 0
local entry = -1
if op == 'r' then
  local x = tonumber(ARGV[5])
  if x > total - base then x = total - base end
  base = base + x
  while head < nxt and tonumber(redis.call('HGET', key, 'k' .. head)) <= base + eps do drop() end
elseif op == 'm' then
  local x = tonumber(ARGV[5])
  local e = tonumber(ARGV[6])
  if e >= head and e < nxt then
    local prev = base
    if e > head then prev = tonumber(redis.call('HGET', key, 'k' .. (e - 1))) end
    local own = tonumber(redis.call('HGET', key, 'k' .. e)) - prev
    if x > own then x = own end
    for j = e, nxt - 1 do
      redis.call('HSET', key, 'k' .. j, string.format('%.17g', tonumber(redis.call('HGET', key, 'k' .. j)) - x))
    end
    total = total - x
    add(x)
  end
else
  local carry = tonumber(ARGV[5])
  local n = tonumber(ARGV[6])
  if carry > 0 then add(carry) end
  if now >= paused then
    local taken = 0
    for i = 1, n do
      local k = tonumber(ARGV[6 + i])
      if total + taken - base + k > limit + eps then break end
      taken = taken + k
      admitted = i
    end
    if taken > 0 then
      add(taken)
      entry = nxt - 1
    end
  end
  if admitted < n then
    local need = tonumber(ARGV[6 + admitted + 1])
    local start = now
    if paused > now then start = paused end
    local p = total - base + need - limit
    local at = start
    if p > eps and head < nxt then
      local target = base + p - eps
      local lo = head
      local hi = nxt - 1
      while lo < hi do
        local mid = math.floor((lo + hi) / 2)
        if tonumber(redis.call('HGET', key, 'k' .. mid)) >= target then hi = mid else lo = mid + 1 end
      end
      local released = tonumber(redis.call('HGET', key, 't' .. lo)) + span
      if released > at then at = released end
    end
    wait = at - now
  end
end
redis.call('HSET', key, 'h', head, 'n', nxt, 'B', string.format('%.17g', base), 'c', string.format('%.17g', total), 'p', string.format('%.4f', paused), 'H', headT, 'T', tailT)
${LUA_WINDOW_TTL}
redis.call('PEXPIRE', key, math.ceil(ttl) + 1000)
return { admitted, string.format('%.4f', wait), string.format('%.17g', total - base), entry }
`;

/** The sliding-window script (see the comment above its source). */
export const SLIDING_WINDOW_SCRIPT = luaScript('sliding-window', SOURCE);
