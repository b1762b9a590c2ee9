local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'reserved'
end
local tag = string.sub(v, 1, 2)
if tag == 'S:' then return 'sent' end
if tag == 'F:' then return 'failed' end
return 'busy'
