-- Slack said 429: nothing more goes on this budget before Retry-After. KEYS[1] budget. ARGV: until, now.
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = tonumber(ARGV[1])
if tat < untilMs then redis.call('SET', KEYS[1], tostring(untilMs), 'PX', math.max(1000, untilMs - tonumber(ARGV[2]) + 1000)) end
return 1
