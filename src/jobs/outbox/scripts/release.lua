-- Gives the message up (it cannot be updated: deleted, channel gone). ARGV: owner.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '0')
redis.call('HDEL', KEYS[1], 'owner', 'urgent', 'slotAt')
return 1
