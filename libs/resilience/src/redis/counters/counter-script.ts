import { luaScript } from '../lua-script.js';

/**
 * Counters. KEYS[1] counter; ARGV op ('incr' | 'get'), delta, windowMs.
 * `incr` sets the expiry on the first write of a window. Returns the value as a string.
 */
export const COUNTER_SCRIPT = luaScript(
  'counter',
  `
if ARGV[1] == 'get' then
  return redis.call('GET', KEYS[1]) or '0'
end
local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return v
`,
);
