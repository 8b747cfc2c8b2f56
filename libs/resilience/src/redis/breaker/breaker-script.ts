import { CLOSED, HALF_OPEN, OPEN } from '../../core/store/breaker-state.js';
import { luaScript } from '../lua-script.js';

/**
 * Breaker state machine, one hash per breaker: `s` state (the codes of
 * `core/store/breaker-state.ts`, interpolated below: 0 closed, 1 open, 2 half-open),
 * `o` opened at (server ms), `c` consecutive failures, `tf` trials in flight, `ts` trial
 * successes, `tl` last trial admission, `e` epoch, `f` forced open, `d` disabled, `m` 1 when
 * the last transition was manual (force, reset, disable).
 * The epoch changes on every open and close, to max(e + 1, server ms): late trial outcomes of
 * an earlier half-open period count nothing, and clients order replies by it (it grows even
 * across a lost key, which reads as epoch 0).
 * KEYS[1] breaker; ARGV op, failureThreshold, recoveryTimeMs, halfOpenMaxCalls,
 * successThreshold, epoch, slow (0/1), trialLeaseMs.
 * Ops: read, admit, succ, fail, ign (trial outcomes), cfail / cok (closed outcomes,
 * consecutive mode), open (failure-rate trip), force, reset, disable.
 * Returns { result, state, remainingMs (string), epoch, consecutive, forced, disabled, manual };
 * result for admit: 0 normal, 1 trial, -1 open, -2 half-open full.
 */
export const BREAKER_SCRIPT = luaScript(
  'breaker',
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local op = ARGV[1]
local threshold = tonumber(ARGV[2])
local recovery = tonumber(ARGV[3])
local maxTrials = tonumber(ARGV[4])
local successThreshold = tonumber(ARGV[5])
local epoch = tonumber(ARGV[6])
local slow = ARGV[7] == '1'
local lease = tonumber(ARGV[8])
local CLOSED, OPEN, HALF_OPEN = ${CLOSED}, ${OPEN}, ${HALF_OPEN}
local h = redis.call('HMGET', KEYS[1], 's', 'o', 'c', 'tf', 'ts', 'tl', 'e', 'f', 'd', 'm')
local s = tonumber(h[1]) or CLOSED
local o = tonumber(h[2]) or 0
local c = tonumber(h[3]) or 0
local tf = tonumber(h[4]) or 0
local ts = tonumber(h[5]) or 0
local tl = tonumber(h[6]) or 0
local e = tonumber(h[7]) or 0
local f = tonumber(h[8]) or 0
local d = tonumber(h[9]) or 0
local m = tonumber(h[10]) or 0
local dirty = false
local r = 0
local function bump()
  e = math.max(e + 1, math.floor(now)); m = 0; dirty = true
end
local function open()
  s = OPEN; o = now; c = 0; tf = 0; ts = 0; bump()
end
local function close()
  s = CLOSED; c = 0; tf = 0; ts = 0; bump()
end
if op == 'admit' then
  if d == 1 or s == CLOSED then
    r = 0
  else
    if s == OPEN then
      if f == 1 or now < o + recovery then
        r = -1
      else
        s = HALF_OPEN; tf = 0; ts = 0; dirty = true
      end
    end
    if s == HALF_OPEN then
      if tf >= maxTrials and now - tl > lease then tf = 0 end
      if tf < maxTrials then
        tf = tf + 1; tl = now; r = 1; dirty = true
      else
        r = -2
      end
    end
  end
elseif op == 'succ' or op == 'fail' or op == 'ign' then
  if e == epoch and d == 0 then
    if tf > 0 then tf = tf - 1; dirty = true end
    if s == HALF_OPEN and op == 'fail' then open()
    elseif s == HALF_OPEN and op == 'succ' then
      if slow then open()
      else
        ts = ts + 1; dirty = true
        if ts >= successThreshold then close() end
      end
    end
  end
elseif op == 'cfail' then
  if s == CLOSED and d == 0 then
    c = c + 1; dirty = true
    if c >= threshold then open() end
  end
elseif op == 'cok' then
  if s == CLOSED and c > 0 then c = 0; dirty = true end
elseif op == 'open' then
  if s == CLOSED and d == 0 then open() end
elseif op == 'force' then
  d = 0; f = 1; open(); m = 1
elseif op == 'reset' then
  d = 0; f = 0; close(); m = 1
elseif op == 'disable' then
  f = 0; d = 1; close(); m = 1
end
if dirty then
  redis.call('HSET', KEYS[1], 's', s, 'o', string.format('%.4f', o), 'c', c, 'tf', tf, 'ts', ts, 'tl', string.format('%.4f', tl), 'e', e, 'f', f, 'd', d, 'm', m)
  redis.call('PEXPIRE', KEYS[1], 604800000)
end
local remaining = 0
if s == OPEN then remaining = o + recovery - now end
if remaining < 0 then remaining = 0 end
return { r, s, string.format('%.4f', remaining), e, c, f, d, m }
`,
);
