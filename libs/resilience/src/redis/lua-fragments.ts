/**
 * Lua fragments shared by the scripts (interpolated into their sources, so each script stays
 * one EVALSHA): the server's clock, and the lease rule of the lane scripts.
 */

/** `key` = KEYS[1] and `now` = the server's time (`TIME`) in ms, fractional. */
export const LUA_SERVER_NOW = `local key = KEYS[1]
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000 + tonumber(tm[2]) / 1000`;

/**
 * Lane scripts (after `leaseW` / `leaseX` are read): `leaseNeed(k, own, rk)` returns what a
 * waiter of `k` tokens at rank `rk` (own need `own` = k + its lane's floor) needs — the largest of
 * `own` and `k + x<h>` over the live leases of higher ranks h — and when that lease ends (−1:
 * none); `leaseHold(rk, own, ownWait)` leases rank `rk` for `now + ownWait + margin` with x = own
 * (the larger x while the lease is live).
 */
export const LUA_LEASE_RULE = `local function leaseNeed(k, own, rk)
  local need = own
  local leaseEnd = -1
  for r = 0, rk - 1 do
    if leaseW[r] > now and k + leaseX[r] > need then
      need = k + leaseX[r]
      leaseEnd = leaseW[r]
    end
  end
  return need, leaseEnd
end
local function leaseHold(rk, own, ownWait)
  if leaseW[rk] <= now or own > leaseX[rk] then leaseX[rk] = own end
  if now + ownWait + margin > leaseW[rk] then leaseW[rk] = now + ownWait + margin end
end`;

/** Lane scripts: `L` (lane count) from ARGV[at], `margin` (lease margin, ms) from ARGV[at + 1], `eps`. */
export function luaLaneArgs(at: number): string {
  return `local L = tonumber(ARGV[${at}])
local margin = tonumber(ARGV[${at + 1}])
local eps = 1e-9`;
}
