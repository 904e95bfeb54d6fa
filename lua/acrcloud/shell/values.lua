--- Turns the text of acr's flags into the typed values an operation's
-- parameters take, by the type the endpoint table gives each parameter
-- ("integer", "string", "integer|string", "array", "string|object", ...).
--
--   local values = require "acrcloud.shell.values"
--   local v, err = values.convert(param, { "1,2", "3" })   -- every --NAME given
--   values.to_text(param, v)   -- the flag words that give v back (tests, docs)
--
-- Rules, in order:
--   - a list type takes repeated flags and comma lists (`--buckets 1,2
--     --buckets 3`), or JSON text starting with `[`; items that look like
--     integers are integers, items starting with `{` are JSON objects; an
--     empty value is an empty list. A list of ids in a path gets the
--     scalar for one flag without a comma (the same request).
--   - an object type takes JSON text starting with `{`.
--   - integer: an optional sign and digits.
--   - boolean: true/false, yes/no, on/off, 1/0.
--   - string: the text as it is.
-- When several types fit, the first of integer, boolean, object, string
-- that the text matches wins.
local M = {}

local acrcloud = require "acrcloud"

--- The set of type names of a parameter ("integer|string" -> {integer,string}).
function M.types(param)
  local set = {}
  for t in tostring(param.type or "string"):gmatch("[%a]+") do set[t] = true end
  return set
end

local BOOLEANS = { ["true"] = true, yes = true, on = true, ["1"] = true,
  ["false"] = false, no = false, off = false, ["0"] = false }

local function integer_of(text)
  if text:match("^[+-]?%d+$") then return math.tointeger(tonumber(text)) end
  return nil
end

local function decode_json(text, what)
  local ok, v, err = pcall(acrcloud.decode, text)
  if not ok or v == nil then
    return nil, string.format("expected %s as JSON text, got %q (%s)", what, text,
      tostring(ok and err or v):gsub("^.-:%d+: ", ""))
  end
  return v
end

-- One scalar (or object) value from text, or nil and a message.
local function scalar(set, text)
  if set.integer then
    local i = integer_of(text)
    if i ~= nil then return i end
  end
  if set.boolean then
    local b = BOOLEANS[text:lower()]
    if b ~= nil then return b end
  end
  if set.object and text:match("^%s*{") then
    local v, err = decode_json(text, "an object")
    if v == nil then return nil, err end
    if type(v) ~= "table" then return nil, "expected a JSON object, got " .. text end
    return v
  end
  if set.string then return text end
  local wanted = {}
  for _, t in ipairs({ "integer", "boolean", "object" }) do
    if set[t] then wanted[#wanted + 1] = t == "object" and "a JSON object" or "an " .. t end
  end
  local list = table.concat(wanted, " or "):gsub("an boolean", "true or false")
  return nil, string.format("expected %s, got %q", list, text)
end

-- The items of one list flag.
local function list_items(text, out)
  if text:match("^%s*%[") then
    local v, err = decode_json(text, "a list")
    if v == nil then return nil, err end
    if type(v) ~= "table" then return nil, "expected a JSON list, got " .. text end
    for _, x in ipairs(v) do out[#out + 1] = x end
    return true
  end
  if text:match("^%s*{") then
    local v, err = decode_json(text, "an object")
    if v == nil then return nil, err end
    out[#out + 1] = v
    return true
  end
  if text == "" then return true end
  for item in (text .. ","):gmatch("([^,]*),") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then
      local i = integer_of(item)
      if i ~= nil then out[#out + 1] = i else out[#out + 1] = item end
    end
  end
  return true
end

--- The value of a parameter from the texts of its flags (one per flag
-- given, in order), or nil and a message (without the flag's name).
function M.convert(param, texts)
  local set = M.types(param)
  if set.array then
    local only_scalar = #texts == 1 and not texts[1]:find(",", 1, true)
      and not texts[1]:match("^%s*[%[{]") and texts[1] ~= ""
    -- In a path, one id is the same request as a list of one.
    if only_scalar and param.location == "path" and (set.integer or set.string) then
      return scalar(set, texts[1])
    end
    local items = {}
    for _, text in ipairs(texts) do
      local ok, err = list_items(text, items)
      if not ok then return nil, err end
    end
    return acrcloud.array(items)
  end
  if #texts > 1 then
    return nil, "given " .. #texts .. " times (it takes one value)"
  end
  return scalar(set, texts[1])
end

--- The text of one flag that converts back to v (for tests and examples):
-- scalars written out, lists of scalars joined with commas, the rest JSON.
function M.to_text(param, v)
  local t = type(v)
  if t == "string" or t == "number" then return tostring(v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then
    local set = M.types(param)
    local simple = set.array and #v > 0
    for _, x in ipairs(v) do
      if type(x) == "table" or (type(x) == "string" and (x:find(",") or x == ""
        or integer_of(x))) then simple = false end
    end
    if simple then
      local parts = {}
      for i, x in ipairs(v) do parts[i] = tostring(x) end
      return table.concat(parts, ",")
    end
    return acrcloud.encode(v)
  end
  return tostring(v)
end

return M
