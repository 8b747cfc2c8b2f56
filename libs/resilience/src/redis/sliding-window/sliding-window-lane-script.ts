import { LUA_LEASE_RULE, LUA_SERVER_NOW, luaLaneArgs } from '../lua-fragments.js';
import { luaScript } from '../lua-script.js';
import { LUA_WINDOW_ARGS, LUA_WINDOW_PAUSE, LUA_WINDOW_STATE, LUA_WINDOW_TTL } from './window-lua.js';

/**
 * Sliding-window log with priority lanes (used instead of `SLIDING_WINDOW_SCRIPT` when the spec
 * has lanes). Same hash as `SLIDING_WINDOW_SCRIPT` (`h n B c p H T`, entries `t<i>` / `k<i>`)
 * plus, per capped lane r, the lane's cumulative tokens admitted `a<r>` and expired or refunded
 * `b<r>` and, per entry i, the lane's cumulative tokens up to it `q<r>:<i>` (the lane's tokens
 * counted now: a<r> − b<r>, kept with the log and expiring with its entries), and per rank r a
 * lease `w<r>` (server ms until which it holds) / `x<r>` (the tokens the leased head needs: its
 * tokens + its lane's floor). Refunds only move the bases (`B`, `b<r>`): entries leave by time.
 *
 * Admission of waiter i (tokens k, lane q, rank r: its lane, or 0 once aged), in the order given
 * (the client's priority order), with `counted` the window's tokens (this call's admissions
 * included):
 * 1. lane q capped and its own tokens counted + k > cap: SKIPPED with the rest of its lane;
 * 2. need = k + floor(q); for every rank h < r with a live lease: need = max(need, k + x<h>);
 *    counted + need > limit (or paused): STOP, and lease rank r (unless it is the lowest) until
 *    `now + its own wait + leaseMargin` with x<r> = k + floor(q) (the larger x while live);
 * 3. else admitted (one entry at the server's ms for the whole call); rank r's lease is cleared.
 *
 * KEYS[1] the hash; ARGV limit, span, pauseMs, op, L, leaseMargin, per lane floorTokens,
 * capTokens (0: no cap), then:
 * - op `a`: carry, carryLane, n, per waiter tokens, lane, rank. Returns { mask, stopWaitMs,
 *   capWaitMs (strings, −1: none), counted (string), stopAt (1-based, 0: none), entry (−1: none) }.
 * - op `r`: tokens, lane: takes them off the window's (and the lane's) oldest tokens.
 * - op `m`: tokens, entry, then per lane its part of them: moves them from that entry to now.
 *   `r` and `m` return { 0, '-1', '-1', counted, 0, -1 }.
 */
