-- Live keys of a range as of a revision, ascending; their hist members (cut after the row header
-- when keys only), or their number. Runs as one script, so the live set and the counter agree.
-- Or {''}: the caller should scan the range's rows in hist itself (see below).
-- KEYS: rev, live, hist.
-- ARGV: revision, be8(revision + 1), mode (s = single key, r = [start, end), u = [start, +inf)),
--       start, end, limit (0 = none), keys only (1/0), count only (1/0).
local atRev, atNext, mode, startKey, endKey = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local limit, keysOnly, countOnly = tonumber(ARGV[6]), ARGV[7] == '1', ARGV[8] == '1'
local ZERO8 = string.rep('\0', 8)
local SCAN_MIN_ROWS = 2000
local function esc(k) return (string.gsub(k, '%z', '\0\255')) .. '\0\1' end
-- the newest row of escaped key ek at or below the revision
local function newest(ek)
  return redis.call('ZREVRANGEBYLEX', KEYS[3], '(' .. ek .. atNext, '[' .. ek, 'LIMIT', 0, 1)[1]
end
local function exists(m, ek) return m and string.sub(m, #ek + 21, #ek + 28) ~= ZERO8 end
local out, n = {}, 0
local function add(m, ek)
  n = n + 1
  if not countOnly then
    if keysOnly then out[#out + 1] = string.sub(m, 1, #ek + 36) else out[#out + 1] = m end
  end
end

-- A whole range (no limit) whose history is shallow: one lookup per key costs far more than
-- reading every row of the range, so the caller does that instead, natively and in pages.
if limit == 0 and not countOnly and mode ~= 's' then
  local upper, maxLex = '+', '+'
  if mode == 'r' then upper, maxLex = '(' .. esc(endKey), '(' .. endKey end
  local rows = redis.call('ZLEXCOUNT', KEYS[3], '[' .. esc(startKey), upper)
  if rows >= SCAN_MIN_ROWS and rows <= 2 * redis.call('ZLEXCOUNT', KEYS[2], '[' .. startKey, maxLex) then
    return {''}
  end
end

if mode == 's' then
  local ek = esc(startKey)
  local m = newest(ek)
  if exists(m, ek) then add(m, ek) end
elseif redis.call('GET', KEYS[1]) == atRev then
  -- Current revision: the live set is exactly the keys that exist.
  local maxLex = '+'
  if mode == 'r' then maxLex = '(' .. endKey end
  if countOnly then return {redis.call('ZLEXCOUNT', KEYS[2], '[' .. startKey, maxLex)} end
  local count = -1
  if limit > 0 then count = limit end
  for _, k in ipairs(redis.call('ZRANGEBYLEX', KEYS[2], '[' .. startKey, maxLex, 'LIMIT', 0, count)) do
    local ek = esc(k)
    add(newest(ek), ek)
  end
else
  -- A past revision: visit each key that has rows in the range once (jumping over its other rows)
  -- and keep it if its newest row at or below the revision is not a tombstone.
  local upper = '+'
  if mode == 'r' then upper = '(' .. esc(endKey) end
  local cursor = '[' .. esc(startKey)
  while true do
    local first = redis.call('ZRANGEBYLEX', KEYS[3], cursor, upper, 'LIMIT', 0, 1)[1]
    if not first then break end
    local p = string.find(first, '\0\1', 1, true)
    local ek = string.sub(first, 1, p + 1)
    local m = newest(ek)
    if exists(m, ek) then
      add(m, ek)
      if limit > 0 and n >= limit then break end
    end
    -- every row of the next key sorts at or after esc-prefix .. 0x00 0x02
    cursor = '[' .. string.sub(ek, 1, -2) .. '\2'
  end
end
if countOnly then return {n} end
return out
