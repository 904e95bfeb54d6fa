-- JSON: decoding any bytes returns a value or nil and a message, never
-- raises; a decoded value encodes (unless a string in it is not UTF-8, which
-- decoding keeps as the server sent it) and decodes back to an equal value.
local acrcloud = require "acrcloud"

local function equal(a, b, depth)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" or depth > 200 then
    -- NaN never equals itself; -0.0 and 0.0 do
    return type(a) == "number" and type(b) == "number" and a ~= a and b ~= b
  end
  for k, v in pairs(a) do
    if not equal(v, b[k], depth + 1) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
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
  if not equal(value, again, 0) then error("round trip changed the value: " .. text) end
end