const SOURCE = `
${LUA_SERVER_NOW}
${LUA_WINDOW_ARGS}
${luaLaneArgs(5)}
local fields = { 'h', 'n', 'B', 'c', 'p', 'H', 'T' }
local floor, cap, capped = {}, {}, {}
for r = 0, L - 1 do
  floor[r] = tonumber(ARGV[7 + 2 * r])
  cap[r] = tonumber(ARGV[8 + 2 * r])
  if cap[r] > 0 then capped[#capped + 1] = r end
  fields[#fields + 1] = 'a' .. r
  fields[#fields + 1] = 'b' .. r
  fields[#fields + 1] = 'w' .. r
  fields[#fields + 1] = 'x' .. r
end
local o = 7 + 2 * L
local s = redis.call('HMGET', key, unpack(fields))
${LUA_WINDOW_STATE}
local la, lb, leaseW, leaseX = {}, {}, {}, {}
for r = 0, L - 1 do
  la[r] = tonumber(s[8 + 4 * r]) or 0
  lb[r] = tonumber(s[9 + 4 * r]) or 0
  leaseW[r] = tonumber(s[10 + 4 * r]) or 0
  leaseX[r] = tonumber(s[11 + 4 * r]) or 0
end
${LUA_LEASE_RULE}
local function qf(r, i) return 'q' .. r .. ':' .. i end
local function num(x) return string.format('%.17g', x) end
while head < nxt and headT + span <= now do
  local kb = tonumber(redis.call('HGET', key, 'k' .. head))
  if kb > base then base = kb end
  local del = { 't' .. head, 'k' .. head }
  for _, r in ipairs(capped) do
    local v = tonumber(redis.call('HGET', key, qf(r, head))) or 0
    if v > lb[r] then lb[r] = v end
    del[#del + 1] = qf(r, head)
  end
  redis.call('HDEL', key, unpack(del))
  head = head + 1
  if head < nxt then headT = tonumber(redis.call('HGET', key, 't' .. head)) end
end
${LUA_WINDOW_PAUSE}
-- Adds tokens now (amt: per lane); entries of one server ms are shared.
local function add(tokens, amt)
  total = total + tokens
  for _, r in ipairs(capped) do la[r] = la[r] + (amt[r] or 0) end
  local t = math.ceil(now)
  local e = nxt
  local set = {}
  if head < nxt and tailT >= t then
    e = nxt - 1
  else
    set = { 't' .. nxt, t }
    if head == nxt then headT = t end
    nxt = nxt + 1
    tailT = t
  end
  set[#set + 1] = 'k' .. e
  set[#set + 1] = num(total)
  for _, r in ipairs(capped) do
    set[#set + 1] = qf(r, e)
    set[#set + 1] = num(la[r])
  end
  redis.call('HSET', key, unpack(set))
end
-- Server ms when the oldest p tokens (cumulative field f, from bv) have left; beyond the log's counted: this call's.
local function leaves(f, bv, p, counted)
  if p > counted + eps or head == nxt then return math.ceil(now) + span end
  local target = bv + p - eps
  local lo = head
  local hi = nxt - 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if (tonumber(redis.call('HGET', key, f(mid))) or 0) >= target then hi = mid else lo = mid + 1 end
  end
  return tonumber(redis.call('HGET', key, 't' .. lo)) + span
end
local function kf(i) return 'k' .. i end
local mask, stopWait, capWait, stopAt, entry = 0, -1, -1, 0, -1
if op == 'r' then
  local x = tonumber(ARGV[o])
  local q = tonumber(ARGV[o + 1])
  if x > total - base then x = total - base end
  base = base + x
  if cap[q] and cap[q] > 0 then
    local y = x
    if y > la[q] - lb[q] then y = la[q] - lb[q] end
    lb[q] = lb[q] + y
  end
elseif op == 'm' then
  local x = tonumber(ARGV[o])
  local e = tonumber(ARGV[o + 1])
  if e >= head and e < nxt then
    local prev = base
    if e > head then prev = math.max(base, tonumber(redis.call('HGET', key, 'k' .. (e - 1)))) end
    local own = tonumber(redis.call('HGET', key, 'k' .. e)) - prev
    if x > own then x = own end
    local amt = {}
    for _, r in ipairs(capped) do
      local pr = lb[r]
      if e > head then pr = math.max(pr, tonumber(redis.call('HGET', key, qf(r, e - 1))) or 0) end
      local y = tonumber(ARGV[o + 2 + r]) or 0
      local mine = (tonumber(redis.call('HGET', key, qf(r, e))) or 0) - pr
      if y > mine then y = mine end
      if y < 0 then y = 0 end
      amt[r] = y
    end
    if x > 0 then
      for j = e, nxt - 1 do
        local set = { 'k' .. j, num(tonumber(redis.call('HGET', key, 'k' .. j)) - x) }
        for _, r in ipairs(capped) do
          set[#set + 1] = qf(r, j)
          set[#set + 1] = num((tonumber(redis.call('HGET', key, qf(r, j))) or 0) - amt[r])
        end
        redis.call('HSET', key, unpack(set))
      end
      total = total - x
      for _, r in ipairs(capped) do la[r] = la[r] - amt[r] end
      add(x, amt)
    end
  end
else
  local carry = tonumber(ARGV[o])
  if carry > 0 then
    local amt = {}
    amt[tonumber(ARGV[o + 1])] = carry
    add(carry, amt)
  end
  local n = tonumber(ARGV[o + 2])
  local taken, amt, blocked, bit = 0, {}, {}, 1
  local counted = total - base
  for i = 1, n do
    local b = o + 3 * i
    local k = tonumber(ARGV[b])
    local q = tonumber(ARGV[b + 1])
    local rk = tonumber(ARGV[b + 2])
    local mine = la[q] - lb[q] + (amt[q] or 0)
    if blocked[q] then
    elseif cap[q] > 0 and mine + k > cap[q] + eps then
      blocked[q] = true
      local cw = leaves(function(j) return qf(q, j) end, lb[q], mine + k - cap[q], la[q] - lb[q]) - now
      if capWait < 0 or cw < capWait then capWait = cw end
    else
      local own = k + floor[q]
      local need, leaseEnd = leaseNeed(k, own, rk)
      if now < paused or counted + taken + need > limit + eps then
        local start = now
        if paused > start then start = paused end
        local function waitFor(nd)
          local p = counted + taken + nd - limit
          local at = start
          if p > eps then
            local rel = leaves(kf, base, p, counted)
            if rel > at then at = rel end
          end
          return at - now
        end
        stopWait = waitFor(need)
        if leaseEnd >= 0 and leaseEnd - now < stopWait then stopWait = leaseEnd - now end
        if rk < L - 1 then leaseHold(rk, own, waitFor(own)) end
        stopAt = i
        break
      end
      taken = taken + k
      amt[q] = (amt[q] or 0) + k
      mask = mask + bit
      leaseW[rk] = 0
    end
    bit = bit * 2
  end
  if taken > 0 then
    add(taken, amt)
    entry = nxt - 1
  end
end
local set = { 'h', head, 'n', nxt, 'B', num(base), 'c', num(total), 'p', string.format('%.4f', paused), 'H', headT, 'T', tailT }
local del = {}
${LUA_WINDOW_TTL}
for r = 0, L - 1 do
  if cap[r] > 0 then
    set[#set + 1] = 'a' .. r
    set[#set + 1] = num(la[r])
    set[#set + 1] = 'b' .. r
    set[#set + 1] = num(lb[r])
  end
  if leaseW[r] > now then
    set[#set + 1] = 'w' .. r
    set[#set + 1] = string.format('%.4f', leaseW[r])
    set[#set + 1] = 'x' .. r
    set[#set + 1] = num(leaseX[r])
    if leaseW[r] - now > ttl then ttl = leaseW[r] - now end
  else
    del[#del + 1] = 'w' .. r
    del[#del + 1] = 'x' .. r
  end
end
redis.call('HSET', key, unpack(set))
if #del > 0 then redis.call('HDEL', key, unpack(del)) end
redis.call('PEXPIRE', key, math.ceil(ttl) + 1000)
return { mask, string.format('%.4f', stopWait), string.format('%.4f', capWait), num(total - base), stopAt, entry }
`;

/** The sliding-window lane script (see the comment above its source). */
export const SLIDING_WINDOW_LANE_SCRIPT = luaScript('sliding-window-lanes', SOURCE);
