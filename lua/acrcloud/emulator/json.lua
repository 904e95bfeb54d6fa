-- JSON for the emulator: the module's codec (acrcloud.encode/decode), with
-- object keys sorted where no order is given, so that answers are the same
-- bytes run after run.
--
--   json.array(t)          marks t as a list: encoded as [...], [] when empty
--   json.object(t, order)  marks t as an object whose keys go out in `order`
--                          first (the rest sorted after them)
--   json.is_array(v)       whether v is a list: marked, or a non-empty
--                          sequence (decoded lists are plain sequences)
--   json.null              JSON null (acrcloud.null)
--   json.encode(v)         text; raises on values JSON cannot hold
--   json.decode(s)         value | nil, message
--   json.text(s)           s when it is valid UTF-8 (which encode needs),
--                          else s with each stray byte as U+FFFD, and false
local acrcloud = require "acrcloud"

local M = {}

M.null = acrcloud.null
M.array = acrcloud.array
M.object = acrcloud.object
M.decode = acrcloud.decode

local ARRAY_MT = getmetatable(acrcloud.array())

function M.is_array(v)
  return type(v) == "table" and (getmetatable(v) == ARRAY_MT or rawlen(v) > 0)
end

local SORTED = { sort_keys = true }

function M.encode(v)
  return acrcloud.encode(v, SORTED)
end

function M.text(s)
  if utf8.len(s) then return s, true end
  local out, i = {}, 1
  while true do
    local n, bad = utf8.len(s, i)
    if n then break end
    out[#out + 1] = s:sub(i, bad - 1)
    out[#out + 1] = "\u{FFFD}"
    i = bad + 1
  end
  out[#out + 1] = s:sub(i)
  return table.concat(out), false
end

return M
