-- One page of history in write order. KEYS: log, hist.
-- ARGV: lex min, lex max (over log members), page size, with previous (1/0),
--       mode (a = every key, s = single key, r = [start, end), u = [start, +inf)), start, end.
-- Returns pairs {row member, previous member or ''} for the keys in range, then the last log
-- member read ('' when none) as the cursor of the next page.
local entries = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local withPrev, mode, startKey, endKey = ARGV[4] == '1', ARGV[5], ARGV[6], ARGV[7]
local function esc(k) return (string.gsub(k, '%z', '\0\255')) .. '\0\1' end
-- bytewise a < b (Lua's own string order follows the server's locale)
local function less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function inRange(k)
  if mode == 'a' then return true end
  if mode == 's' then return k == startKey end
  if less(k, startKey) then return false end
  return mode == 'u' or less(k, endKey)
end
local out = {}
for _, e in ipairs(entries) do
  local key = string.sub(e, 13)
  if inRange(key) then
    local ek = esc(key)
    local id = string.sub(e, 1, 12)
    local row = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ek .. id, '(' .. ek .. id .. '\255', 'LIMIT', 0, 1)[1]
    if row then
      out[#out + 1] = row
      local prev = ''
      if withPrev then
        prev = redis.call('ZREVRANGEBYLEX', KEYS[2], '(' .. ek .. string.sub(id, 1, 8), '[' .. ek, 'LIMIT', 0, 1)[1] or ''
      end
      out[#out + 1] = prev
    end
  end
end
out[#out + 1] = entries[#entries] or ''
return out
