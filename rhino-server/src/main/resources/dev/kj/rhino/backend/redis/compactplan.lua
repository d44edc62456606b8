-- What compacting a window of revisions removes. KEYS: log, hist. ARGV: lex min, lex max (log).
-- For each key written in the window, its newest row there supersedes the key's older rows, and is
-- itself dropped when it is a tombstone. Returns {rows removed, then per key: key, be8(revision of
-- that newest row), the tombstone's member or ''}.
local entries = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2])
local ZERO8 = string.rep('\0', 8)
local function esc(k) return (string.gsub(k, '%z', '\0\255')) .. '\0\1' end
local newestId, order = {}, {}
for _, e in ipairs(entries) do
  local key = string.sub(e, 13)
  if not newestId[key] then order[#order + 1] = key end
  newestId[key] = string.sub(e, 1, 12) -- entries ascend, so the last one is the newest
end
local out, removed = {0}, 0
for _, key in ipairs(order) do
  local id = newestId[key]
  local ek = esc(key)
  local rev8 = string.sub(id, 1, 8)
  removed = removed + redis.call('ZLEXCOUNT', KEYS[2], '[' .. ek, '(' .. ek .. rev8)
  local row = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ek .. id, '(' .. ek .. id .. '\255', 'LIMIT', 0, 1)[1]
  local tomb = ''
  if row and string.sub(row, #ek + 21, #ek + 28) == ZERO8 then
    tomb = row
    removed = removed + 1
  end
  out[#out + 1] = key
  out[#out + 1] = rev8
  out[#out + 1] = tomb
end
out[1] = removed
return out
