-- One observation of a notebook's run state, applied atomically (src/usage/ledger.ts).
-- KEYS: 1 the notebook's state hash, 2 runs hash (run id -> JSON), 3 runs by end (zset),
--       4 set of notebooks with an open run
-- ARGV: 1 notebook id, 2 'running' | 'stopped', 3 observed at (ms), 4 hint (running: when it
--       started; stopped: when it stopped; '' unknown), 5 lease end ('' unknown), 6 flavor,
--       7 owner, 8 name, 9 iam user, 10 origin, 11 drop closed runs ending before (ms),
--       12 state TTL (ms)
-- Observations are ordered by their time, not by their arrival: a RUNNING seen before the last
-- STOPPED (or the reverse) is stale and changes nothing, so replays, retries and several
-- replicas never count an interval twice. Returns 'opened', 'open', 'closed', 'idle' or 'stale'.
local st, runs, byEnd, open = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, kind, at = ARGV[1], ARGV[2], tonumber(ARGV[3])
local hint = tonumber(ARGV[4])
local leaseEnd = tonumber(ARGV[5])

local function num(field)
  return tonumber(redis.call('HGET', st, field))
end

local runObs, stopObs = num('run_obs'), num('stop_obs')
local start = num('start')

local function meta()
  local fields = { 'flavor', ARGV[6], 'owner', ARGV[7], 'name', ARGV[8], 'iam', ARGV[9], 'origin', ARGV[10] }
  for i = 1, #fields, 2 do
    if fields[i + 1] ~= '' then redis.call('HSET', st, fields[i], fields[i + 1]) end
  end
  if leaseEnd then redis.call('HSET', st, 'lease_end', leaseEnd) end
  redis.call('PEXPIRE', st, tonumber(ARGV[12]))
end

if kind == 'running' then
  if stopObs and at <= stopObs then return 'stale' end
  if not runObs or at > runObs then redis.call('HSET', st, 'run_obs', at) end
  meta()
  if start then return 'open' end
  local s = hint or at
  if s > at then s = at end
  local floor = math.max(num('last_end') or 0, stopObs or 0)
  if s < floor then s = floor end
  redis.call('HSET', st, 'start', s)
  redis.call('SADD', open, id)
  return 'opened'
end

-- stopped
if runObs and at < runObs then return 'stale' end
if not stopObs or at > stopObs then redis.call('HSET', st, 'stop_obs', at) end
if not start then
  meta()
  return 'idle'
end
meta()
local e = at
if hint and hint < e then e = hint end
local le = num('lease_end')
if le and le < e and le > start then e = le end
local floor = math.max(start, runObs or start)
if e < floor then e = floor end
local runId = id .. ':' .. start
local h = redis.call('HMGET', st, 'flavor', 'owner', 'name', 'iam', 'origin')
local rec = { id = id, start = start, ['end'] = e }
if h[1] then rec.flavor = h[1] end
if h[2] then rec.owner = h[2] end
if h[3] then rec.name = h[3] end
if h[4] then rec.iam = h[4] end
if h[5] then rec.origin = h[5] end
redis.call('HSET', runs, runId, cjson.encode(rec))
redis.call('ZADD', byEnd, e, runId)
redis.call('HDEL', st, 'start')
redis.call('HSET', st, 'last_end', e)
redis.call('SREM', open, id)
local old = redis.call('ZRANGEBYSCORE', byEnd, '-inf', '(' .. ARGV[11], 'LIMIT', 0, 50)
for _, r in ipairs(old) do
  redis.call('HDEL', runs, r)
  redis.call('ZREM', byEnd, r)
end
return 'closed'
