--- The API reference (Markdown), generated from the endpoint table.
--
--   local reference = require "acrcloud.reference"
--   local text = reference.render()                 -- require("acrcloud").operations
--   local text = reference.render(operations)       -- any list of the same shape
--   reference.example(op)  --> 'client:get_base_project{ id = 15 }'
--
-- The output depends on nothing but the operations (their order included):
-- no dates, no paths of this machine, so that the committed copy
-- (lua/acrcloud/API.md) can be compared byte for byte with a fresh one.
local M = {}

--- Where the generated file lives, relative to the repository's root.
M.PATH = "lua/acrcloud/API.md"

--- The command that regenerates it, from the repository's root.
M.COMMAND = "build/acrlua scripts/api-reference.lua"

local LOCATION_TEXT = {
  path = "fills `{name}` in the path, percent-encoded as one segment; a list is "
    .. "joined with commas",
  query = "goes in the query string",
  body = "a field of the JSON body (a text form field when the request is multipart)",
  file = "a path on disk: the file is streamed as a multipart part, under its base name",
  host = "fills `{name}` in the host",
  secret = "signs the request; never sent, never printed",
  output = "raw responses only: write the bytes to this path instead of returning them",
}
local LOCATION_ORDER = { "path", "query", "body", "file", "host", "secret", "output" }

local LUA_KEYWORDS = {}
for word in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do
  LUA_KEYWORDS[word] = true
end

-- ------------------------------------------------------------ examples

-- The set of Lua types a parameter accepts, from its "integer|string" text.
local function accepted(param)
  local set = {}
  for t in tostring(param.type or "string"):gmatch("[%a]+") do set[t] = true end
  -- An integer is a number too; a number parameter takes an integer sample.
  if set.number then set.integer = true end
  return set
end

-- A value for the example: `kind` (a type name of the endpoint table) and
-- `src` (Lua source text).
local function v(kind, src) return { kind = kind, src = src } end

local function str(s) return v("string", string.format("%q", s)) end

-- The first word of a doc that lists choices ("AVR, LCD or HR",
-- "last | day (default day)", "linein (default) or recorded"), or nil for
-- prose ("The project name").
local function first_choice(doc)
  if type(doc) ~= "string" then return nil end
  local word = doc:match("^([%w][%w%-%._]*)%s*[,|/]")
    or doc:match("^([%w][%w%-%._]*) or ")
    or doc:match("^([%w][%w%-%._]*)%s*%b()%s*[,|/]")
    or doc:match("^([%w][%w%-%._]*)%s*%b()%s*or ")
  return word
end

-- A date (or date and time) in the format the doc asks for. `late` picks
-- the later of two dates, for the end of a range.
local function date_sample(doc, late)
  doc = type(doc) == "string" and doc or ""
  local day = late and "15" or "09"
  if doc:find("YYYYmmddHHMMSS", 1, true) then
    return str("202104" .. day .. "120000")
  elseif doc:find("YYYYmmdd", 1, true) or doc:find("YYYYMMDD", 1, true) then
    return str("202104" .. day)
  elseif doc:find("HH", 1, true) then
    return str("2021-04-" .. day .. " 12:00:00")
  end
  return str("2021-04-" .. day)
end

-- The noun of an operation's name ("create_live_channel" -> "live-channel"),
-- for names of new objects.
local function noun_of(op_name)
  local noun = op_name:match("^[a-z]+_(.+)$") or op_name
  noun = noun:gsub("s$", "")
  return (noun:gsub("_", "-"))
end

