-- UCF (Unknown Content Filter) projects, the BM streams they watch, and
-- their results: the docs' "BM Streams" and "UCF Results" pages (list
-- shapes), the official CLI for the rest. Invented shapes are listed in the
-- README notes.
--
-- A UCF result is a piece of unknown audio heard `num` times on the
-- project's streams; its "details" are those detections.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local catalog = require "acrcloud.emulator.catalog"
local presigned = require "acrcloud.emulator.presigned"
local state_mod = require "acrcloud.emulator.state"

local M, H, R = area.new()

local DEFAULT_CONFIG = { days = 3, min_ms = 5000, max_ms = 300000 }
-- How long a record URL stays valid, and the longest record it gives.
M.RECORD_EXPIRES = 3600
local MAX_RECORD_SECONDS = 600

-- Results are named by id or by acr_id.
local function find_result(state, project, ucf_id)
  if not project then return nil end
  local id = state_mod.parse_id(ucf_id)
  for _, r in pairs(state.ucf_results.items) do
    if r.pid == project.id and (r.id == id or r.acr_id == ucf_id) then return r end
  end
end

local find_project = area.finder("ucf_projects")

M.bindings = {
  { path = "/ucf-projects/{id}", param = "id", model = "UcfProject", find = find_project },
  { path = "/ucf-projects/{pid}", param = "pid", model = "UcfProject", find = find_project },
  { path = "/ucf-projects/{pid}/results/{ucf_id}", param = "ucf_id", model = "UcfResult",
    find = function(ctx, id) return find_result(ctx.state, ctx.bound.pid, id) end },
}

-- Views --------------------------------------------------------------------------

local PROJECT = { "id", "uid", "name", "region", "type", "config", "created_at", "updated_at" }
local CONFIG = { "days", "min_ms", "max_ms" }

local function copy_json(v)
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy_json(x) end
  if json.is_array(v) then return json.array(out) end
  return out
end

local function project_view(p)
  return json.object({
    id = p.id, uid = common.UID, name = p.name, region = p.region, type = p.type,
    config = json.object(copy_json(p.config), CONFIG), created_at = p.created_at,
    updated_at = p.updated_at,
  }, PROJECT)
end

local STREAM = { "id", "uid", "pid", "bm_stream_id", "bm_project_id", "from", "state",
  "bm_stream_name", "bm_project_name", "created_at", "updated_at" }

local function stream_view(s)
  return json.object({
    id = s.id, uid = common.UID, pid = s.pid, bm_stream_id = s.bm_stream_id,
    bm_project_id = s.bm_project_id, from = s.from, state = s.state,
    bm_stream_name = s.bm_stream_name, bm_project_name = s.bm_project_name,
    created_at = s.created_at, updated_at = s.updated_at,
  }, STREAM)
end

local RESULT = { "id", "acr_id", "status", "label", "num", "duration_ms", "metadata",
  "created_at", "pid", "operators", "updated_at" }
local OPERATOR = { "operator", "updated_at" }

local function result_view(r)
  local operators = json.array()
  for i, o in ipairs(r.operators) do
    operators[i] = json.object({ operator = o.operator, updated_at = o.updated_at }, OPERATOR)
  end
  return json.object({
    id = r.id, acr_id = r.acr_id, status = r.status, label = r.label, num = #r.detections,
    duration_ms = r.duration_ms, metadata = r.metadata == nil and json.null or
      copy_json(r.metadata),
    created_at = r.created_at, pid = r.pid, operators = operators, updated_at = r.updated_at,
  }, RESULT)
end

local DETECTION = { "id", "ucf_id", "stream_id", "stream_name", "bm_project_id", "from",
  "timestamp_utc", "duration_ms" }

local function detection_view(d)
  return json.object({
    id = d.id, ucf_id = d.ucf_id, stream_id = d.stream_id, stream_name = d.stream_name,
    bm_project_id = d.bm_project_id, from = d.from, timestamp_utc = d.timestamp_utc,
    duration_ms = d.duration_ms,
  }, DETECTION)
end

-- Rules ----------------------------------------------------------------------------

