-- Custom Streams projects (bm-cs-projects) and their streams: the projects
-- themselves, their callbacks and analytics, and per stream its life cycle
-- (add, pause, restart, delete), results, state history and recordings.
--
-- A stream's state is its last state event: Running (0) when added or
-- restarted, Paused (4) when paused, Invalid URL (6) when none of its URLs
-- can be reached, which the emulator decides by the reserved top-level
-- domain: every URL on a host under ".invalid" (RFC 2606). Results, state
-- history and recordings come from acrcloud.emulator.results.
local area = require "acrcloud.emulator.area"
local common, json, validate = area.common, area.json, area.validate
local report_key = require("acrcloud.emulator.state").report_key
local results = require "acrcloud.emulator.results"

local M, H, R = area.new()

local find_project = area.finder("cs_projects")

-- The inventory names the project `id`, `pid` or `project_id` depending on
-- the path; each spelling gets the same lookup.
M.bindings = {
  { path = "/bm-cs-projects/{id}", param = "id", model = "BmCsProject", find = find_project },
  { path = "/bm-cs-projects/{pid}", param = "pid", model = "BmCsProject", find = find_project },
  { path = "/bm-cs-projects/{project_id}", param = "project_id", model = "BmCsProject",
    find = find_project },
  { path = "/bm-cs-projects/{pid}/streams/{stream_id}", param = "stream_id",
    model = "BmCsStream", find = function(ctx, sid) return ctx.bound.pid.streams[sid] end },
}

local function project_of(ctx)
  return ctx.bound.id or ctx.bound.pid or ctx.bound.project_id
end

local NOT_AVAILABLE = "The recording is not available."

-- Monitoring configs a stream's config_id names (the console's "custom
-- configs"). The first is the docs' example; the others are invented.
local CONFIGS = {
  { id = 1, name = "non-realtime for music", uid = 0, rec_length = 10, interval = 0,
    rec_timeout = 5, monitor_timeout = 25, noise = 1, delay = 1,
    record = { record = 0, record_after = 8, record_before = 5 },
    created_at = "2018-05-31T03:20:53.000000Z" },
  { id = 2, name = "non-realtime for music, recorded", uid = 0, rec_length = 10, interval = 0,
    rec_timeout = 5, monitor_timeout = 25, noise = 1, delay = 1,
    record = { record = 1, record_after = 8, record_before = 5 },
    created_at = "2019-04-02T09:14:11.000000Z" },
  { id = 3, name = "realtime for custom content", uid = 0, rec_length = 6, interval = 0,
    rec_timeout = 5, monitor_timeout = 25, noise = 0, delay = 0,
    record = { record = 1, record_after = 5, record_before = 5 },
    created_at = "2019-09-12T08:00:00.000000Z" },
}

