-- Called by the owning render job. Returns {'stale'} (another generation owns the message),
-- {'done'} (nothing to send, or only what Slack already shows: ownership released),
-- {'wait', ms, urgent} (coalescing, Retry-After, or the chat.update budget), or
-- {'send', version, channel, ts, text, blocks, digest, urgent, mode, user} after clearing
-- `dirty`; `mode` is '' (edit the message), 'post' (post it anew in the channel) or 'dm' (post
-- it to `user` directly), set by restore.lua when Slack refused the edit for good.
--
-- The budget (KEYS[2], a GCRA "theoretical arrival time"): a call may go when the budget is at
-- most `tolerance` ms ahead of now, and moves it `interval` ms on. When it is further ahead, an
-- urgent state reserves the next slot (`slotAt`, honoured on its next turn without asking
-- again), so urgent states are served in order and before any progress update; a progress update
-- reserves nothing and parks at least `leastPark` ms (it is coalesced anyway).
-- KEYS[1] message hash, KEYS[2] budget. ARGV: now, owner, interval (0: unpaced), tolerance, leastPark.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return {'stale'} end
if redis.call('HGET', KEYS[1], 'dirty') ~= '1' then
  redis.call('HDEL', KEYS[1], 'owner', 'slotAt')
  return {'done'}
end
local now = tonumber(ARGV[1])
local urgent = redis.call('HGET', KEYS[1], 'urgent') == '1'
local flag = urgent and '1' or '0'
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blockedUntil') or '0')
if blocked > now then return {'wait', tostring(blocked - now), flag} end
local nextAt = tonumber(redis.call('HGET', KEYS[1], 'nextAt') or '0')
if (not urgent) and nextAt > now then return {'wait', tostring(nextAt - now), flag} end
local f = redis.call('HMGET', KEYS[1], 'version', 'channel', 'ts', 'text', 'blocks', 'hash', 'sentHash', 'mode', 'user')
if f[6] and f[6] == f[7] then
  redis.call('HSET', KEYS[1], 'dirty', '0')
  redis.call('HDEL', KEYS[1], 'owner', 'urgent', 'slotAt')
  return {'done'}
end
local interval = tonumber(ARGV[3])
if interval > 0 then
  local slot = tonumber(redis.call('HGET', KEYS[1], 'slotAt') or '0')
  if slot > now then return {'wait', tostring(slot - now), flag} end
  if slot == 0 then
    local tat = tonumber(redis.call('GET', KEYS[2]) or '0')
    if tat < now then tat = now end
    local wait = tat - tonumber(ARGV[4]) - now
    if wait > 0 and not urgent then
      return {'wait', tostring(math.max(wait, tonumber(ARGV[5]))), flag}
    end
    redis.call('SET', KEYS[2], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
    if wait > 0 then
      redis.call('HSET', KEYS[1], 'slotAt', tostring(now + wait))
      return {'wait', tostring(wait), flag}
    end
  end
end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'urgent', 'slotAt')
return {'send', f[1], f[2], f[3], f[4], f[5], f[6] or '', flag, f[8] or '', f[9] or ''}