-- config: an object; days, min_ms and max_ms, when there, are integers
-- (days 1 to 30, min_ms <= max_ms). Other keys are kept as they are.
local function config_rule(value, name)
  local errs = {}
  local function int(field, min, max)
    local v = value[field]
    if v == nil or v == json.null then return nil end
    local key = name .. "." .. field
    local ok, n = validate.check_type(v, { "integer" })
    if not ok then
      errs[#errs + 1] = { key, "The " .. validate.attribute(key) .. " must be an integer." }
    elseif n < min or (max and n > max) then
      local attr = validate.attribute(key)
      errs[#errs + 1] = { key, max and string.format("The %s must be between %d and %d.", attr,
        min, max) or string.format("The %s must be at least %d.", attr, min) }
    else
      return n
    end
  end
  int("days", 1, 30)
  local lo, hi = int("min_ms", 0), int("max_ms", 0)
  if lo and hi and hi < lo then
    errs[#errs + 1] = { name .. ".max_ms", "The " .. validate.attribute(name .. ".max_ms") ..
      " must be greater than or equal to " .. validate.attribute(name .. ".min_ms") .. "." }
  end
  if #errs > 0 then return errs end
end

local function merge_config(base, given)
  local out = {}
  for k, v in pairs(base) do out[k] = v end
  for k, v in pairs(given or {}) do
    if k == "days" or k == "min_ms" or k == "max_ms" then
      local _, n = validate.check_type(v, { "integer" })
      out[k] = n
    else
      out[k] = v
    end
  end
  return out
end

-- Projects -------------------------------------------------------------------------

function H.list_ucf_projects(ctx)
  local region = ctx.params.region
  local out = json.array()
  for _, p in ipairs(ctx.state:list("ucf_projects", function(p)
    return not region or p.region == region
  end)) do
    out[#out + 1] = project_view(p)
  end
  return 200, { data = out }
end

R.create_ucf_project = {
  name = { validate.max_length(255) },
  config = { config_rule },
}

function H.create_ucf_project(ctx)
  local p, state = ctx.params, ctx.state
  local now = common.sql_time(state:now())
  local rec = state:insert("ucf_projects", {
    name = p.name, region = p.region, type = p.type or "BM",
    config = merge_config(DEFAULT_CONFIG, p.config), created_at = now, updated_at = now,
  })
  return 201, { data = project_view(rec) }
end

R.update_ucf_project = { name = { validate.max_length(255) }, config = { config_rule } }

function H.update_ucf_project(ctx)
  local rec, p = ctx.bound.id, ctx.params
  if p.name then rec.name = p.name end
  -- Keys left out of config keep their values.
  if p.config then rec.config = merge_config(rec.config, p.config) end
  rec.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = project_view(rec) }
end

-- Deleting a project deletes its streams and results.
function H.delete_ucf_project(ctx)
  local rec, state = ctx.bound.id, ctx.state
  for _, name in ipairs({ "ucf_streams", "ucf_results" }) do
    for _, r in ipairs(state:list(name, function(x) return x.pid == rec.id end)) do
      state:remove(name, r.id)
    end
  end
  state:remove("ucf_projects", rec.id)
  return 204
end

-- Streams ------------------------------------------------------------------------------

-- The BM project a stream comes from: a Custom Streams project or a
-- Broadcast Database project.
local function bm_project(state, from, id)
  if from == "BM-CUSTOM" then return state:get("cs_projects", id) end
  if from == "BM-DATABASE" then return state:get("bd_projects", id) end
end

-- The name of a stream (Custom Streams: project.streams, keyed by stream
-- id) or channel (Broadcast Database: project.channels, keyed by channel
-- id, named in the channel catalogue) of a BM project, or nil when the
-- project has no such stream.
local function bm_stream_name(state, from, project, sid)
  sid = tostring(sid)
  if from == "BM-CUSTOM" then
    local s = (project.streams or {})[sid]
    if s == nil then return nil end
    return type(s) == "table" and s.name or sid
  end
  local id = state_mod.parse_id(sid)
  if not id or not (project.channels or {})[id] then return nil end
  local entry = state.bd_catalog and state:get("bd_catalog", id)
  return entry and entry.name or sid
end

local function streams_rule(value, name, ctx)
  local p = ctx.params
  local from = p.from
  local _, pid = validate.check_type(p.bm_project_id, { "integer" })
  local project = pid and bm_project(ctx.state, from, pid)
  -- Without a valid source or project, those fields carry the error.
  if not project then return nil end
  return validate.items(function(sid, key)
    if (type(sid) ~= "string" and math.type(sid) ~= "integer") or
        not bm_stream_name(ctx.state, from, project, sid) then
      return "The selected " .. validate.attribute(key) .. " is invalid."
    end
  end)(value, name, ctx)
