-- JSON: decoding any bytes returns a value or nil and a message, never
-- raises; a decoded value encodes (unless a string in it is not UTF-8, which
-- decoding keeps as the server sent it) and decodes back to an equal value.
local acrcloud = require "acrcloud"

local here = debug.getinfo(1, "S").source:match("^@(.-)[^/]*$")
local deep_equal = dofile(here .. "../../support.lua").deep_equal

-- NaN never equals itself; -0.0 and 0.0 do
local function same_leaf(a, b)
  return a == b or (type(a) == "number" and type(b) == "number" and a ~= a and b ~= b)
end

return function(input)
  local ok, value, msg = pcall(acrcloud.decode, input)
  if not ok then error("decode raised: " .. tostring(value)) end
  if value == nil then
    assert(type(msg) == "string", "decode gave nil without a message")
    return
  end
  local encoded_ok, text = pcall(acrcloud.encode, value)
  if not encoded_ok then
    -- what decoding may hand back but JSON text cannot carry
    if tostring(text):find("UTF%-8") or tostring(text):find("NaN")
        or tostring(text):find("inf") then
      return
    end
    error("encode of a decoded value raised: " .. tostring(text))
  end
  local again = acrcloud.decode(text)
  if not deep_equal(value, again, same_leaf) then
    error("round trip changed the value: " .. text)
  end
end