-- Candidate values for a parameter, best first: what its name says, then
-- what its doc lists. The first one whose type the parameter accepts wins.
local function candidates(param, op)
  local name, doc, loc = param.name, param.doc, param.location
  local out = {}
  local function add(x) out[#out + 1] = x end
  if loc == "file" then
    add(str(name:find("pdf") and "invoice.pdf" or "sample.mp3"))
  elseif loc == "output" then
    add(str(op.name:find("invoice") and "invoice.pdf" or "recording.mp3"))
  elseif loc == "secret" then
    -- Never a secret in the source: the example reads it from the environment.
    add(v("string", 'os.getenv("ACRCLOUD_ACCESS_SECRET")'))
  end
  if name == "region" then add(str("eu-west-1")) end
  if name:find("^stream_ids?$") then
    add(str("s-XXXXXX"))
    add(v("array", '{ "s-XXXXXX" }'))
  end
  if name:find("^acr_?ids?$") then
    add(str("a1b2c3d4e5f60718293a4b5c6d7e8f90"))
    add(v("array", '{ "a1b2c3d4e5f60718293a4b5c6d7e8f90" }'))
  end
  if name == "ids" or name:find("_ids$") then
    add(v("integer", "15"))
    add(str("15"))
    add(v("array", "{ 15, 16 }"))
  end
  if name == "id" or name == "pid" or name:find("_id$") then
    add(v("integer", "15"))
    add(str("15"))
  end
  if name == "buckets" then add(v("array", "{ 23 }")) end
  if name == "date" or name:find("_date$") or name == "start" or name == "end"
    or name:find("timestamp") then
    add(date_sample(doc, name:find("^end") ~= nil))
  end
  if name:find("urls$") then add(v("array", '{ "https://example.com/live.mp3" }')) end
  if name == "audio_url" then add(str("https://example.com/sample.mp3")) end
  if name == "source_url" then add(str("https://example.com/track")) end
  if name == "url" or name:find("_url$") then add(str("https://example.com/callback")) end
  if name:find("email$") then add(str("ops@example.com")) end
  if name:find("duration$") then add(v("integer", "60")) end
  if name == "policy" then
    add(v("object", '{ type = "traverse", interval = 60, rec_length = 10 }'))
  end
  if name == "name" then add(str("my-" .. noun_of(op.name))) end
  if name == "title" then add(str("Morning show")) end
  if name == "filename" then add(str("sample.mp3")) end
  if name == "key" then add(str("uploads/sample.mp3")) end
  if name == "access_key" then add(str("your-access-key")) end
  if name == "isrc" then add(str("GBAYE0601498")) end
  if name == "timeoffset" then add(v("integer", "-480")) end
  if name == "labels" then add(v("array", '{ "Music" }')) end
  if name == "external_ids" then add(v("array", '{ "isrc" }')) end
  if name == "data" and op.name:find("user_reports$") then
    add(v("array", '{ { from = "api", title = "Morning show", timeoffset = -480, '
      .. 'start_timestamp = "2021-05-25 11:55:49", end_timestamp = "2021-05-25 11:56:37" } }'))
  end
  if param.values and param.values[1] then
    local first = param.values[1]
    if math.tointeger(tonumber(first)) then add(v("integer", first)) end
    add(str(first))
  end
  local choice = first_choice(doc)
  if choice then
    if math.tointeger(tonumber(choice)) then add(v("integer", choice)) end
    add(str(choice))
  end
  return out
end

-- What any value of a type looks like, when the name says nothing.
local FALLBACK = {
  { "integer", "1" },
  { "string", '"example"' },
  { "array", "{ 23 }" },
  { "object", '{ note = "example" }' },
  { "boolean", "true" },
}

--- Lua source text of a plausible value for one parameter of `op`.
function M.sample_value(param, op)
  local ok = accepted(param)
  for _, c in ipairs(candidates(param, op)) do
    if ok[c.kind] then return c.src end
  end
  for _, f in ipairs(FALLBACK) do
    if ok[f[1]] then return f[2] end
  end
  return "nil"
end

local function lua_key(name)
  if name:match("^[%a_][%w_]*$") and not LUA_KEYWORDS[name] then return name end
  return string.format("[%q]", name)
end

-- Whether the example shows `p`: the required parameters; a file that an
-- upload would send; a region that picks the host (unless the client finds
-- it by itself).
local function shown(p, op)
  if p.required then return true end
  if p.location == "file" then return op.body == "multipart" end
  if p.location == "host" then
    return op.region_from == nil and tostring(op.host or ""):find("{" .. p.name .. "}") ~= nil
  end
  return false
end

--- A one-line call of `op` with its required parameters:
-- 'client:get_base_project{ id = 15 }', or 'client:list_buckets()'.
function M.example(op)
  local params = op.params or {}
  local fields = {}
  local function add(p) fields[#fields + 1] = lua_key(p.name) .. " = " .. M.sample_value(p, op) end
  local sends_something = false
  for _, p in ipairs(params) do
    if shown(p, op) then
      add(p)
      if p.location ~= "path" and p.location ~= "host" then sends_something = true end
    end
  end
  -- An update whose body fields are all optional would change nothing with
  -- the required parameters alone: show the first body field too.
  if not sends_something then
    for _, p in ipairs(params) do
      if p.location == "body" then
        add(p)
        break
      end
    end
  end
  if #fields == 0 then return "client:" .. op.name .. "()" end
  return "client:" .. op.name .. "{ " .. table.concat(fields, ", ") .. " }"
end

-- ------------------------------------------------------------ Markdown

-- The anchor GitHub (and most renderers) give a heading: lower case,
-- punctuation other than - and _ dropped, spaces made dashes.
local function anchor(text)
  return (text:lower():gsub("[^%w%s%-_]", ""):gsub("%s", "-"))
end

-- Text for a table cell: one line, pipes escaped, no raw HTML.
local function cell(s)
  s = tostring(s or ""):gsub("[\r\n]+", " ")
  s = s:gsub("|", "\\|"):gsub("<", "&lt;"):gsub(">", "&gt;")
  return s
end

-- " Allowed: `a`, `b`." / " Documented: ... (not enforced: why)." /
-- " Form: `YYYYmmdd`.": what the endpoint table says of a parameter's values.
local function values_text(p)
  local out = ""
  if p.values then
    local quoted = {}
    for i, x in ipairs(p.values) do quoted[i] = "`" .. cell(x) .. "`" end
    if p.values_open then
      out = out .. " Documented: " .. table.concat(quoted, ", ") .. " (not enforced: "
        .. cell(p.values_open) .. ")."
    else
      out = out .. " Allowed: " .. table.concat(quoted, ", ") .. "."
    end
  end
  if p.format then
    out = out .. " Form: `" .. cell(p.format):gsub("\\|", "` or `") .. "`."
  end
  return out
end

-- The description: the doc, then what values_text says.
local function doc_cell(p)
  local doc, extra = cell(p.doc), values_text(p)
  if extra ~= "" and doc ~= "" and not doc:match("[.!?]$") then doc = doc .. "." end
  return doc .. extra
end

--- A parameter's type in words: "integer|string" -> "integer or string";
-- three or more get commas. (Also acr's help.)
function M.type_text(t)
  local parts = {}
  for word in tostring(t or "string"):gmatch("[^|]+") do parts[#parts + 1] = word end
  if #parts <= 1 then return parts[1] or "string" end
  return table.concat(parts, ", ", 1, #parts - 1) .. " or " .. parts[#parts]
end

-- Names of the parameters of `op` at a location, as `a`, `b`.
local function names_at(op, location)
  local out = {}
  for _, p in ipairs(op.params or {}) do
    if p.location == location then out[#out + 1] = "`" .. p.name .. "`" end
  end
  return out
end

--- The areas of `operations`, { name =, ops = }, in the order their first
-- operation appears, each with its operations in table order. (Also acr's
-- help and man pages.)
function M.areas(operations)
  local areas, by_name = {}, {}
  for _, op in ipairs(operations) do
    local name = op.area or "Other"
    local area = by_name[name]
    if not area then
      area = { name = name, ops = {} }
      by_name[name] = area
      areas[#areas + 1] = area
    end
    area.ops[#area.ops + 1] = op
  end
  return areas
end

local function write_header(out, operations, areas)
  out[#out + 1] = "<!-- Generated by scripts/api-reference.lua from the endpoint table "
    .. "(src/endpoints.c). Do not edit by hand: regenerate it. -->"
  out[#out + 1] = ""
  out[#out + 1] = "# API reference"
  out[#out + 1] = ""
  out[#out + 1] = string.format("%d operations in %d areas, each a method of a client: "
    .. "`client:NAME(params)`.", #operations, #areas)
  out[#out + 1] = ""
  out[#out + 1] = "This file is generated from the endpoint table (`src/endpoints.c`, seen "
    .. "from Lua as `require(\"acrcloud\").operations`) and the test suite checks that it "
    .. "is current. After changing the table, rebuild and regenerate it from the "
    .. "repository's root:"
  out[#out + 1] = ""
  out[#out + 1] = "```sh"
  out[#out + 1] = "cmake --build build && " .. M.COMMAND
  out[#out + 1] = "```"
  out[#out + 1] = ""
  out[#out + 1] = "Reading an entry:"
  out[#out + 1] = ""
  out[#out + 1] = "- One params table holds every parameter by name; the *In* column says "
    .. "where each goes:"
  for _, loc in ipairs(LOCATION_ORDER) do
    out[#out + 1] = "  - " .. loc .. ": " .. LOCATION_TEXT[loc]
  end
  out[#out + 1] = "- An unknown parameter, a missing required one, a wrong type, a value "
    .. "outside the *Allowed* ones or not of the *Form* given raises an error before "
    .. "anything is sent (a list is checked element by element, a comma string piece "
    .. "by piece). *Documented* values are offered but not enforced: the API is known "
    .. "to accept more, for the reason given."
  out[#out + 1] = "- Success returns the decoded JSON body (raw operations: the bytes) and "
    .. "a response table; a failure returns `nil, err` (see the README's *Errors*)."
  out[#out + 1] = "- An operation with a host of its own uses it only while the default "
    .. "base URL is in force; with any other base URL (the emulator's) every request "
    .. "goes there."
  out[#out + 1] = "- The examples give the required parameters (and a file to upload, a "
    .. "host's region or a field to change where the call needs one to be of use), with "
    .. "made-up values."
  out[#out + 1] = ""
  out[#out + 1] = "## Contents"
  out[#out + 1] = ""
  for _, area in ipairs(areas) do
    local links = {}
    for i, op in ipairs(area.ops) do
      links[i] = string.format("[%s](#%s)", op.name, anchor(op.name))
    end
    out[#out + 1] = string.format("- [%s](#%s) (%d): %s", area.name, anchor(area.name),
      #area.ops, table.concat(links, ", "))
  end
  out[#out + 1] = ""
end

-- The sentence about the host, or nil when the operation uses the base URL.
local function host_text(op)
  if not op.host then return nil end
  local text = "`" .. op.host .. "`, instead of the default base URL"
  local fills = {}
  for name in op.host:gmatch("{([%w_]+)}") do
    local by = "the `" .. name .. "` parameter"
    if op.region_from then
      by = by .. string.format(" or, when it is left out, the region looked up from "
        .. "`%s` (once, then cached for the client's life)", op.region_from)
    end
    fills[#fills + 1] = string.format("`{%s}` is %s", name, by)
  end
  if #fills > 0 then text = text .. "; " .. table.concat(fills, "; ") end
  return text .. ". With a base URL other than the default one, the request goes there."
end

local function response_text(op)
  if op.response == "raw" then
    local outputs = names_at(op, "output")
    local text = "raw bytes, returned as a string"
    if #outputs > 0 then
      text = text .. " (or written to the file named by " .. table.concat(outputs, ", ")
        .. ", returning `true`)"
    end
    return text
  end
  return "JSON, decoded"
end

local function auth_text(op)
  if op.auth == "signed" then
    local secrets = names_at(op, "secret")
    local text = "signed: HMAC-SHA1 form fields made with the project's access key"
    if #secrets > 0 then text = text .. " and " .. table.concat(secrets, ", ") end
    return text .. "; no Bearer token"
  end
  return "Bearer token"
end

local function body_text(op)
  local bodies, files = names_at(op, "body"), names_at(op, "file")
  if op.body == "multipart" then
    local optional = #files == 0
    for _, p in ipairs(op.params or {}) do
      if p.location == "file" and not p.required then optional = true end
    end
    if not optional then return "multipart/form-data, the file streamed from disk" end
    return "multipart/form-data when " .. (#files > 0 and table.concat(files, ", ")
      or "a file") .. " is given (streamed from disk), JSON otherwise"
  end
  if #bodies > 0 then return "JSON" end
  return nil
end

local function write_operation(out, op)
  out[#out + 1] = "### " .. op.name
  out[#out + 1] = ""
  if op.summary and op.summary ~= "" then
    out[#out + 1] = op.summary:gsub("%.?$", ".", 1)
    out[#out + 1] = ""
  end
  out[#out + 1] = string.format("- **Request:** `%s %s`", op.method, op.path)
  local host = host_text(op)
  if host then out[#out + 1] = "- **Host:** " .. host end
  local body = body_text(op)
  if body then out[#out + 1] = "- **Body:** " .. body end
  out[#out + 1] = "- **Response:** " .. response_text(op)
  out[#out + 1] = "- **Auth:** " .. auth_text(op)
  if op.paginated then
    out[#out + 1] = string.format("- **Pages:** `client:each(\"%s\", params)` iterates over "
      .. "every item, one page in memory", op.name)
  end
  if op.source then
    out[#out + 1] = "- **Inventory:** `" .. op.source .. "`"
  end
  if op.note then out[#out + 1] = "- **Note:** " .. cell(op.note) end
  out[#out + 1] = ""
  if op.params and #op.params > 0 then
    out[#out + 1] = "| Parameter | In | Type | Required | Default | Description |"
    out[#out + 1] = "|---|---|---|---|---|---|"
    for _, p in ipairs(op.params) do
      out[#out + 1] = string.format("| `%s` | %s | %s | %s | %s | %s |", p.name,
        cell(p.location), cell(M.type_text(p.type)), p.required and "yes" or "no",
        p.default ~= nil and "`" .. cell(p.default) .. "`" or "", doc_cell(p))
    end
  else
    out[#out + 1] = "No parameters."
  end
  out[#out + 1] = ""
  out[#out + 1] = "```lua"
  out[#out + 1] = M.example(op)
  out[#out + 1] = "```"
  out[#out + 1] = ""
end

--- The whole reference, as Markdown text ending in one newline.
function M.render(operations)
  operations = operations or require("acrcloud").operations
  local areas = M.areas(operations)
  local out = {}
  write_header(out, operations, areas)
  for _, area in ipairs(areas) do
    out[#out + 1] = "## " .. area.name
    out[#out + 1] = ""
    for _, op in ipairs(area.ops) do write_operation(out, op) end
  end
  -- One trailing newline, not the blank line the last entry left.
  while out[#out] == "" do out[#out] = nil end
  return table.concat(out, "\n") .. "\n"
end

return M