end

local function bm_project_rule(value, name, ctx)
  local from = ctx.params.from
  local _, pid = validate.check_type(value, { "integer" })
  if (from == "BM-CUSTOM" or from == "BM-DATABASE") and not bm_project(ctx.state, from, pid) then
    return "The selected " .. validate.attribute(name) .. " is invalid."
  end
end

R.import_ucf_streams = {
  bm_project_id = { bm_project_rule },
  bm_stream_ids = { streams_rule },
}

-- Importing a stream that is already there gives the one there.
function H.import_ucf_streams(ctx)
  local project, p, state = ctx.bound.pid, ctx.params, ctx.state
  local _, bm_pid = validate.check_type(p.bm_project_id, { "integer" })
  local bm = bm_project(state, p.from, bm_pid)
  local now = common.sql_time(state:now())
  local out = json.array()
  for _, sid in ipairs(p.bm_stream_ids) do
    sid = tostring(sid)
    local rec
    for _, s in pairs(state.ucf_streams.items) do
      if s.pid == project.id and s.from == p.from and s.bm_project_id == bm_pid and
          s.bm_stream_id == sid then
        rec = s
      end
    end
    rec = rec or state:insert("ucf_streams", {
      pid = project.id, bm_stream_id = sid, bm_project_id = bm_pid, from = p.from, state = 1,
      bm_stream_name = bm_stream_name(state, p.from, bm, sid), bm_project_name = bm.name,
      created_at = now, updated_at = now,
    })
    out[#out + 1] = stream_view(rec)
  end
  return 201, { data = out }
end

function H.list_ucf_streams(ctx)
  local pid = ctx.bound.pid.id
  local records = ctx.state:list("ucf_streams", function(s) return s.pid == pid end)
  return 200, common.paginate(ctx, records, stream_view)
end

-- ids: the UCF stream ids, or the BM stream ids, joined by ",".
function H.delete_ucf_streams(ctx)
  local pid, state = ctx.bound.pid.id, ctx.state
  local doomed = {}
  for id in tostring(ctx.params.ids):gmatch("[^,]+") do
    id = id:match("^%s*(.-)%s*$")
    local found
    for _, s in pairs(state.ucf_streams.items) do
      if s.pid == pid and (tostring(s.id) == id or s.bm_stream_id == id) then found = s end
    end
    if not found then common.not_found("UcfStream", id) end
    doomed[#doomed + 1] = found
  end
  for _, s in ipairs(doomed) do state:remove("ucf_streams", s.id) end
  return 204
end

-- Results ----------------------------------------------------------------------------

-- "2021-02-01" or "2021-02-01 12:13:14" -> seconds; a date alone is the
-- start of that day, or its end when `ends` is set.
local function parse_when(s, ends)
  local t = validate.parse_datetime(s)
  if t then return t end
  local day = validate.parse_date(s)
  if day then return day * 86400 + (ends and 86399 or 0) end
end

local function when_rule(value, name)
  if not parse_when(value) then
    return "The " .. validate.attribute(name) .. " does not match the format Y-m-d or Y-m-d H:i:s."
  end
end

local function number_rule(value, name)
  if not tonumber(value) then return "The " .. validate.attribute(name) .. " must be a number." end
end

R.list_ucf_results = {
  begin_date = { when_rule }, end_date = { when_rule },
  min = { number_rule }, max = { number_rule },
}

local function in_range(t, p)
  if p.begin_date and t < parse_when(p.begin_date) then return false end
  if p.end_date and t > parse_when(p.end_date, true) then return false end
  return true
end

local function heard_on(r, streams)
  for _, d in ipairs(r.detections) do
    if streams[d.stream_id] or streams[tostring(d.ucf_stream_id)] then return true end
  end
  return false
end

-- Deleted (reserved) results show only when asked for with status=-1.
function H.list_ucf_results(ctx)
  local pid, p = ctx.bound.pid.id, ctx.params
  local status = p.status ~= nil and tonumber(p.status) or nil
  local label = p.label ~= nil and tonumber(p.label) or nil
  local min_ms = p.min and tonumber(p.min) * 1000
  local max_ms = p.max and tonumber(p.max) * 1000
  local streams
  if p.streams then
    streams = {}
    for id in tostring(p.streams):gmatch("[^,%s]+") do streams[id] = true end
  end
  local records = ctx.state:list("ucf_results", function(r)
    if r.pid ~= pid then return false end
    if status then
      if r.status ~= status then return false end
    elseif r.status == -1 then
      return false
    end
    local value = r.metadata and r.metadata.title or ""
    return (not label or r.label == label)
      and (not p.label_value or value:lower():find(tostring(p.label_value):lower(), 1, true))
      and (not min_ms or r.duration_ms >= min_ms) and (not max_ms or r.duration_ms <= max_ms)
      and (not p.ucf_id or tostring(r.id) == tostring(p.ucf_id) or r.acr_id == p.ucf_id)
      and (not streams or heard_on(r, streams))
      and in_range(validate.parse_datetime(r.created_at), p)
  end)
  local key = p.sortby or "id"
  local asc = p.order == "asc"
  local function value_of(r) return key == "num" and #r.detections or r[key] end
  table.sort(records, function(a, b)
    local va, vb = value_of(a), value_of(b)
    if va == vb then va, vb = a.id, b.id end
    if asc then return va < vb end
    return va > vb
  end)
  return 200, common.paginate(ctx, records, result_view)
end

function H.get_ucf_result(ctx)
  return 200, { data = result_view(ctx.bound.ucf_id) }
end

R.get_ucf_result_details = { begin_date = { when_rule }, end_date = { when_rule } }

-- The detections, newest first.
function H.get_ucf_result_details(ctx)
  local r, p = ctx.bound.ucf_id, ctx.params
  local records = {}
  for _, d in ipairs(r.detections) do
    if in_range(validate.parse_datetime(d.timestamp_utc), p) then records[#records + 1] = d end
  end
  table.sort(records, function(a, b) return a.id > b.id end)
  return 200, common.paginate(ctx, records, detection_view)
end

R.get_ucf_result_record_url = {
  extend = { function(value, name)
    local n = tonumber(value)
    if not n or n < 0 or n > 300 or n ~= math.floor(n) then
      return "The " .. validate.attribute(name) .. " must be an integer between 0 and 300."
    end
  end },
}

-- A URL to a WAV file of the item's audio with `extend` seconds on both
-- sides (default 20), valid for an hour, served by the emulator itself (see
-- emulator/presigned.lua).
function H.get_ucf_result_record_url(ctx)
  local r, state = ctx.bound.ucf_id, ctx.state
  local extend = math.tointeger(tonumber(ctx.params.extend or 20))
  local seconds = math.min(MAX_RECORD_SECONDS, r.duration_ms / 1000 + 2 * extend)
  local now = state:now()
  local key = string.format("ucf/%d/%d-%d.wav", r.pid, r.id, extend)
  -- Unguessable enough for a local emulator, and no draw from the shared
  -- generator (other areas' keys stay the same whatever is asked here).
  state.ucf_record_seq = state.ucf_record_seq + 1
  local seed = key .. "|" .. state.ucf_record_seq .. "|" .. tostring({})
  local signature = string.format("%08x%08x", catalog.hash(seed), catalog.hash(seed .. "#"))
  state.ucf_records[key] = { signature = signature, expires = now + M.RECORD_EXPIRES,
    seconds = seconds }
  local url = ctx.server:request_origin(ctx.request) .. ctx.server.mount .. "/_emulator/records/"
    .. key .. "?" .. presigned.query(now, M.RECORD_EXPIRES, signature)
  return 200, { data = json.object({
    url = url, extend = extend, duration_ms = math.floor(seconds * 1000),
    expires_at = common.sql_time(now + M.RECORD_EXPIRES),
  }, { "url", "extend", "duration_ms", "expires_at" }) }
end

-- reserved=1 keeps the item as deleted (status -1, listed with status=-1)
-- so that it is not offered again; reserved=0 removes it.
function H.delete_ucf_result(ctx)
  local r, state = ctx.bound.ucf_id, ctx.state
  if tostring(ctx.params.reserved) == "1" then
    local now = common.sql_time(state:now())
    r.status, r.updated_at = -1, now
    r.operators[#r.operators + 1] = { operator = "API", updated_at = now }
  else
    state:remove("ucf_results", r.id)
  end
  return 204
end

function H.set_ucf_result_pending(ctx)
  local r = ctx.bound.ucf_id
  local now = common.sql_time(ctx.state:now())
  r.status, r.updated_at = 0, now
  r.operators[#r.operators + 1] = { operator = "API", updated_at = now }
  return 200, { data = result_view(r) }
end

-- Seed data ----------------------------------------------------------------------------

local seed_projects = {
  { id = 10263, name = "ucf-radio", region = "eu-west-1", type = "BM",
    config = { days = 3, min_ms = 5000, max_ms = 300000 },
    created_at = "2020-05-20 09:12:03", updated_at = "2020-05-20 09:12:03" },
  { id = 10264, name = "ucf-files", region = "us-west-2", type = "FILES",
    config = { days = 7, min_ms = 10000, max_ms = 600000 },
    created_at = "2021-11-02 14:40:51", updated_at = "2021-11-02 14:40:51" },
}

local seed_streams = {
  { id = 501, pid = 10263, bm_stream_id = "s-XXXXXX", bm_project_id = 17913, from = "BM-CUSTOM",
    state = 1, bm_stream_name = "Demo FM", bm_project_name = "cs-demo",
    created_at = "2020-05-20 09:13:40", updated_at = "2020-05-20 09:13:40" },
  { id = 502, pid = 10263, bm_stream_id = "s-Jq2n5T", bm_project_id = 17913, from = "BM-CUSTOM",
    state = 1, bm_stream_name = "Demo Talk", bm_project_name = "cs-demo",
    created_at = "2020-05-20 09:13:40", updated_at = "2020-05-20 09:13:40" },
}

-- The docs' list example (340332 to 340335) and one edited advertisement.
local seed_results = {
  { id = 340332, acr_id = "e0e99fd9dc89da03e5081b856dcbf609", status = 0, label = 2, num = 2,
    duration_ms = 132300, created_at = "2020-05-27 08:45:02" },
  { id = 340333, acr_id = "4965aefe6b33202f9a1fb000d2a00bd6", status = 0, label = 1, num = 3,
    duration_ms = 136740, created_at = "2020-05-27 08:49:18" },
  { id = 340334, acr_id = "4fc390bfb9db91e904084715c530e25d", status = 0, label = 3, num = 3,
    duration_ms = 157840, created_at = "2020-05-27 08:56:41" },
  { id = 340335, acr_id = "d7a4ebc9685f23bdc843ed4146b35f69", status = 0, label = 2, num = 3,
    duration_ms = 131460, created_at = "2020-05-27 08:56:45",
    operators = { { operator = "ACRCloud", updated_at = "2022-04-27 08:09:49" },
                  { operator = "ACRCloud", updated_at = "2022-04-27 08:10:27" } } },
  { id = 340336, acr_id = "5a1c9e7b3d2f40a8b6e1c0d9f8a7b6c5", status = 2, label = 4, num = 4,
    duration_ms = 30120, created_at = "2020-05-27 09:30:00",
    metadata = { title = "Summer Sale Spot", advertiser = "Lowfield Stores" },
    operators = { { operator = "ACRCloud", updated_at = "2020-05-28 10:00:00" } } },
}

-- Detections of a seeded result: `num` plays on the seeded streams, one
-- every 7 hours before the result was created.
local function seed_detections(r, first_id)
  local out = {}
  local created = validate.parse_datetime(r.created_at)
  for k = 1, r.num do
    local stream = seed_streams[(r.id + k) % #seed_streams + 1]
    out[k] = { id = first_id + k, ucf_id = r.id, ucf_stream_id = stream.id,
      stream_id = stream.bm_stream_id, stream_name = stream.bm_stream_name,
      bm_project_id = stream.bm_project_id, from = stream.from,
      timestamp_utc = validate.format_datetime(created - (r.num - k) * 7 * 3600),
      duration_ms = r.duration_ms }
  end
  return out
end

function M.seed(state)
  state:add_collection("ucf_projects", seed_projects, 10263)
  state:add_collection("ucf_streams", seed_streams, 501)
  local results, next_detection = {}, 7000
  for i, r in ipairs(seed_results) do
    results[i] = { id = r.id, pid = 10263, acr_id = r.acr_id, status = r.status, label = r.label,
      duration_ms = r.duration_ms, metadata = r.metadata, operators = r.operators or {},
      created_at = r.created_at, updated_at = "2020-05-27 08:56:45",
      detections = seed_detections(r, next_detection) }
    next_detection = next_detection + r.num
  end
  state:add_collection("ucf_results", results, 340332)
  -- Record downloads handed out by get_ucf_result_record_url, by key.
  state.ucf_records = {}
  state.ucf_record_seq = 0
end

return M
