-- Request validation, answered the way Laravel (which the Console API runs
-- on) answers it: 422 with
--   {"message":"The given data was invalid.","errors":{"field":["..."]}}
--
-- Two layers:
--  * check_params(op, inputs): presence, types and the closed sets of
--    allowed values, from the operation's `params` in the endpoint table
--    (so a new endpoint is validated without writing anything);
--  * rules: per operation, per field functions for what check_params does
--    not check (sets the table leaves open, existing bucket ids, date
--    formats); a rule that needs a table's set takes it with M.values. A
--    rule gets (value, attribute, ctx) and returns nil when the value is
--    fine, a message, or a list of { key, message } pairs for nested fields.
--
-- Unknown query and body fields are ignored, as Laravel ignores them.
local form = require "acrcloud.form"
local json = require "acrcloud.emulator.json"

local M = {}

-- "result_callback_url" -> "result callback url", as in Laravel's messages.
function M.attribute(name)
  return (name:gsub("_", " "))
end

-- An error collector: errors:add(key, message); errors.fields is the
-- Laravel "errors" object.
local Errors = {}
Errors.__index = Errors

function M.errors()
  return setmetatable({ fields = {}, n = 0 }, Errors)
end

function Errors:add(key, message)
  local list = self.fields[key]
  if not list then
    list = json.array()
    self.fields[key] = list
    self.n = self.n + 1
  end
  list[#list + 1] = message
end

function Errors:any()
  return self.n > 0
end

-- The error value handlers raise (see emulator/server.lua): it becomes the
-- 422 response.
function M.failure(errors)
  return {
    status = 422,
    body = json.object({ message = "The given data was invalid.", errors = errors.fields },
      { "message", "errors" }),
  }
end

-- Raise a 422 for one field.
function M.fail(key, message)
  local e = M.errors()
  e:add(key, message)
  error(M.failure(e), 0)
end

-- Types ------------------------------------------------------------------

local function parse_types(t)
  if type(t) == "table" then return t end
  local out = {}
  for name in tostring(t or "string"):gmatch("[%a_]+") do out[#out + 1] = name end
  return out
end

local article = { integer = "an integer", array = "an array", object = "an object" }

local function type_message(attr, types)
  if #types == 1 and types[1] == "boolean" then
    return "The " .. attr .. " field must be true or false."
  end
  local names = {}
  for i, t in ipairs(types) do names[i] = article[t] or ("a " .. t) end
  return "The " .. attr .. " must be " .. table.concat(names, " or ") .. "."
end

local function is_integer_string(v)
  return type(v) == "string" and v:match("^%-?%d+$") and #v <= 18
end

-- Each checker returns ok, coerced value. Laravel is lenient with strings
-- that hold numbers and with 0/1 for booleans; so are these.
local checkers = {
  string = function(v) return type(v) == "string", v end,
  integer = function(v)
    if math.type(v) == "integer" then return true, v end
    if is_integer_string(v) then return true, math.tointeger(tonumber(v)) end
    return false
  end,
  number = function(v)
    if type(v) == "number" then return true, v end
    if type(v) == "string" and tonumber(v) and v:match("^%s*[-+%d.eE]+%s*$") then
      return true, tonumber(v)
    end
    return false
  end,
  boolean = function(v)
    if type(v) == "boolean" then return true, v end
    if v == 1 or v == "1" or v == "true" then return true, true end
    if v == 0 or v == "0" or v == "false" then return true, false end
    return false
  end,
  array = function(v)
    return type(v) == "table" and (json.is_array(v) or next(v) == nil), v
  end,
  object = function(v)
    return type(v) == "table" and not json.is_array(v), v
  end,
}

-- The value as it is, when it already has one of the types.
local strict = {
  string = function(v) return type(v) == "string" end,
  integer = function(v) return math.type(v) == "integer" end,
  number = function(v) return type(v) == "number" end,
  boolean = function(v) return type(v) == "boolean" end,
}

-- check_type(value, types) -> true, coerced | false
function M.check_type(v, types)
  for _, t in ipairs(types) do
    if strict[t] and strict[t](v) then return true, v end
  end
  for _, t in ipairs(types) do
    local check = checkers[t]
    if check then
      local ok, coerced = check(v)
      if ok then return true, coerced end
    end
  end
  return false
end

local function is_blank(v)
  return v == nil or v == json.null or v == "" or (type(v) == "table" and next(v) == nil)
end

-- Query strings ------------------------------------------------------------

-- "a=1&b=x%20y" -> { a = "1", b = "x y" } (acrcloud.form).
M.parse_query = form.decode

-- Parameters ---------------------------------------------------------------

-- Parameters that only the client uses: they pick the host, sign the
-- request, or name a file to write the answer to; none reaches a server.
local CLIENT_SIDE = { host = true, secret = true, output = true }

-- A multipart text field holding JSON, for a parameter that takes a table
-- (the client sends tables in forms JSON-encoded): the decoded table, or the
-- string as it is.
local function form_table(value, types)
  if type(value) ~= "string" or not value:match("^%s*[{[]") then return value end
  for _, t in ipairs(types) do
    if t == "array" or t == "object" then
      local v = json.decode(value)
      if type(v) == "table" then return v end
      return value
    end
  end
  return value
end

-- A value's text as the client sends it: true and false as 1 and 0.
local function value_text(v)
  if type(v) == "boolean" then return v and "1" or "0" end
  return tostring(v)
end

local function is_allowed(values, text)
  for _, v in ipairs(values) do
    if v == text then return true end
  end
  return false
end

-- Checks a coerced value against the parameter's allowed values (unless the
-- table says the API takes more): a list element by element (key name.N,
-- from 0; elements of another type are the type rules' to refuse), a comma
-- string piece by piece, anything else whole. Laravel's `in` message.
local function check_values(p, value, errors)
  if not p.values or p.values_open then return end
  local function bad(key) errors:add(key, "The selected " .. M.attribute(key) .. " is invalid.") end
  if type(value) == "table" then
    for i, v in ipairs(value) do
      local t = type(v)
      if (t == "string" or t == "number") and not is_allowed(p.values, value_text(v)) then
        bad(p.name .. "." .. (i - 1))
      end
    end
  elseif type(value) == "string" and p.type:find("array", 1, true) then
    for piece in value:gmatch("[^,]+") do
      piece = piece:match("^%s*(.-)%s*$")
      if piece ~= "" and not is_allowed(p.values, piece) then return bad(p.name) end
    end
  elseif not is_allowed(p.values, value_text(value)) then
    bad(p.name)
  end
end

-- check_params(op, { path = {}, query = {}, body = {}, files = {}, form = bool }, errors)
--   -> params
-- Returns the operation's parameters by name, coerced to their types (query
-- integers become integers). Missing optional ones are absent, or carry the
-- table's default. Parameters with location "file" come from the multipart
-- parts that carry a filename ({ filename =, content_type =, data = });
-- `form` says the body was multipart. Problems go into `errors`.
function M.check_params(op, inputs, errors)
  local params = {}
  for _, p in ipairs(op.params or {}) do
    local name, where = p.name, p.location
    local attr = M.attribute(name)
    local types = parse_types(p.type)
    local value
    if CLIENT_SIDE[where] then
      goto continue
    elseif where == "file" then
      value = (inputs.files or {})[name]
      if value == nil and inputs.body[name] ~= nil and inputs.body[name] ~= "" then
        -- Sent as a text field (or in JSON) rather than as a file part.
        errors:add(name, "The " .. attr .. " must be a file.")
      elseif value == nil and p.required then
        errors:add(name, "The " .. attr .. " field is required.")
      elseif value ~= nil then
        params[name] = value
      end
      goto continue
    elseif where == "path" then
      value = inputs.path[name]
    elseif where == "query" then
      value = inputs.query[name]
    else
      value = inputs.body[name]
      if inputs.form then value = form_table(value, types) end
    end
    -- As in Laravel: null and "" count as absent (ConvertEmptyStringsToNull),
    -- and `required` refuses an empty list too; an optional one may be [].
    if value == json.null or value == "" then value = nil end
    if value == nil and p.default ~= nil and p.default ~= json.null then value = p.default end
    if where == "path" then
      params[name] = value
    elseif value == nil or (p.required and is_blank(value)) then
      if p.required then errors:add(name, "The " .. attr .. " field is required.") end
    else
      local ok, coerced = M.check_type(value, types)
      if ok then
        params[name] = coerced
        -- The identify API (signed, not the console) answers a value it
        -- does not take with its own code (3006), not with Laravel's 422.
        if op.auth ~= "signed" then check_values(p, coerced, errors) end
      else
        errors:add(name, type_message(attr, types))
      end
    end
    ::continue::
  end
  return params
end

-- Rules ----------------------------------------------------------------------

-- apply_rules(rules, params, errors, ctx): runs each field's rules on the
-- fields that are present and have no error yet.
function M.apply_rules(rules, params, errors, ctx)
  if not rules then return end
  local names = {}
  for name in pairs(rules) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local value = params[name]
    if value ~= nil and not errors.fields[name] then
      for _, rule in ipairs(rules[name]) do
        local result = rule(value, name, ctx)
        if type(result) == "string" then
          errors:add(name, result)
          break
        elseif type(result) == "table" then
          for _, pair in ipairs(result) do errors:add(pair[1], pair[2]) end
          break
        end
      end
    end
  end
end

-- The allowed values of an operation's parameter, from the endpoint table
-- (acrcloud.operations): a list of strings, as the client sends them. Raises
-- when the table has none, so that a rule cannot silently allow anything.
function M.values(op_name, param_name)
  for _, op in ipairs(require("acrcloud").operations) do
    if op.name == op_name then
      for _, p in ipairs(op.params) do
        if p.name == param_name and p.values then return p.values end
      end
    end
  end
  error("no allowed values for " .. op_name .. "." .. param_name .. " in the endpoint table", 2)
end

function M.one_of(allowed)
  local set = {}
  for _, v in ipairs(allowed) do set[tostring(v)] = true end
  return function(value, name)
    if type(value) == "table" or not set[tostring(value)] then
      return "The selected " .. M.attribute(name) .. " is invalid."
    end
  end
end

-- items(check) -> a rule for a list checked element by element (Laravel's
-- `name.*` rules): check(element, key, ctx) gives the message for a bad
-- one. One error per bad element, keyed "name.<index from 0>".
function M.items(check)
  return function(value, name, ctx)
    if type(value) ~= "table" then return nil end
    local errs = {}
    for i, v in ipairs(value) do
      local key = name .. "." .. (i - 1)
      local message = check(v, key, ctx)
      if message then errs[#errs + 1] = { key, message } end
    end
    if #errs > 0 then return errs end
  end
end

-- A list of strings (non-empty ones when `nonempty`).
function M.string_items(nonempty)
  return M.items(function(v, key)
    if type(v) ~= "string" or (nonempty and v == "") then
      return "The " .. key .. " must be a string."
    end
  end)
end

-- A list whose every element is the integer id of a record of `collection`
-- in the emulator's state (Laravel's `exists` on each element).
function M.existing_ids(collection)
  return M.items(function(id, key, ctx)
    local ok, n = M.check_type(id, { "integer" })
    if not ok then return "The " .. key .. " must be an integer." end
    if not ctx.state:get(collection, n) then return "The selected " .. key .. " is invalid." end
  end)
end

-- matches(pattern, says) -> a rule for a string matching the Lua pattern;
-- anything else gets "The <attribute> <says>."
function M.matches(pattern, says)
  return function(value, name)
    if type(value) ~= "string" or not value:match(pattern) then
      return "The " .. M.attribute(name) .. " " .. says .. "."
    end
  end
end

function M.max_length(n)
  return function(value, name)
    if type(value) == "string" and utf8.len(value) and utf8.len(value) > n then
      return "The " .. M.attribute(name) .. " must not be greater than " .. n .. " characters."
    end
  end
end

function M.min_integer(n)
  return function(value, name)
    if math.type(value) == "integer" and value < n then
      return "The " .. M.attribute(name) .. " must be at least " .. n .. "."
    end
  end
end

-- An http(s) URL with a host.
M.url = M.matches("^[Hh][Tt][Tt][Pp][Ss]?://[^%s/?#]+[^%s]*$", "format is invalid")

-- Calendar --------------------------------------------------------------------

-- Days since 1970-01-01 of a proleptic Gregorian date.
function M.days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

function M.civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function valid_date(y, m, d)
  if m < 1 or m > 12 or d < 1 then return false end
  local mdays = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  local leap = (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
  return d <= (m == 2 and leap and 29 or mdays[m])
end

-- "2021-04-09" -> day number, or nil
function M.parse_date(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not valid_date(y, m, d) then return nil end
  return M.days_from_civil(y, m, d)
end

function M.format_date(days)
  return string.format("%04d-%02d-%02d", M.civil_from_days(days))
end

-- "2021-02-01 12:13:14" -> seconds since the epoch (reading it as UTC), or nil
function M.parse_datetime(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, se = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d) (%d%d):(%d%d):(%d%d)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  h, mi, se = tonumber(h), tonumber(mi), tonumber(se)
  if not valid_date(y, mo, d) or h > 23 or mi > 59 or se > 59 then return nil end
  return M.days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se
end

function M.format_datetime(t)
  local days = t // 86400
  local rest = t - days * 86400
  local y, m, d = M.civil_from_days(days)
  return string.format("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, rest // 3600, rest % 3600 // 60,
    rest % 60)
end

function M.date_rule()
  return function(value, name)
    if not M.parse_date(value) then
      return "The " .. M.attribute(name) .. " does not match the format Y-m-d."
    end
  end
end

return M
