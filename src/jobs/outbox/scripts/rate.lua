-- One call against a budget (see take.lua). KEYS[1] budget. ARGV: now, interval, tolerance,
-- reserve (1: take the next slot when none is free now). Returns 0 (go now), -ms (reserved:
-- go in ms without asking again) or ms (nothing reserved: ask again in ms).
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[3]) - now
if wait > 0 and ARGV[4] ~= '1' then return math.ceil(wait) end
redis.call('SET', KEYS[1], tostring(tat + interval), 'PX', math.ceil(tat + interval - now) + 1000)
if wait > 0 then return -math.ceil(wait) end
return 0
