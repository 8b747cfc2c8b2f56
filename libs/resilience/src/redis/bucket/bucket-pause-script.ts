import { luaScript } from '../lua-script.js';

const SOURCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local h = redis.call('HMGET', KEYS[1], 'l', 'p')
local paused = tonumber(h[2]) or 0
if paused <= now then return 0 end
local level = tonumber(h[1]) or 0
if level > 0 then level = 0 end
redis.call('HSET', KEYS[1], 'l', string.format('%.17g', level), 't', string.format('%.4f', now), 'p', string.format('%.4f', now))
return 1
`;

/**
 * Ends a bucket's pause now (see `BUCKET_SCRIPT`'s hash: `l` level, `t` last refill, `p`
 * paused until, server ms): the bucket stays empty and refills from now at its rate, so the
 * bound still holds. KEYS[1] bucket. Returns 1 when a pause was ended, 0 when none was on.
 */
export const BUCKET_RESUME_SCRIPT = luaScript('bucket-resume', SOURCE);
