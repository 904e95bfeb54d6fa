-- Sends an operation's parameters the way the typed method would, but
-- through client:request, which does not check them against the endpoint
-- table: how the emulator specs reach the emulator's own validation with
-- values the client refuses before sending (outside an allowed set, a date
-- of the wrong form).
--   local unchecked = support.unchecked   -- tests/support.lua
--   local body, err = unchecked(client, "create_bucket", { region = "mars" })
local acrcloud = require "acrcloud"

local by_name = {}
for _, op in ipairs(acrcloud.operations) do by_name[op.name] = op end

return function(client, name, params)
  local op = assert(by_name[name], name)
  local query, body = {}, nil
  local path = op.path:gsub("{([%w_]+)}", function(k)
    local v = params[k]
    if type(v) == "table" then v = table.concat(v, ",") end
    return tostring(v)
  end)
  for _, p in ipairs(op.params) do
    local v = params[p.name]
    if v ~= nil and p.location == "query" then
      query[p.name] = tostring(v)
    elseif v ~= nil and p.location == "body" then
      body = body or {}
      body[p.name] = v
    end
  end
  return client:request(op.method, path, { query = next(query) and query or nil, body = body })
end
