--- Declarative Lua config files, loaded as data and checked against a schema.
--
--   local config = require "acrcloud.config"
--   local account, errs = config.load_account("account.lua")
--   if not account then for _, e in ipairs(errs) do print(e) end end
--
-- A config file is Lua that either returns a table or assigns top-level
-- names (`base_projects = { ... }`). It runs in an empty environment: no
-- `os`, `io`, `require`, `load`, string methods or anything else, so it can
-- build tables and nothing more. Loops are bounded by an instruction count
-- and a memory ceiling, so a mistake cannot hang or exhaust the machine.
--
-- Errors name the key's path: `base_projects[2].region: unknown region
-- "eu-west-9" (expected one of eu-west-1, us-west-2, ap-southeast-1)`.
local M = {}

M.MAX_INSTRUCTIONS = 2000000
M.MAX_MEMORY_KB = 64 * 1024
M.MAX_SIZE = 4 * 1024 * 1024

-------------------------------------------------------------------- loading

--- Runs config text in an empty environment. Returns the table it returned
-- or the names it assigned, or nil and a message.
function M.load_string(text, name)
  if #text > M.MAX_SIZE then return nil, name .. ": file too large for a config" end
  local env = {}
  -- "t": text only; precompiled chunks could do anything the VM allows.
  local chunk, err = load(text, "=" .. name, "t", env)
  if not chunk then return nil, err end

  local co = coroutine.create(chunk)
  local steps = 0
  local base_kb = collectgarbage("count")
  -- Checked at every instruction: one concatenation can double a string, so
  -- checking less often would let memory run far past the ceiling. Config
  -- files are small; the cost is a fraction of a second at the limit.
  local every = 1
  debug.sethook(co, function()
    steps = steps + every
    if steps > M.MAX_INSTRUCTIONS then
      error(name .. ": the config runs too long (a loop that never ends?)", 0)
    end
    if collectgarbage("count") - base_kb > M.MAX_MEMORY_KB then
      collectgarbage()
      if collectgarbage("count") - base_kb > M.MAX_MEMORY_KB then
        error(name .. ": the config uses too much memory", 0)
      end
    end
  end, "", every)

  -- Strings share one metatable whose __index is the string library, which
  -- would let ("x"):rep(1e12) through. Hide it while the config runs; the
  -- config cannot reach getmetatable to put it back.
  local string_mt = debug.getmetatable("")
  local saved_index = string_mt.__index
  string_mt.__index = nil
  local ok, result = coroutine.resume(co)
  string_mt.__index = saved_index

  if not ok then return nil, tostring(result) end
  if coroutine.status(co) ~= "dead" then
    return nil, name .. ": the config must not yield"
  end
  if result ~= nil then
    if type(result) ~= "table" then
      return nil, name .. ": the config returned a " .. type(result) .. ", not a table"
    end
    if next(env) ~= nil then
      return nil, name .. ": the config both returns a table and assigns names; do one"
    end
    return result
  end
  return env
end

--- Reads and runs a config file (see load_string).
function M.load_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read(M.MAX_SIZE + 1)
  f:close()
  return M.load_string(text or "", path)
end

--------------------------------------------------------------------- schema

-- A schema is a table with a `check(value, path, errors)` function that
-- returns the cleaned value. Constructors below.

local function describe(value)
  local t = math.type(value) or type(value)
  if t == "string" then return string.format("string %q", value) end
  if t == "float" then return "number " .. tostring(value) end
  if t == "integer" then return "integer " .. value end
  return t
end

local function add(errors, path, msg)
  errors[#errors + 1] = (path ~= "" and path .. ": " or "") .. msg
end

local function join(list)
  local parts = {}
  for i, v in ipairs(list) do parts[i] = tostring(v) end
  return table.concat(parts, ", ")
end

-- A schema of `doc`: a value that `accepts` refuses is "expected <doc>,
-- got ..."; the others go to check(value, path, errors) for the rest.
local function typed(doc, accepts, check)
  return {
    doc = doc,
    check = function(value, path, errors)
      if not accepts(value) then
        add(errors, path, "expected " .. doc .. ", got " .. describe(value))
        return nil
      end
      return check(value, path, errors)
    end,
  }
end

local function is_string(value) return type(value) == "string" end
local function is_integral(value) return type(value) == "number" and math.tointeger(value) end
local function is_boolean(value) return type(value) == "boolean" end
local function is_table(value) return type(value) == "table" end

--- A string. opts: enum (list), what (noun for enum errors, e.g. "region"),
-- nonempty, url (http or https URL), max (length).
function M.string(opts)
  opts = opts or {}
  return typed(opts.doc or "a string", is_string, function(value, path, errors)
    if opts.enum then
      for _, v in ipairs(opts.enum) do
        if v == value then return value end
      end
      add(errors, path, string.format("unknown %s %q (expected one of %s)",
        opts.what or "value", value, join(opts.enum)))
      return nil
    end
    if opts.nonempty and value == "" then
      add(errors, path, "must not be empty")
      return nil
    end
    if opts.trimmed and value ~= value:match("^%s*(.-)%s*$") then
      add(errors, path, string.format("%q has leading or trailing spaces", value))
      return nil
    end
    if opts.max and #value > opts.max then
      add(errors, path, "longer than " .. opts.max .. " bytes")
      return nil
    end
    local is_url = value:match("^https?://[%w%-%.%[%]:]+[/?#]?") and not value:find("[%s%c]")
    if opts.url and not is_url then
      add(errors, path, string.format("%q is not an http(s) URL", value))
      return nil
    end
    return value
  end)
end

--- An integer (an integral float such as 3.0 counts). opts: min, max.
function M.integer(opts)
  opts = opts or {}
  return typed(opts.doc or "an integer", is_integral, function(value, path, errors)
    local i = math.tointeger(value)
    if (opts.min and i < opts.min) or (opts.max and i > opts.max) then
      add(errors, path, string.format("%d is out of range (%s to %s)", i,
        opts.min or "-inf", opts.max or "inf"))
      return nil
    end
    return i
  end)
end

function M.boolean()
  return typed("true or false", is_boolean, function(value) return value end)
end

-- Whether t is a sequence 1..n with no other keys; also returns n.
local function sequence(t)
  local n = #t
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n, n
end

--- An array of `item`. opts: unique (items must differ), min (items), doc.
function M.array(item, opts)
  opts = opts or {}
  local doc = opts.doc or ("a list of " .. item.doc)
  return typed(doc, is_table, function(value, path, errors)
    local is_seq, n = sequence(value)
    if not is_seq then
      for k in pairs(value) do
        if math.type(k) ~= "integer" or k < 1 or k > n then
          add(errors, path, "expected " .. doc .. ", but it has the key " .. describe(k))
          return nil
        end
      end
    end
    if opts.min and n < opts.min then
      add(errors, path, string.format("needs at least %d item(s)", opts.min))
      return nil
    end
    local out, seen = {}, {}
    for i = 1, n do
      local sub = path .. "[" .. i .. "]"
      local v = item.check(value[i], sub, errors)
      if v ~= nil and opts.unique then
        local key = type(v) == "string" and v:lower() or v
        if seen[key] then
          add(errors, sub, string.format("duplicate of %s[%d]", path, seen[key]))
        end
        seen[key] = seen[key] or i
      end
      out[i] = v
    end
    return out
  end)
end

--- A table with named fields. opts: fields (name -> schema), required (list
-- of names), doc.
function M.record(opts)
  local names = {}
  for k in pairs(opts.fields) do names[#names + 1] = k end
  table.sort(names)
  return typed(opts.doc or "a table", is_table, function(value, path, errors)
    local function field_path(k) return (path ~= "" and path .. "." or "") .. k end
    local keys = {}
    for k in pairs(value) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      if type(k) ~= "string" then
        add(errors, path, "unexpected list item or non-name key " .. describe(k)
          .. " (expected named keys: " .. join(names) .. ")")
      elseif not opts.fields[k] then
        add(errors, field_path(k), "unknown key (expected one of " .. join(names) .. ")")
      end
    end
    for _, k in ipairs(opts.required or {}) do
      if value[k] == nil then
        add(errors, field_path(k), "missing (required)")
      end
    end
    local out = {}
    for _, k in ipairs(names) do
      if value[k] ~= nil then
        out[k] = opts.fields[k].check(value[k], field_path(k), errors)
      end
    end
    return out
  end)
end

--- Checks `value` against `schema`. Returns the cleaned value (integral
-- floats made integers), or nil and the list of error messages.
function M.validate(value, schema, path)
  local errors = {}
  local out = schema.check(value, path or "", errors)
  if #errors > 0 then return nil, errors end
  return out
end

------------------------------------------------------------ the account file

-- The allowed values of a create_base_project parameter, from the endpoint
-- table (src/endpoints.c), which the client enforces too.
local function table_values(param)
  for _, op in ipairs(require("acrcloud").operations) do
    if op.name == "create_base_project" then
      for _, p in ipairs(op.params) do
        if p.name == param then return p.values end
      end
    end
  end
  error("create_base_project." .. param .. " has no allowed values in the endpoint table")
end

M.REGIONS = table_values("region")
M.PROJECT_TYPES = table_values("type")
M.AUDIO_TYPES = table_values("audio_type")
-- The values the API documents (create and update lists) and shows in its
-- examples (itunes, musicstory, lyricfind).
M.EXTERNAL_IDS = table_values("external_ids")
M.RESULT_TYPES = { "realtime", "delay" }

local name = M.string { nonempty = true, trimmed = true, max = 255,
  doc = "a project name (string)" }
local region = M.string { enum = M.REGIONS, what = "region" }
local buckets = M.array(M.integer { min = 1, doc = "a bucket id (integer)" },
  { unique = true, min = 1, doc = "a list of bucket ids (integers)" })
local url = M.string { url = true, doc = "a URL (string)" }

M.account_schema = M.record {
  doc = "a table with base_projects and bd_projects",
  fields = {
    base_projects = M.array(M.record {
      doc = "a base project table",
      required = { "name", "region", "type", "buckets" },
      fields = {
        name = name,
        region = region,
        type = M.string { enum = M.PROJECT_TYPES, what = "project type" },
        buckets = buckets,
        audio_type = M.string { enum = M.AUDIO_TYPES, what = "audio type" },
        external_ids = M.array(M.string { enum = M.EXTERNAL_IDS, what = "external id" },
          { unique = true }),
      },
    }, { doc = "a list of base projects" }),
    bd_projects = M.array(M.record {
      doc = "a Broadcast Database project table",
      required = { "name", "region", "buckets" },
      fields = {
        name = name,
        region = region,
        buckets = buckets,
        result_callback = M.record {
          doc = "a table { url =, send_noresult =, send_type =, result_type = }",
          required = { "url" },
          fields = {
            url = url,
            send_noresult = M.boolean(),
            send_type = M.integer { min = 0, max = 99 },
            result_type = M.string { enum = M.RESULT_TYPES, what = "result type" },
          },
        },
        state_notification = M.record {
          doc = "a table { url =, send_type = }",
          required = { "url" },
          fields = {
            url = url,
            send_type = M.integer { min = 0, max = 99 },
          },
        },
      },
    }, { doc = "a list of Broadcast Database projects" }),
  },
}

-- Names must be unique within each list: projects are matched by name.
local function check_unique_names(list, path, errors)
  local seen = {}
  for i, p in ipairs(list or {}) do
    if p.name then
      if seen[p.name] then
        add(errors, string.format("%s[%d].name", path, i),
          string.format("%q is also the name of %s[%d]", p.name, path, seen[p.name]))
      else
        seen[p.name] = i
      end
    end
  end
end

--- Loads and checks an account file. Returns the account table
-- `{ base_projects = {...}, bd_projects = {...} }` or nil and a list of
-- messages.
function M.load_account(path)
  local data, err = M.load_file(path)
  if not data then return nil, { err } end
  local account, errors = M.validate(data, M.account_schema)
  if not account then
    for i, e in ipairs(errors) do errors[i] = path .. ": " .. e end
    return nil, errors
  end
  errors = {}
  check_unique_names(account.base_projects, "base_projects", errors)
  check_unique_names(account.bd_projects, "bd_projects", errors)
  if #errors > 0 then
    for i, e in ipairs(errors) do errors[i] = path .. ": " .. e end
    return nil, errors
  end
  account.base_projects = account.base_projects or {}
  account.bd_projects = account.bd_projects or {}
  return account
end

return M
