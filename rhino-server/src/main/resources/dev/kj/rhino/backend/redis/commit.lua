-- Applies a write transaction atomically if no other commit happened since it began.
-- KEYS: seq, rev, meta, hist, log, live, leasekeys, lease, events, buckets.
-- ARGV: the commit sequence the transaction began at, the key prefix, then ops (see RedisWriteTxn).
-- An empty sequence skips the check: the caller runs this inside MULTI/EXEC under WATCH of it.
-- Returns 1, or 0 (nothing written) when another commit came first.
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ZERO8 = string.rep('\0', 8)
local MAX8 = '\127\255\255\255\255\255\255\255'
-- the key's newest row, if the key exists
local function current(ek)
  local m = redis.call('ZREVRANGEBYLEX', KEYS[4], '(' .. ek .. MAX8, '[' .. ek, 'LIMIT', 0, 1)[1]
  if m and string.sub(m, #ek + 21, #ek + 28) ~= ZERO8 then return m end
  return nil
end
-- removes the key from its old lease's index unless that lease is kept
local function detach(ek, key, keep)
  local old = current(ek)
  if old then
    local lease = string.sub(old, #ek + 29, #ek + 36)
    if lease ~= ZERO8 and lease ~= keep then redis.call('ZREM', KEYS[7], lease .. key) end
  end
end
local i = 3
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'P' then -- put: esc(key), key, hist member, log member, be8(lease)
    local ek, key, lease = ARGV[i + 1], ARGV[i + 2], ARGV[i + 5]
    detach(ek, key, lease)
    if lease ~= ZERO8 then redis.call('ZADD', KEYS[7], 0, lease .. key) end
    redis.call('ZADD', KEYS[4], 0, ARGV[i + 3])
    redis.call('ZADD', KEYS[5], 0, ARGV[i + 4])
    redis.call('ZADD', KEYS[6], 0, key)
    i = i + 6
  elseif op == 'D' then -- delete: esc(key), key, tombstone member, log member
    local ek, key = ARGV[i + 1], ARGV[i + 2]
    detach(ek, key, nil)
    redis.call('ZREM', KEYS[6], key)
    redis.call('ZADD', KEYS[4], 0, ARGV[i + 3])
    redis.call('ZADD', KEYS[5], 0, ARGV[i + 4])
    i = i + 5
  elseif op == 'R' then -- the new revision, announced on the events stream
    redis.call('SET', KEYS[2], ARGV[i + 1])
    redis.call('XADD', KEYS[9], 'MAXLEN', '~', 1000, ARGV[i + 1] .. '-0', 'r', ARGV[i + 1])
    i = i + 2
  elseif op == 'M' then -- meta: name, value
    redis.call('HSET', KEYS[3], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif op == 'L' then -- lease: id, "ttl expiry"
    redis.call('HSET', KEYS[8], ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif op == 'l' then -- lease deleted: id
    redis.call('HDEL', KEYS[8], ARGV[i + 1])
    i = i + 2
  elseif op == 'S' then -- record: bucket, name, value
    redis.call('SADD', KEYS[10], ARGV[i + 1])
    redis.call('HSET', ARGV[2] .. 'rec:' .. ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 's' then -- record deleted: bucket, name
    redis.call('HDEL', ARGV[2] .. 'rec:' .. ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif op == 'K' then -- compaction: esc(key), key, be8(revision): drop the key's older rows
    local ek, key, rev8 = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local older = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. ek, '(' .. ek .. rev8)
    for _, m in ipairs(older) do
      redis.call('ZREM', KEYS[5], string.sub(m, #ek + 1, #ek + 12) .. key)
    end
    if #older > 0 then redis.call('ZREMRANGEBYLEX', KEYS[4], '[' .. ek, '(' .. ek .. rev8) end
    i = i + 4
  elseif op == 'T' then -- compaction: a tombstone's hist member and log member
    redis.call('ZREM', KEYS[4], ARGV[i + 1])
    redis.call('ZREM', KEYS[5], ARGV[i + 2])
    i = i + 3
  else
    return redis.error_reply('rhino: unknown commit op ' .. op)
  end
end
redis.call('INCR', KEYS[1])
return 1