-- Callback and e-mail settings of a new project (the shape of the Broadcast
-- Database projects' config).
local function new_settings(p)
  p.callback_result = p.callback_result or { enabled = 0, diy_url = "", diy_send_type = 2,
    diy_send_noresult = 0, diy_result_type = 0 }
  p.callback_state = p.callback_state or { enabled = 0, url = "", send_type = 2 }
  p.email_state = p.email_state or { email = "", type = 2 }
end

-- seed(state): the monitoring configs, and settings for the projects
-- state.lua seeds.
function M.seed(state)
  state:add_collection("cs_configs", CONFIGS)
  for _, p in pairs(state.cs_projects.items) do new_settings(p) end
end

-- Views ------------------------------------------------------------------------

local PROJECT = { "uid", "access_key", "type", "state", "name", "region", "bucket_group",
  "external_id", "updated_at", "created_at", "id", "buckets", "status_check", "external_ids",
  "metadata_template", "monitoring_num", "config" }
local CONFIG = { "callback_result", "callback_state", "email_state" }
local CALLBACK_RESULT = { "enabled", "type_name", "diy_url", "diy_send_type",
  "diy_send_noresult", "diy_result_type" }
local STREAM = { "stream_id", "uid", "mcp_id", "stream_type", "name", "state", "code",
  "stream_urls", "current_url", "region", "user_defined", "pitch_shift", "check_pitch_shift",
  "remark", "created_at", "updated_at", "record_video", "stream_rec_type", "epg", "config",
  "timemap", "ucf" }
local STREAM_CONFIG = { "id", "name", "uid", "rec_length", "interval", "rec_timeout",
  "monitor_timeout", "noise", "delay", "record", "created_at" }

local function copy_list(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = v end
  return out
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function project_view(p, ctx)
  local buckets, bucket_group = common.project_buckets(p, ctx)
  local cr, cs, es = p.callback_result, p.callback_state, p.email_state
  return json.object({
    uid = 2,
    -- The docs' example shows the key masked, as the Broadcast Database does.
    access_key = "************",
    type = p.type, state = 1, name = p.name, region = p.region,
    bucket_group = bucket_group, external_id = "",
    updated_at = p.updated_at, created_at = p.created_at, id = p.id, buckets = buckets,
    status_check = 2, external_ids = json.array(copy_list(p.external_ids)),
    metadata_template = p.metadata_template, monitoring_num = count(p.streams),
    config = json.object({
      callback_result = json.object({ enabled = cr.enabled, type_name = "diy",
        diy_url = cr.diy_url, diy_send_type = cr.diy_send_type,
        diy_send_noresult = cr.diy_send_noresult, diy_result_type = cr.diy_result_type },
        CALLBACK_RESULT),
      callback_state = json.object({ enabled = cs.enabled, url = cs.url,
        send_type = cs.send_type }, { "enabled", "url", "send_type" }),
      email_state = json.object({ email = es.email, type = es.type }, { "email", "type" }),
    }, CONFIG),
  }, PROJECT)
end

local function config_view(c)
  return json.object({
    id = c.id, name = c.name, uid = c.uid, rec_length = c.rec_length, interval = c.interval,
    rec_timeout = c.rec_timeout, monitor_timeout = c.monitor_timeout, noise = c.noise,
    delay = c.delay,
    record = json.object({ record = c.record.record, record_after = c.record.record_after,
      record_before = c.record.record_before }, { "record", "record_after", "record_before" }),
    created_at = c.created_at,
  }, STREAM_CONFIG)
end

local function user_defined_view(v)
  if v == nil then return json.null end
  return v
end

local function stream_view(s, ctx, project)
  local code = results.current_code(s.events)
  return json.object({
    stream_id = s.stream_id, uid = 2, mcp_id = s.mcp_id, stream_type = "Audio", name = s.name,
    state = results.state_name(code), code = code,
    stream_urls = json.array(copy_list(s.stream_urls)), current_url = s.stream_urls[1],
    region = project.region, user_defined = user_defined_view(s.user_defined),
    pitch_shift = 0, check_pitch_shift = 0, remark = s.remark or "",
    created_at = s.created_at, updated_at = s.updated_at or s.created_at, record_video = 0,
    stream_rec_type = 0, epg = "", config = config_view(ctx.state:get("cs_configs", s.config_id)),
    timemap = s.timemap or 0, ucf = 0,
  }, STREAM)
end

-- Rules ---------------------------------------------------------------------------

local NAME = { validate.max_length(255) }
local SCHEMES = { http = true, https = true, rtmp = true, rtmps = true, rtsp = true, mms = true,
  mmsh = true, rtp = true, udp = true, srt = true }

local function url_host(url)
  local scheme, host = url:match("^(%a[%w+.-]*)://([^%s/?#]+)")
  if not scheme or not SCHEMES[scheme:lower()] then return nil end
  -- user:pass@host:port -> host
  return (host:gsub("^.*@", ""):gsub(":%d*$", ""):lower())
end

-- Rule: each URL is a string with a scheme a stream can have.
local function stream_urls_rule(value, name)
  local errs = {}
  for i, v in ipairs(value) do
    local key = name .. "." .. (i - 1)
    if type(v) ~= "string" then
      errs[#errs + 1] = { key, "The " .. key .. " must be a string." }
    elseif not url_host(v) then
      errs[#errs + 1] = { key, "The " .. key .. " format is invalid." }
    end
  end
  if #errs > 0 then return errs end
end

local function config_rule(value, name, ctx)
  if not ctx.state:get("cs_configs", value) then
    return "The selected " .. validate.attribute(name) .. " is invalid."
  end
end

-- Running, or Invalid URL when every URL is on a ".invalid" host.
local function url_code(urls)
  for _, u in ipairs(urls) do
    local host = url_host(u)
    if host and not (host == "invalid" or host:match("%.invalid$")) then
      return results.RUNNING
    end
  end
  return results.INVALID_URL
end

-- A new state, from now on (results.add_event), announced to the project's
-- state notification.
local function set_code(ctx, s, code)
  if results.current_code(s.events) == code then return end
  local now = ctx.state:now()
  results.add_event(s.events, now, code)
  ctx.state:announce({ at = now, area = "cs", pid = s.mcp_id, stream_id = s.stream_id,
    stream_name = s.name, code = code })
end
M.set_code = set_code

-- "s-a, s-b" -> the streams, each once, in the order given; 404 for the
-- first id that names no stream of the project.
local function streams_named(project, ids)
  return common.named(ids, "BmCsStream", function(id) return project.streams[id] end)
end

-- Projects ---------------------------------------------------------------------------

R.create_cs_project = {
  name = NAME,
  buckets = { common.bucket_ids_rule },
  external_ids = { common.external_ids_rule },
}

function H.create_cs_project(ctx)
  local p, state = ctx.params, ctx.state
  local now = common.sql_time(state:now())
  local rec = state:insert("cs_projects", {
    name = p.name, region = p.region, type = p.type or "BM-ACRC",
    buckets = common.bucket_ids(p.buckets),
    external_ids = p.external_ids and common.external_ids(p.external_ids) or {},
    metadata_template = p.metadata_template or "", created_at = now, updated_at = now,
    streams = {},
  })
  new_settings(rec)
  return 201, { data = project_view(rec, ctx) }
end

function H.list_cs_projects(ctx)
  return common.list_filtered(ctx, "cs_projects", project_view, "type", "types")
end

function H.get_cs_project(ctx)
  return 200, { data = project_view(project_of(ctx), ctx) }
end

R.update_cs_project = {
  name = NAME,
  buckets = { common.bucket_ids_rule },
  external_ids = { common.external_ids_rule },
}

function H.update_cs_project(ctx)
  local rec, p = project_of(ctx), ctx.params
  if p.name then rec.name = p.name end
  if p.buckets then rec.buckets = common.bucket_ids(p.buckets) end
  if p.external_ids then rec.external_ids = common.external_ids(p.external_ids) end
  if p.metadata_template then rec.metadata_template = p.metadata_template end
  rec.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = project_view(rec, ctx) }
end

function H.delete_cs_project(ctx)
  local rec = project_of(ctx)
  for sid in pairs(rec.streams) do ctx.state.user_reports[report_key(rec.id, sid)] = nil end
  ctx.state:remove("cs_projects", rec.id)
  return 204
end

-- Callbacks: the answer is the project, its config showing the settings.
-- Fields left out keep their values.
R.set_cs_project_result_callback = common.result_callback_rules()

function H.set_cs_project_result_callback(ctx)
  local rec = project_of(ctx)
  common.set_result_callback(rec.callback_result, ctx.params, ctx.state:now())
  rec.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = project_view(rec, ctx) }
end

local EMAIL = { validate.matches("^[^%s@]+@[^%s@]+%.[^%s@]+$", "must be a valid email address") }

-- Frequency: 0 high, 1 low, 2 none (the CLI's words).
R.set_cs_project_state_notification = {
  state_notification_url = { validate.url },
  state_notification_email = EMAIL,
}

function H.set_cs_project_state_notification(ctx)
  local rec, p = project_of(ctx), ctx.params
  local url, email = p.state_notification_url, p.state_notification_email
  local frequency = p.state_notification_email_frequency
  if url == nil and email == nil and frequency == nil then
    validate.fail("state_notification_url", "The state notification url field is required " ..
      "when none of state notification email / state notification email frequency are present.")
  end
  if url then
    rec.callback_state.enabled = 1
    rec.callback_state.url = url
    -- State changes are delivered from now on (deliveries.lua).
    rec.callback_state.watermark = rec.callback_state.watermark or ctx.state:now()
  end
  local es = rec.email_state
  if email then
    es.email = email
    -- An address with the frequency still at "none" would never hear
    -- anything: giving one alone turns mails on.
    if frequency == nil and es.type == 2 then es.type = 0 end
  end
  if frequency ~= nil then es.type = common.int(frequency) end
  rec.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = project_view(rec, ctx) }
end

-- Whether the project's buckets give music results (ACRCloud Music) and
-- the custom bucket its custom results name.
local function recognition(project, ctx)
  local music, custom = false, nil
  for _, id in ipairs(project.buckets) do
    local b = ctx.state:get("buckets", id)
    if b and b.type == "ACRCloudFile" then
      music = true
    elseif b and not custom then
      custom = b.id
    end
  end
  return music, custom
end
M.recognition = recognition

-- Analytics over the project's streams. Only the "date" rows are
-- documented; the other row shapes are invented (see results.lua).

local function stream_source(s)
  return { key = "cs:" .. s.stream_id, events = s.events, id = s.stream_id, name = s.name,
    id_name = "stream_id", name_field = "stream_name" }
end
M.stream_source = stream_source

-- A project's streams in the order they were added.
local function sorted_streams(project) return common.sorted(project.streams, "seq") end
M.sorted_streams = sorted_streams

-- analytics(ctx, project, sources): shared with the Broadcast Database.
function M.analytics(ctx, project, sources)
  local p = ctx.params
  if p.result_type == "custom" and (p.stats_type == "artists" or p.stats_type == "label") then
    validate.fail("stats_type", "The selected stats type is invalid.")
  end
  local music, custom = recognition(project, ctx)
  if p.result_type == "music" and not music then
    validate.fail("result_type", "The project is not bound to ACRCloud Music.")
  end
  return 200, { data = results.analytics(project.id, sources, {
    now = ctx.state:now(), stats_type = p.stats_type, result_type = p.result_type,
    music = music, custom_bucket = custom,
  }) }
end

function H.get_cs_project_analytics(ctx)
  local project = project_of(ctx)
  local sources = {}
  for i, s in ipairs(sorted_streams(project)) do sources[i] = stream_source(s) end
  return M.analytics(ctx, project, sources)
end

-- Streams ----------------------------------------------------------------------------------

R.add_stream = {
  name = NAME,
  stream_urls = { stream_urls_rule },
  config_id = { config_rule },
}

-- Stream ids: "s-" and six letters or digits, drawn from the order of
-- addition (so they repeat run after run without shifting the keys other
-- areas draw from state:random_string), never one in use.
local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

local function new_stream_id(state)
  local salt = 0
  while true do
    local r = results.rng("stream-id|" .. state.stream_seq .. "|" .. salt)
    local chars = {}
    for i = 1, 6 do
      local k = r:next() % #ALPHABET + 1
      chars[i] = ALPHABET:sub(k, k)
    end
    local id = "s-" .. table.concat(chars)
    local used = false
    for _, p in pairs(state.cs_projects.items) do
      if p.streams[id] then used = true end
    end
    if not used then return id end
    salt = salt + 1
  end
end

function H.add_stream(ctx)
  local project, p, state = project_of(ctx), ctx.params, ctx.state
  local now = state:now()
  local urls = copy_list(p.stream_urls)
  local s = state:add_stream(project, {
    stream_id = new_stream_id(state), name = p.name, config_id = p.config_id,
    stream_urls = urls, user_defined = p.user_defined, remark = "",
    created_at = common.sql_time(now), updated_at = common.sql_time(now), timemap = 0,
    events = { { at = now, code = url_code(urls) } },
  })
  return 201, { data = stream_view(s, ctx, project) }
end

local function search_text(s)
  local parts = { s.name, s.stream_id, s.remark or "" }
  for _, u in ipairs(s.stream_urls) do parts[#parts + 1] = u end
  local ud = s.user_defined
  if type(ud) == "table" then
    parts[#parts + 1] = json.encode(ud)
  elseif ud ~= nil then
    parts[#parts + 1] = tostring(ud)
  end
  return table.concat(parts, "\n"):lower()
end

function H.list_streams(ctx)
  local project, p = project_of(ctx), ctx.params
  local search = p.search_value and p.search_value:lower()
  local timemap = p.timemap ~= nil and common.int(p.timemap) or nil
  local list = {}
  for _, s in pairs(project.streams) do
    local keep = results.state_matches(p.state, results.current_code(s.events)) and
      (timemap == nil or (s.timemap or 0) == timemap) and
      (not search or search_text(s):find(search, 1, true) ~= nil)
    if keep then list[#list + 1] = s end
  end
  local key = p.sort or "created_at"
  local desc = (p.order or "desc") == "desc"
  table.sort(list, function(a, b)
    local x, y = a[key], b[key]
    if key == "created_at" or x == y then x, y = a.seq, b.seq end
    if desc then return x > y end
    return x < y
  end)
  -- The CLI asks for 50 a page; so does the emulator when not told.
  ctx.params.per_page = p.per_page or 50
  return 200, common.paginate(ctx, list, function(s) return stream_view(s, ctx, project) end)
end

R.update_stream = {
  name = NAME,
  stream_urls = { stream_urls_rule },
  config_id = { config_rule },
}

function H.update_stream(ctx)
  local project, s, p = project_of(ctx), ctx.bound.stream_id, ctx.params
  if p.name then s.name = p.name end
  if p.config_id then s.config_id = p.config_id end
  if p.user_defined ~= nil then s.user_defined = p.user_defined end
  if p.stream_urls then
    s.stream_urls = copy_list(p.stream_urls)
    -- New URLs are tried at once, unless the stream is paused.
    if results.current_code(s.events) ~= results.PAUSED then
      set_code(ctx, s, url_code(s.stream_urls))
    end
  end
  s.updated_at = common.sql_time(ctx.state:now())
  return 200, { data = stream_view(s, ctx, project) }
end

function H.delete_streams(ctx)
  local project = project_of(ctx)
  for _, s in ipairs(streams_named(project, ctx.params.stream_ids)) do
    project.streams[s.stream_id] = nil
    ctx.state.user_reports[report_key(project.id, s.stream_id)] = nil
    ctx.state:announce({ at = ctx.state:now(), area = "cs", pid = project.id,
      stream_id = s.stream_id, stream_name = s.name, code = 10 })
  end
  return 204
end

-- Pause and restart answer the streams they changed (an invented shape:
-- {"data": [stream, ...]}).
local function change_state(ctx, code_of)
  local project = project_of(ctx)
  local out = json.array()
  for _, s in ipairs(streams_named(project, ctx.params.stream_ids)) do
    set_code(ctx, s, code_of(s))
    s.updated_at = common.sql_time(ctx.state:now())
    out[#out + 1] = stream_view(s, ctx, project)
  end
  return 200, { data = out }
end

function H.pause_streams(ctx)
  return change_state(ctx, function() return results.PAUSED end)
end

function H.restart_streams(ctx)
  return change_state(ctx, function(s) return url_code(s.stream_urls) end)
end

-- Results, state, recordings ----------------------------------------------------------------

local RESULTS_RULES = {
  date = { results.day_rule },
  min_duration = { results.non_negative },
  max_duration = { results.non_negative },
  isrc_country = { validate.matches("^%a%a$", "must be 2 characters") },
}
local UNKNOWN_RULES = {
  date = { results.day_rule },
  min_duration = { results.non_negative },
  max_duration = { results.non_negative },
}

-- Offsets run from UTC-12 (720) to UTC+14 (-840), in minutes.
local function offset_of(value)
  local n = math.tointeger(tonumber(value))
  if n and n >= -840 and n <= 720 then return n end
end

local MAX_STATE_DAYS = 31

local STATE_RULES = {
  timeoffset = { function(value, name)
    if not offset_of(value) then
      return "The " .. validate.attribute(name) .. " must be an integer between -840 and 720."
    end
  end },
  start_date = { results.day_rule },
  end_date = { results.day_rule },
}

local RECORDING_RULES = {
  timestamp_utc = { results.stamp_rule },
  played_duration = { validate.min_integer(1) },
  record_before = { validate.min_integer(0) },
  record_after = { validate.min_integer(0) },
}

-- results_answer(ctx, project, source): a day's results (type=day) or the
-- last one (type=last) for the `date` given, today (UTC) by default.
local function results_answer(ctx, project, source)
  local p = ctx.params
  local now = ctx.state:now()
  local music, custom = recognition(project, ctx)
  local day = p.date and results.parse_day(p.date) or now // 86400
  return 200, { data = results.results(source, day, {
    now = now, music = music, custom_bucket = custom, min_duration = p.min_duration,
    max_duration = p.max_duration, isrc_country = p.isrc_country,
    with_false_positive = p.with_false_positive and common.int(p.with_false_positive),
    last = p.type == "last",
  }) }
end

local function unknown_answer(ctx, source)
  local p = ctx.params
  return 200, { data = results.unknown_results(source, results.parse_day(p.date), {
    now = ctx.state:now(), min_duration = p.min_duration, max_duration = p.max_duration,
  }) }
end

-- state_answer(ctx, source): the state list from start_date to end_date,
-- local days of `timeoffset` (default 0); both default to today there.
local function state_answer(ctx, source)
  local p = ctx.params
  local now = ctx.state:now()
  local offset = p.timeoffset ~= nil and offset_of(p.timeoffset) or 0
  local today = (now - offset * 60) // 86400
  local last = p.end_date and results.parse_day(p.end_date) or today
  local first = p.start_date and results.parse_day(p.start_date) or math.min(last, today)
  if last < first then
    validate.fail("end_date", "The end date must be a date after or equal to start date.")
  elseif last - first >= MAX_STATE_DAYS then
    validate.fail("end_date", "The end date must be at most " .. MAX_STATE_DAYS ..
      " days after start date.")
  end
  return 200, { data = results.state_report(source, first, last, offset, now) }
end

-- recording_answer(ctx, source, recorded): raw audio, or the documented 404.
local function recording_answer(ctx, source, recorded)
  if not recorded then common.raise(404, NOT_AVAILABLE) end
  local bytes, headers = results.recording(source, ctx.params, ctx.state:now())
  if not bytes then common.raise(404, NOT_AVAILABLE) end
  return 200, bytes, headers
end

-- source_operations(handlers, rules, noun, of): the four reads of a monitored source,
-- get_<noun>_results, get_<noun>_unknown_results, get_<noun>_state and
-- get_<noun>_recording, for the streams here and the Broadcast Database
-- channels alike. `of.project(ctx)` and `of.source(ctx)` find what the call
-- names; `of.recorded(ctx)` says whether that source keeps recordings.
function M.source_operations(handlers, rules, noun, of)
  local name = "get_" .. noun
  rules[name .. "_results"] = RESULTS_RULES
  rules[name .. "_unknown_results"] = UNKNOWN_RULES
  rules[name .. "_state"] = STATE_RULES
  rules[name .. "_recording"] = RECORDING_RULES
  handlers[name .. "_results"] = function(ctx)
    return results_answer(ctx, of.project(ctx), of.source(ctx))
  end
  handlers[name .. "_unknown_results"] = function(ctx)
    return unknown_answer(ctx, of.source(ctx))
  end
  handlers[name .. "_state"] = function(ctx) return state_answer(ctx, of.source(ctx)) end
  handlers[name .. "_recording"] = function(ctx)
    return recording_answer(ctx, of.source(ctx), of.recorded(ctx))
  end
end

-- Streams keep recordings when their monitoring config says so.
M.source_operations(H, R, "stream", {
  project = project_of,
  source = function(ctx) return stream_source(ctx.bound.stream_id) end,
  recorded = function(ctx)
    local config = ctx.state:get("cs_configs", ctx.bound.stream_id.config_id)
    return config and config.record.record == 1
  end,
})

return M
