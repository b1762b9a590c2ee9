-- Records the latest desired state of a message and makes sure exactly one render job owns it.
-- The owner generation only changes when a job releases the message with nothing left to send
-- (take.lua), so there is never more than one job sending a given message (no out-of-order
-- updates), and a state written while a job is busy is never lost (the job sees `dirty`).
-- When no job owns the message and the state is what Slack already shows (`sentHash`), nothing
-- is recorded and nothing needs enqueueing: returns ''.
-- A message that `moved` (the original could not be edited, so an outcome was posted as a new
-- message) keeps the new channel and ts: later states edit the new one.
-- KEYS[1] message hash. ARGV: channel, ts, text, blocks JSON, urgent (0/1), ttl ms, digest,
-- user to direct-message when the channel is gone ('' for none).
-- Returns the owner generation to enqueue (a no-op add when that job already exists), or ''.
local owner = redis.call('HGET', KEYS[1], 'owner')
if (not owner) and redis.call('HGET', KEYS[1], 'sentHash') == ARGV[7] then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return ''
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'text', ARGV[3], 'blocks', ARGV[4], 'hash', ARGV[7], 'dirty', '1')
if redis.call('HGET', KEYS[1], 'moved') ~= '1' then redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'ts', ARGV[2]) end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'user', ARGV[8]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'urgent', '1') end
if not owner then
  owner = tostring(redis.call('HINCRBY', KEYS[1], 'seq', 1))
  redis.call('HSET', KEYS[1], 'owner', owner)
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return owner
