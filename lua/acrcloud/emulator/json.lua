-- JSON for the emulator.
--
-- Decoding goes through lua-cjson and then turns every integral number back
-- into a Lua integer (lua-cjson 2.1.0 on Lua 5.4 decodes all numbers as
-- floats). Encoding is done here, because responses need two things that
-- lua-cjson 2.1.0 cannot give: empty lists sent as [] (not {}), and object
-- keys in the order the spec's examples show them.
--
--   json.array(t)          marks t as a list: encoded as [...], [] when empty
--   json.object(t, order)  marks t as an object whose keys go out in `order`
--                          first (the rest sorted after them)
--   json.null              JSON null (the same value as cjson.null)
local cjson = require "cjson.safe"

local M = {}

M.null = cjson.null

local array_mt = { __jsonarray = true }

function M.array(t)
  return setmetatable(t or {}, array_mt)
end

function M.is_array(t)
  return getmetatable(t) == array_mt
end

-- Metatables are shared per key order, so marking many objects is cheap.
local object_mts = setmetatable({}, { __mode = "k" })

function M.object(t, order)
  local mt = object_mts[order]
  if not mt then
    mt = { __jsonorder = order }
    object_mts[order] = mt
  end
  return setmetatable(t, mt)
end

local function normalize(v)
  if type(v) == "number" then
    return math.tointeger(v) or v
  elseif type(v) == "table" then
    local out = {}
    local n = 0
    for k, x in pairs(v) do
      out[k] = normalize(x)
      n = n + 1
    end
    -- A decoded [] and {} are both empty tables; only non-empty lists can be
    -- told apart.
    if n > 0 and #out == n then return M.array(out) end
    return out
  end
  return v
end

-- json.decode(s) -> value | nil, message
function M.decode(s)
  local v, err = cjson.decode(s)
  if v == nil and err then return nil, err end
  return normalize(v)
end

local escapes = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function escape_char(c)
  return escapes[c] or string.format("\\u%04x", c:byte())
end

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', escape_char) .. '"'
end

-- A table is a list when marked so, or when it is a non-empty sequence with
-- nothing else in it.
local function is_list(t)
  if getmetatable(t) == array_mt then return true end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

local encode_value

local function encode_object(t, out, depth)
  local mt = getmetatable(t)
  local order = mt and mt.__jsonorder
  local keys, seen = {}, {}
  if order then
    for _, k in ipairs(order) do
      if t[k] ~= nil then
        keys[#keys + 1] = k
        seen[k] = true
      end
    end
  end
  local rest = {}
  for k in pairs(t) do
    if not seen[k] then
      if type(k) ~= "string" and math.type(k) ~= "integer" then
        error("cannot encode a table key of type " .. type(k), 0)
      end
      rest[#rest + 1] = k
    end
  end
  table.sort(rest, function(a, b) return tostring(a) < tostring(b) end)
  out[#out + 1] = "{"
  local first = true
  local function emit(name, value)
    if not first then out[#out + 1] = "," end
    first = false
    out[#out + 1] = encode_string(name)
    out[#out + 1] = ":"
    encode_value(value, out, depth + 1)
  end
  for _, k in ipairs(keys) do emit(k, t[k]) end
  for _, k in ipairs(rest) do emit(tostring(k), t[k]) end
  out[#out + 1] = "}"
end

function encode_value(v, out, depth)
  if depth > 100 then error("JSON nesting too deep", 0) end
  local tv = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif tv == "number" then
    if math.type(v) == "integer" then
      out[#out + 1] = string.format("%d", v)
    elseif v ~= v or v == math.huge or v == -math.huge then
      out[#out + 1] = "null"
    else
      out[#out + 1] = string.format("%.14g", v)
    end
  elseif tv == "string" then
    out[#out + 1] = encode_string(v)
  elseif tv == "table" then
    if is_list(v) then
      out[#out + 1] = "["
      for i = 1, #v do
        if i > 1 then out[#out + 1] = "," end
        encode_value(v[i], out, depth + 1)
      end
      out[#out + 1] = "]"
    else
      encode_object(v, out, depth)
    end
  else
    error("cannot encode a value of type " .. tv, 0)
  end
end

-- json.encode(v) -> string; raises on values JSON cannot carry.
function M.encode(v)
  local out = {}
  encode_value(v, out, 0)
  return table.concat(out)
end

return M
