-- What ACRCloud's broadcast monitoring POSTs to a project's result callback
-- and state notification URLs, turned into plain events. Pure: no I/O, no
-- globals; the receiver (scripts/receive-callbacks.lua) stores what this
-- returns.
--
--   local callbacks = require "acrcloud.callbacks"
--   local events, message, status = callbacks.parse{
--     method = "POST", headers = { ["content-type"] = "application/json" },
--     body = text }
--   -- events: a list; or nil, a message naming what is wrong, and the HTTP
--   -- status a receiver should answer (400, 405 or 415)
--
-- Four shapes are understood (a post says by its content which it is; the
-- receiver needs one URL for both callbacks):
--   * a result as a JSON object: { stream_id, stream_name, ..., data = {
--     status = {code, msg}, result_type, metadata = { type, timestamp_utc,
--     played_duration, music = [...], custom_files = [...],
--     record_timestamp } } } (spec/bd-projects.txt)                  "result_json"
--   * the same as a form (application/x-www-form-urlencoded or
--     multipart/form-data) whose `data` field is the JSON text: of the
--     whole post, or of its `data` object with the other fields
--     (stream_id, stream_name, ...) beside it                        "result_form"
--   * a state change, { status = [ {stream_id, stream_name, code, state,
--     timestamp, type}, ... ] } (the spec's v2 shape; JSON, or the JSON
--     text in a form's `data` field)                                 "state_v2"
--   * a legacy state post, flat: access_key, stream_id, status, code, type
--     (a form or a JSON object), which carries no timestamp          "state_legacy"
--
-- Events (one per match, so that each can be stored and deduplicated
-- alone; a post with two songs gives two):
--   every event: kind ("result" | "no_result" | "state"), shape (above),
--     stream_id (a string), stream_name ("" when absent), raw (the whole
--     post as JSON text: the body itself for a JSON post)
--   result:    timestamp_utc ("YYYY-mm-dd HH:MM:SS", UTC), played_duration,
--              result_type (data.result_type), type (metadata.type:
--              "realtime" | "delay"), record_timestamp, match ("music" |
--              "custom"), position (1, 2, ... over the post's matches, music
--              first), acrid (the custom file's acrid, or its audio_id),
--              title, artists (a list of names), album, label,
--              release_date, isrc, upc (lists), score, item (the match as
--              posted)
--   no_result: a result post with no match, or with status code 1001 (No
--              result): timestamp_utc, played_duration, result_type, type,
--              record_timestamp, status_code
--   state:     code (an integer), state (its name: the post's, else
--              STATE_NAMES'), type, timestamp ("YYYY-mm-dd HH:MM:SS"; nil
--              for a legacy post), legacy (true for a legacy post)
-- Optional fields absent from the post are nil in the event.
local acrcloud = require "acrcloud"
local form = require "acrcloud.form"
local named = require("acrcloud.results_csv").name

local M = {}

-- The state codes of spec/bd-projects.txt, with the names the v2 posts use
-- (the spec's example: 6 is "invalid_url").
M.STATE_NAMES = { [0] = "running", [1] = "timeout", [4] = "paused", [6] = "invalid_url",
  [10] = "deleted", [12] = "mute" }

function M.state_name(code)
  return M.STATE_NAMES[code] or "unknown"
end

M.NO_RESULT_CODE = 1001

local null = acrcloud.null

-- Errors ------------------------------------------------------------------------

local Failure = {}

-- Raised inside parse() and turned into its nil, message, status.
local function fail(message, status)
  error(setmetatable({ message = message, status = status or 400 }, Failure), 0)
end

-- Values ------------------------------------------------------------------------

local function present(v)
  return v ~= nil and v ~= null
end

local ARRAY_MT = getmetatable(acrcloud.array())

-- A JSON array: marked as one by the codec, or a non-empty sequence.
local function is_list(v)
  if type(v) ~= "table" then return false end
  if getmetatable(v) == ARRAY_MT then return true end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n > 0 and n == #v
end

local function is_object(v)
  return type(v) == "table" and not is_list(v)
end

-- A whole number from a JSON number or a string of digits, else nil.
local function integer(v)
  if math.type(v) == "integer" then return v end
  if math.type(v) == "float" then return math.tointeger(v) end
  if type(v) == "string" and v:match("^%-?%d+$") and #v <= 18 then
    return math.tointeger(tonumber(v))
  end
  return nil
end

local function number(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then return tonumber(v) end
  return nil
end

-- A string from a JSON string or number, else nil.
local function text(v)
  if type(v) == "string" then return v end
  if math.type(v) == "integer" then return tostring(v) end
  if math.type(v) == "float" then
    local i = math.tointeger(v)
    return i and tostring(i) or string.format("%.14g", v)
  end
  return nil
end

local function field_text(v, where)
  if not present(v) then return nil end
  local s = text(v)
  if not s then fail(where .. " must be a string or a number") end
  return s
end

local function leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end

-- Is s "YYYY-mm-dd HH:MM:SS" with a real date and time?
function M.valid_time(s)
  if type(s) ~= "string" then return false end
  local y, mo, d, h, mi, se = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d) (%d%d):(%d%d):(%d%d)$")
  if not y then return false end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  local days = { 31, leap(y) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  return mo >= 1 and mo <= 12 and d >= 1 and d <= days[mo] and tonumber(h) < 24 and
    tonumber(mi) < 60 and tonumber(se) < 60
end

local function time_field(v, where)
  if not present(v) then fail(where .. " is missing") end
  if not M.valid_time(v) then
    fail(string.format("%s must be YYYY-mm-dd HH:MM:SS, got %s", where,
      type(v) == "string" and string.format("%q", v:sub(1, 40)) or type(v)))
  end
  return v
end

local function stream_id(v, where)
  if not present(v) then fail(where .. " is missing") end
  local s = text(v)
  if not s or s == "" then fail(where .. " must be a non-empty string or number") end
  if #s > 255 then fail(where .. " is longer than 255 characters") end
  return s
end

-- Names of a list that may hold strings or { name = ... } objects.
local function names(list)
  local out = {}
  if not is_list(list) then return out end
  for _, item in ipairs(list) do
    local s = text(named(item))
    if s and s ~= "" then out[#out + 1] = s end
  end
  return out
end

-- A title, an album or a label: a string, or { name = ... }.
local function name_of(v) return text(named(v)) end

-- external_ids.isrc and friends: a string or a list of strings, also found
-- at the item's top level.
local function codes(item, key)
  local ext = is_object(item.external_ids) and item.external_ids or {}
  local v = ext[key]
  if not present(v) then v = item[key] end
  if type(v) == "table" then return names(v) end
  local s = text(v)
  return s and s ~= "" and { s } or {}
end

-- Bodies ------------------------------------------------------------------------

-- "a=1&b=x%20y" -> { a = "1", b = "x y" } (acrcloud.form).
M.parse_form = form.decode

local function media_type(headers)
  local ct = headers and (headers["content-type"] or headers["Content-Type"]) or ""
  return (ct:match("^%s*([^;%s]*)") or ""):lower(), ct
end

local function decode_json(s, where)
  local v, err = acrcloud.decode(s)
  if v == nil then fail(where .. " is not valid JSON: " .. tostring(err)) end
  if not is_object(v) then fail(where .. " must be a JSON object") end
  return v
end

-- The body as { post = table, raw = JSON text, form = bool }.
local function read_body(req)
  local body = req.body or ""
  if not body:find("%S") then fail("the body is empty") end
  local mt, ct = media_type(req.headers)
  local fields
  if mt == "application/x-www-form-urlencoded" then
    fields = M.parse_form(body)
  elseif mt == "multipart/form-data" then
    local parsed, err = require("acrcloud.emulator.multipart").parse_request(ct, body)
    if not parsed then fail("the multipart body is malformed: " .. tostring(err)) end
    fields = parsed
  elseif mt == "" or mt == "application/json" or mt == "text/json" or mt == "text/plain" or
      mt:match("^application/[%w.%-]+%+json$") then
    if not utf8.len(body) then fail("the body is not valid UTF-8") end
    return { post = decode_json(body, "the body"), raw = body }
  else
    fail("unsupported Content-Type " .. mt ..
      " (expected application/json or a form)", 415)
  end
  if next(fields) == nil then fail("the form has no fields") end
  for k, v in pairs(fields) do
    if not utf8.len(k) or type(v) ~= "string" or not utf8.len(v) then
      fail("the form field " .. (utf8.len(k) and k or "?") .. " is not valid UTF-8 text")
    end
  end
  -- A form's `data` holds JSON: the whole post, or its `data` object with
  -- the other fields beside it.
  if fields.data ~= nil then
    local inner = decode_json(fields.data, "the form field data")
    if inner.stream_id ~= nil or is_list(inner.status) then
      return { post = inner, raw = fields.data, form = true }
    end
    local post = {}
    for k, v in pairs(fields) do post[k] = v end
    post.data = inner
    return { post = post, raw = acrcloud.encode(post), form = true }
  end
  return { post = fields, raw = acrcloud.encode(fields), form = true }
end

-- Shapes ----------------------------------------------------------------------

local function state_v2(post, raw)
  local list = post.status
  if #list == 0 then fail("status is an empty list") end
  local events = {}
  for i, s in ipairs(list) do
    local where = "status[" .. i .. "]"
    if not is_object(s) then fail(where .. " must be an object") end
    local code = integer(s.code)
    if code == nil then fail(where .. ".code must be an integer") end
    local state = field_text(s.state, where .. ".state")
    events[#events + 1] = {
      kind = "state", shape = "state_v2", raw = raw,
      stream_id = stream_id(s.stream_id, where .. ".stream_id"),
      stream_name = field_text(s.stream_name, where .. ".stream_name") or "",
      code = code, state = (state and state ~= "") and state or M.state_name(code),
      type = field_text(s.type, where .. ".type"),
      timestamp = time_field(s.timestamp, where .. ".timestamp"),
    }
  end
  return events
end

local function state_legacy(post, raw)
  local code = integer(post.code)
  if code == nil then fail("code must be an integer") end
  -- `status` is the state's name in some posts, a number in others.
  local status = field_text(post.status, "status")
  local state = status and not status:match("^%-?%d+$") and status ~= "" and status or
    M.state_name(code)
  return { {
    kind = "state", shape = "state_legacy", raw = raw, legacy = true,
    stream_id = stream_id(post.stream_id, "stream_id"),
    stream_name = field_text(post.stream_name, "stream_name") or "",
    code = code, state = state, type = field_text(post.type, "type"),
  } }
end

local function match_event(base, item, match, position, where)
  if not is_object(item) then fail(where .. " must be an object") end
  local acrid = field_text(item.acrid, where .. ".acrid")
  if match == "custom" and (acrid == nil or acrid == "") then
    acrid = field_text(item.audio_id, where .. ".audio_id")
  end
  if acrid == nil or acrid == "" then
    fail(where .. (match == "custom" and " has neither acrid nor audio_id" or ".acrid is missing"))
  end
  local e = {}
  for k, v in pairs(base) do e[k] = v end
  e.kind, e.match, e.position, e.item = "result", match, position, item
  e.acrid = acrid
  e.title = name_of(item.title)
  e.artists = names(item.artists)
  e.album = name_of(item.album)
  e.label = name_of(item.label)
  e.release_date = text(item.release_date)
  e.isrc = codes(item, "isrc")
  e.upc = codes(item, "upc")
  e.score = number(item.score)
  return e
end

local function result(post, raw, shape)
  local data = post.data
  if not is_object(data) then fail("data must be an object") end
  local meta = data.metadata
  if not is_object(meta) then fail("data.metadata is missing") end
  local status = is_object(data.status) and data.status or {}
  local code = integer(status.code)
  local base = {
    shape = shape, raw = raw,
    stream_id = stream_id(post.stream_id, "stream_id"),
    stream_name = field_text(post.stream_name, "stream_name") or "",
    timestamp_utc = time_field(meta.timestamp_utc, "data.metadata.timestamp_utc"),
    played_duration = integer(meta.played_duration),
    result_type = integer(data.result_type),
    type = field_text(meta.type, "data.metadata.type"),
    record_timestamp = field_text(meta.record_timestamp, "data.metadata.record_timestamp"),
  }
  if present(meta.played_duration) and base.played_duration == nil then
    fail("data.metadata.played_duration must be an integer")
  end
  local function list_field(name)
    local v = meta[name]
    -- An empty table is an empty list here, whether the codec marked it
    -- as an array or not.
    if not present(v) or (type(v) == "table" and next(v) == nil) then return {} end
    if not is_list(v) then fail("data.metadata." .. name .. " must be a list") end
    return v
  end
  local music, custom = list_field("music"), list_field("custom_files")
  if code ~= nil and code ~= 0 and code ~= M.NO_RESULT_CODE then
    fail(string.format("data.status.code %d is neither 0 (Success) nor %d (No result)", code,
      M.NO_RESULT_CODE))
  end
  if code == M.NO_RESULT_CODE or (#music == 0 and #custom == 0) then
    base.kind, base.status_code = "no_result", code
    return { base }
  end
  local events = {}
  for i, item in ipairs(music) do
    events[#events + 1] = match_event(base, item, "music", #events + 1,
      "data.metadata.music[" .. i .. "]")
  end
  for i, item in ipairs(custom) do
    events[#events + 1] = match_event(base, item, "custom", #events + 1,
      "data.metadata.custom_files[" .. i .. "]")
  end
  return events
end

-- parse{ method =, headers = { lowercased name = value }, body = } ->
-- events | nil, message, status
function M.parse(req)
  assert(type(req) == "table", "callbacks.parse: the request must be a table")
  local ok, events = pcall(function()
    if (req.method or "POST"):upper() ~= "POST" then
      fail("method " .. tostring(req.method) .. " not allowed: callbacks are POSTed", 405)
    end
    local b = read_body(req)
    local post = b.post
    if is_list(post.status) and not present(post.data) then
      return state_v2(post, b.raw)
    elseif present(post.data) then
      return result(post, b.raw, b.form and "result_form" or "result_json")
    elseif present(post.stream_id) and present(post.code) then
      return state_legacy(post, b.raw)
    end
    fail("the post is neither a result (no data) nor a state change (no status list, " ..
      "no stream_id and code)")
  end)
  if ok then return events end
  if getmetatable(events) == Failure then return nil, events.message, events.status end
  error(events, 0)
end

return M
