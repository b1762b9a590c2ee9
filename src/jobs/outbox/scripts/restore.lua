-- Puts a taken state back after its send failed (a newer state, if any, wins the next send):
-- still urgent if it was, and with how to send it next (`mode`, '' keeps the current one).
-- ARGV: owner, blockedUntil (0: none), urgent (0/1), mode.
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'dirty', '1')
if tonumber(ARGV[2]) > 0 then redis.call('HSET', KEYS[1], 'blockedUntil', ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'urgent', '1') end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'mode', ARGV[4]) end
return 1
