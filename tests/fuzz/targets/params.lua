-- Request building: for any operation and any params table made from the
-- input, client:prepare returns a request or raises a misuse error naming
-- the operation; nothing else (no crash, no other error). Nothing is sent:
-- the base URL is a closed port, and no retry is made.
local acrcloud = require "acrcloud"

local client = acrcloud.new{ token = "fuzz", base_url = "http://127.0.0.1:1/api", retries = 0,
  timeout = 1, connect_timeout = 1 }
local ops = acrcloud.operations

-- A reader of the input, byte by byte (0 once it is used up).
local function bytes(input)
  local pos = 0
  return function()
    pos = pos + 1
    return input:byte(pos) or 0
  end, function() return pos >= #input end
end

local function value(next_byte, depth)
  local b = next_byte()
  local kind = b % 9
  if kind == 0 then return next_byte() * 256 + next_byte() - 32768 end
  if kind == 1 then return (next_byte() - 128) / (next_byte() + 1) end
  if kind == 2 then return b % 2 == 0 end
  if kind == 3 then return acrcloud.null end
  if kind == 4 and depth < 4 then
    local t = {}
    for i = 1, next_byte() % 5 do t[i] = value(next_byte, depth + 1) end
    return t
  end
  if kind == 5 and depth < 4 then
    local t = {}
    for _ = 1, next_byte() % 4 do t[string.char(97 + next_byte() % 26)] = value(next_byte,
      depth + 1) end
    return t
  end
  if kind == 6 then return math.maxinteger - next_byte() end
  local n = next_byte() % 24
  local chars = {}
  for i = 1, n do chars[i] = string.char(next_byte()) end
  return table.concat(chars)
end

return function(input)
  local next_byte, done = bytes(input)
  local op = ops[next_byte() % #ops + 1]
  local params = {}
  while not done() do
    local b = next_byte()
    local name = op.params[b % (#op.params + 1) + 1]
    params[name and name.name or ("x" .. b)] = value(next_byte, 0)
  end
  local ok, err = pcall(client.prepare, client, op.name, params)
  if not ok and not (type(err) == "string"
      and (err:find(op.name, 1, true) or err:find("acrcloud", 1, true))) then
    error("prepare raised something else: " .. tostring(err), 0)
  end
end
