-- User reports: spec/cs-user-reports.md for Custom Streams; the Broadcast
-- Database channels take the same items and answer the same shape.
--
-- Each item's start/end timestamps are local times; `timeoffset` is in
-- minutes with the sign of JavaScript's getTimezoneOffset (UTC+8 -> -480),
-- so UTC = local + timeoffset minutes: with -480, local 11:55:49 is 03:55:49
-- UTC, as in the spec's example.
local area = require "acrcloud.emulator.area"
local json, validate = area.json, area.validate

local M, H, R = area.new()

-- The project, stream and channel are found by the bindings of the streams
-- (handlers/streams.lua) and bd_channels areas: ctx.bound.pid and
-- ctx.bound.stream_id or ctx.bound.channel_id.

local MAX_ITEMS = 1000
-- Offsets run from UTC-12 (720) to UTC+14 (-840).
local MIN_OFFSET, MAX_OFFSET = -840, 720

local RESULT = { "start_timestamp_utc", "end_timestamp_utc", "record_timestamp", "title",
  "artists", "album", "acrid", "duration", "played_duration", "monitor_type", "result_type",
  "from", "raw_metadata", "start_timestamp_local", "end_timestamp_local" }
local RAW = { "title", "artist", "album" }

-- user_defined: an object, or a string holding a JSON object.
local function user_defined_of(v)
  if v == nil or v == json.null then return {} end
  if type(v) == "string" then
    local decoded = json.decode(v)
    if type(decoded) == "table" and not json.is_array(decoded) then return decoded end
    return nil
  end
  if type(v) == "table" and not json.is_array(v) then return v end
  return nil
end

-- Checks one item; adds errors under "data.<i>.<field>"; returns the parsed
-- item when it is valid.
local function check_item(item, i, errors)
  local prefix = "data." .. (i - 1)
  if type(item) ~= "table" or json.is_array(item) then
    errors:add(prefix, "The " .. prefix .. " must be an object.")
    return nil
  end
  local bad = false
  local function err(field, message)
    errors:add(prefix .. "." .. field, message)
    bad = true
  end
  local function required(field)
    local v = item[field]
    if v == nil or v == json.null or v == "" then
      err(field, "The " .. prefix .. "." .. field .. " field is required.")
      return nil
    end
    return v
  end
  for _, field in ipairs({ "from", "title" }) do
    local v = required(field)
    if v ~= nil and type(v) ~= "string" then
      err(field, "The " .. prefix .. "." .. field .. " must be a string.")
    end
  end
  local offset = required("timeoffset")
  if offset ~= nil then
    local ok, n = validate.check_type(offset, { "integer" })
    if not ok then
      err("timeoffset", "The " .. prefix .. ".timeoffset must be an integer.")
    elseif n < MIN_OFFSET or n > MAX_OFFSET then
      err("timeoffset", string.format("The %s.timeoffset must be between %d and %d.", prefix,
        MIN_OFFSET, MAX_OFFSET))
    else
      offset = n
    end
  end
  local times = {}
  for _, field in ipairs({ "start_timestamp", "end_timestamp" }) do
    local v = required(field)
    if v ~= nil then
      times[field] = validate.parse_datetime(v)
      if not times[field] then
        err(field, "The " .. prefix .. "." .. field ..
          " does not match the format Y-m-d H:i:s.")
      end
    end
  end
  if times.start_timestamp and times.end_timestamp and
      times.end_timestamp < times.start_timestamp then
    err("end_timestamp", "The " .. prefix .. ".end_timestamp must be a date after or equal to "
      .. prefix .. ".start_timestamp.")
  end
  local user_defined = user_defined_of(item.user_defined)
  if not user_defined then
    err("user_defined", "The " .. prefix .. ".user_defined must be an object.")
  end
  if bad then return nil end
  return {
    title = item.title, offset = offset, start_local = times.start_timestamp,
    end_local = times.end_timestamp, user_defined = user_defined,
  }
end

local function result_of(it)
  local ud = it.user_defined
  local function text(v)
    if v == nil or v == json.null then return "" end
    return type(v) == "table" and json.encode(v) or tostring(v)
  end
  local raw = json.object({ title = it.title, artist = text(ud.artists or ud.artist),
    album = text(ud.album) }, RAW)
  for k, v in pairs(ud) do
    if k ~= "artists" and k ~= "artist" and k ~= "album" and k ~= "title" then raw[k] = v end
  end
  local duration = it.end_local - it.start_local
  local shift = it.offset * 60
  return json.object({
    start_timestamp_utc = validate.format_datetime(it.start_local + shift),
    end_timestamp_utc = validate.format_datetime(it.end_local + shift),
    record_timestamp = "", title = it.title, artists = text(ud.artists or ud.artist),
    album = text(ud.album), acrid = ud.acrid and text(ud.acrid) or "null",
    duration = duration, played_duration = duration, monitor_type = "",
    result_type = "custom", from = "api-report", raw_metadata = raw,
    start_timestamp_local = validate.format_datetime(it.start_local),
    end_timestamp_local = validate.format_datetime(it.end_local),
  }, RESULT)
end

-- `data` holds the items; each is checked field by field, all errors of all
-- items reported at once.
local DATA_RULES = {
  data = { function(value, name)
    if #value > MAX_ITEMS then
      return "The " .. name .. " must not have more than " .. MAX_ITEMS .. " items."
    end
  end },
}
R.add_stream_user_reports = DATA_RULES
R.add_channel_user_reports = DATA_RULES

-- Stores the items in `stored`. One item answers {"data": {"id": n,
-- "result": {...}}} as in the spec; several {"data": [{"id", "result"},
-- ...]}, a shape the spec does not show.
local function add_reports(ctx, stored)
  local errors, items = validate.errors(), {}
  for i, item in ipairs(ctx.params.data) do items[i] = check_item(item, i, errors) end
  if errors:any() then error(validate.failure(errors), 0) end

  local out = json.array()
  for i, it in ipairs(items) do
    ctx.state.user_report_seq = ctx.state.user_report_seq + 1
    local entry = json.object({ id = ctx.state.user_report_seq, result = result_of(it) },
      { "id", "result" })
    stored[#stored + 1] = entry
    out[i] = entry
  end
  if #out == 1 then return 200, { data = out[1] } end
  return 200, { data = out }
end

function H.add_stream_user_reports(ctx)
  return add_reports(ctx, ctx.state:reports_for(ctx.bound.pid.id, ctx.params.stream_id))
end

-- Kept apart from the streams' reports: "bd:<pid>/<channel id>".
function H.add_channel_user_reports(ctx)
  return add_reports(ctx, ctx.state:reports_for(ctx.bound.pid.id, ctx.bound.channel_id.id, "bd"))
end

return M
