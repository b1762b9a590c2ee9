if redis.call('HGET', KEYS[1], 'status') ~= 'approved' or redis.call('HGET', KEYS[1], 'decidedBy') ~= ARGV[2] then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'pending')
redis.call('HDEL', KEYS[1], 'decidedBy', 'decidedAt')
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
redis.call('ZADD', KEYS[2], expiresAt, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
