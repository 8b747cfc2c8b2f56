/**
 * Lua fragments of the sliding-window scripts (`sliding-window-script.ts`,
 * `sliding-window-lane-script.ts`), interpolated into their sources.
 */

/** `limit`, `span`, `pauseMs`, `op` from ARGV[1..4]. */
export const LUA_WINDOW_ARGS = `local limit = tonumber(ARGV[1])
local span = tonumber(ARGV[2])
local pauseMs = tonumber(ARGV[3])
local op = ARGV[4]`;

/** The log's state from `s` (HMGET of `h n B c p H T` first): `H` / `T` cached entry times. */
export const LUA_WINDOW_STATE = `local head = tonumber(s[1]) or 0
local nxt = tonumber(s[2]) or 0
local base = tonumber(s[3]) or 0
local total = tonumber(s[4]) or 0
local paused = tonumber(s[5]) or 0
local headT = tonumber(s[6]) or 0
local tailT = tonumber(s[7]) or 0`;

/** Applies `pauseMs` (> 0 pause for that long, < 0 end a pause). */
export const LUA_WINDOW_PAUSE = `if pauseMs > 0 and now + pauseMs > paused then paused = now + pauseMs end
if pauseMs < 0 and paused > now then paused = now end`;

/** `ttl`: until the newest entry leaves, or the pause ends if later. */
export const LUA_WINDOW_TTL = `local ttl = 0
if head < nxt then ttl = tailT + span - now end
if paused - now > ttl then ttl = paused - now end`;
