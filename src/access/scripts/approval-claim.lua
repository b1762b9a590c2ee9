local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return {'missing'}
end
if status ~= 'pending' then
  return {'done', status, redis.call('HGET', KEYS[1], 'decidedBy') or '', redis.call('HGET', KEYS[1], 'decidedAt') or ''}
end
local now = tonumber(ARGV[2])
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
local outcome = ARGV[3]
if expiresAt <= now then
  outcome = 'expired'
elseif outcome == 'expired' then
  return {'pending'}
end
redis.call('HSET', KEYS[1], 'status', outcome, 'decidedBy', ARGV[4], 'decidedAt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[1])
return {'claimed', outcome}
