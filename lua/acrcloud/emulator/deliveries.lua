-- The emulator's callbacks: what its simulated monitoring POSTs to the
-- result callback and state notification URLs of Broadcast Database and
-- Custom Streams projects, in the shapes of spec/bd-projects.txt.
--
-- Nothing is sent on its own: the emulator's clock starts at the real time
-- and deliveries happen when it is advanced (POST /api/_emulator/clock,
-- admin.lua), for everything that happened since the last advance:
--   * results (and no-results, with send_noresult) of every channel or
--     stream of a project whose result callback is set, from the time it
--     was set (results.due: realtime or delay, JSON or form);
--   * state changes of those sources for projects whose state notification
--     is set: the ones the monitoring finds (short Mute and Timeout spells,
--     results.outage_changes) and the ones made through the API (a Custom
--     Streams stream paused, restarted, deleted) or through POST
--     /api/_emulator/states (state.lua's announce()).
-- Each delivery is one POST through the acrcloud client, with a short
-- timeout (TIMEOUT, CONNECT_TIMEOUT): the emulator serves nothing else
-- meanwhile, so a receiver that hangs holds it up that long per delivery,
-- no longer. Nothing is retried; a failure is logged (GET
-- /api/_emulator/deliveries). Admin faults (POST
-- /api/_emulator/delivery-faults) duplicate a delivery, swap two, or hold
-- one back.
local faults = require "acrcloud.emulator.faults"
local json = require "acrcloud.emulator.json"
local by = require("acrcloud.order").by
local process = require "acrcloud.process"
local results = require "acrcloud.emulator.results"

local M = {}

M.TIMEOUT = 2          -- seconds for a whole delivery
M.CONNECT_TIMEOUT = 1  -- seconds to connect
M.LOG_MAX = 1000       -- deliveries kept in the log
M.ANSWER_MAX = 100     -- deliveries listed in the clock route's answer
M.MAX_ADVANCE = 7 * 86400
M.TOKEN = "emulator-delivery"

-- State names of the v2 posts (the spec's example: 6 is "invalid_url").
M.STATE_NAMES = { [0] = "running", [1] = "timeout", [4] = "paused", [6] = "invalid_url",
  [10] = "deleted", [12] = "mute" }

local Deliveries = {}
Deliveries.__index = Deliveries

function M.new()
  return setmetatable({ faults = {}, fault_seq = 0, held = {}, log = {}, seq = 0 }, Deliveries)
end

-- Faults ------------------------------------------------------------------------------

local FAULT = { "id", "kind", "callback", "count", "delay" }

-- add_fault(spec) -> view | nil, { field = message }
-- spec: kind "duplicate" | "reorder" | "delay", count (default 1),
-- callback "result" | "state" (default both), delay (seconds of the
-- emulator's clock, for "delay": the delivery goes out at the first advance
-- that reaches its time plus this, after the ones that came after it).
function Deliveries:add_fault(spec)
  local errors = {}
  local kind = spec.kind
  if kind ~= "duplicate" and kind ~= "reorder" and kind ~= "delay" then
    errors.kind = "The kind must be duplicate, reorder or delay."
  end
  local count = spec.count == nil and 1 or math.tointeger(spec.count)
  if not count or count < 1 then errors.count = "The count must be an integer of at least 1." end
  local callback = spec.callback
  if callback ~= nil and callback ~= "result" and callback ~= "state" then
    errors.callback = "The callback must be result or state."
  end
  local delay = spec.delay == nil and 0 or math.tointeger(spec.delay)
  if not delay or delay < 0 or delay > M.MAX_ADVANCE then
    errors.delay = "The delay must be a whole number of seconds from 0 to " .. M.MAX_ADVANCE .. "."
  end
  if next(errors) then return nil, errors end
  self.fault_seq = self.fault_seq + 1
  local f = { id = self.fault_seq, kind = kind, callback = callback, count = count,
    delay = kind == "delay" and delay or nil }
  self.faults[#self.faults + 1] = f
  return json.object({ id = f.id, kind = f.kind, callback = f.callback, count = f.count,
    delay = f.delay }, FAULT)
end

function Deliveries:fault_views()
  local out = json.array()
  for i, f in ipairs(self.faults) do
    out[i] = json.object({ id = f.id, kind = f.kind, callback = f.callback, count = f.count,
      delay = f.delay }, FAULT)
  end
  return out
end

function Deliveries:clear()
  self.faults, self.held, self.log = {}, {}, {}
end

-- The first fault that applies to a delivery, one of its count used up.
function Deliveries:take_fault(d)
  return faults.take(self.faults, function(f)
    return f.callback == nil or f.callback == d.callback
  end)
end

-- Payloads -----------------------------------------------------------------------------

local RESULT_POST = { "stream_id", "stream_name", "stream_country", "bucket_id", "status",
  "user_defined", "data" }
local STATE_ITEM = { "stream_name", "code", "timestamp", "stream_id", "state", "type" }

local function form_escape(s)
  return (s:gsub("[^%w%-._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

-- The body of a post: JSON (send_type 2, the default) or a form whose
-- `data` field is the JSON text (send_type 1).
local function body_of(payload, send_type)
  local text = json.encode(payload)
  if send_type == 1 then
    return "data=" .. form_escape(text), "application/x-www-form-urlencoded"
  end
  return text, "application/json"
end

local function user_defined(v)
  if type(v) == "table" and next(v) ~= nil then return v end
  return json.object({}, {})
end

local function state_payload(src, code, at, send_type, project)
  local name = M.STATE_NAMES[code] or "unknown"
  local stamp = results.format_time(at)
  if send_type == 1 then
    -- The legacy flat shape, as a form: no timestamp.
    local fields = { access_key = results.hex_id("access-key|" .. project.kind .. "|" ..
      project.id), stream_id = src.stream_id, status = name, code = tostring(code),
      type = "unknown" }
    local parts = {}
    for _, k in ipairs({ "access_key", "stream_id", "status", "code", "type" }) do
      parts[#parts + 1] = k .. "=" .. form_escape(fields[k])
    end
    return table.concat(parts, "&"), "application/x-www-form-urlencoded", stamp
  end
  local payload = json.object({ status = json.array({ json.object({
    stream_name = src.stream_name, code = code, timestamp = stamp, stream_id = src.stream_id,
    state = name, type = "unknown" }, STATE_ITEM) }) }, { "status" })
  return json.encode(payload), "application/json", stamp
end

-- Planning -----------------------------------------------------------------------------

-- The projects with callbacks, and their sources: { kind = "bd" | "cs",
-- id =, record =, sources = { { source (results.lua), stream_id, stream_name,
-- stream_country, user_defined } } }
local function projects(state)
  local bd_channels = require "acrcloud.emulator.handlers.bd_channels"
  local streams = require "acrcloud.emulator.handlers.streams"
  local ctx = { state = state }
  local out = {}
  for _, p in ipairs(state:list("bd_projects")) do
    local list = {}
    for _, ch in ipairs(bd_channels.sorted_channels(p)) do
      local c = state:get("bd_catalog", ch.id)
      list[#list + 1] = { source = bd_channels.source_of(ch, ctx), stream_id = tostring(ch.id),
        stream_name = c.name, stream_country = c.country, user_defined = ch.user_defined }
    end
    out[#out + 1] = { kind = "bd", id = p.id, record = p, sources = list }
  end
  for _, p in ipairs(state:list("cs_projects")) do
    local list = {}
    for _, s in ipairs(streams.sorted_streams(p)) do
      list[#list + 1] = { source = streams.stream_source(s), stream_id = s.stream_id,
        stream_name = s.name, user_defined = s.user_defined }
    end
    out[#out + 1] = { kind = "cs", id = p.id, record = p, sources = list }
  end
  return out
end

local function result_url(p)
  local cr = p.record.callback_result
  if cr and cr.enabled == 1 and cr.diy_url and cr.diy_url ~= "" and cr.watermark then return cr end
end

local function state_url(p)
  local cs = p.record.callback_state
  if cs and cs.enabled == 1 and cs.url and cs.url ~= "" and cs.watermark then return cs end
end

-- plan(state, now) -> the deliveries due by `now`, in time order, and the
-- watermarks moved to `now`.
function Deliveries:plan(state, now)
  local streams = require "acrcloud.emulator.handlers.streams"
  local out = {}
  local function add(d)
    self.seq = self.seq + 1
    d.seq = self.seq
    out[#out + 1] = d
  end
  -- A state callback of project p (its callback_state cs) for a source.
  local function add_state(p, cs, src, change)
    local body, ctype, stamp = state_payload(src, change.code, change.at, cs.send_type, p)
    add({ at = change.at, callback = "state", kind = "state", project = p, url = cs.url,
      stream_id = src.stream_id, timestamp = stamp, code = change.code, body = body,
      content_type = ctype })
  end
  local all = projects(state)
  for _, p in ipairs(all) do
    local cr = result_url(p)
    if cr and now > cr.watermark then
      local music, custom = streams.recognition(p.record, { state = state })
      -- Custom Streams projects keep the defaults of new_settings (realtime).
      local realtime = cr.diy_result_type == 0
      for _, src in ipairs(p.sources) do
        local due = results.due(src.source, cr.watermark, now, { music = music,
          custom_bucket = custom, realtime = realtime, noresult = cr.diy_send_noresult == 1,
          result_type = realtime and 0 or 1 })
        for _, r in ipairs(due) do
          local payload = json.object({ stream_id = src.stream_id, stream_name = src.stream_name,
            stream_country = src.stream_country,
            bucket_id = p.record.buckets[1] and tostring(p.record.buckets[1]) or nil,
            status = 1, user_defined = user_defined(src.user_defined), data = r.data },
            RESULT_POST)
          local body, ctype = body_of(payload, cr.diy_send_type)
          add({ at = r.at, callback = "result", kind = r.kind, project = p, url = cr.diy_url,
            stream_id = src.stream_id, timestamp = r.data.metadata.timestamp_utc, body = body,
            content_type = ctype })
        end
      end
      cr.watermark = now
    end
    local cs = state_url(p)
    if cs and now > cs.watermark then
      for _, src in ipairs(p.sources) do
        for _, change in ipairs(results.outage_changes(src.source, cs.watermark, now)) do
          add_state(p, cs, src, change)
        end
      end
    end
  end
  -- Changes made through the API or the admin route, to the projects that
  -- had a state notification when they were made.
  for _, change in ipairs(state:take_announcements()) do
    for _, p in ipairs(all) do
      local cs = state_url(p)
      local concerned = change.area == p.kind and (change.pid == nil or change.pid == p.id) and
        (change.area == "cs" or p.record.channels[change.channel_id] ~= nil)
      if cs and concerned and change.at >= cs.watermark then
        local src = { stream_id = change.stream_id, stream_name = change.stream_name }
        add_state(p, cs, src, change)
      end
    end
  end
  for _, p in ipairs(all) do
    local cs = state_url(p)
    if cs and now > cs.watermark then cs.watermark = now end
  end
  -- Deliveries a fault held back, now due.
  local still = {}
  for _, d in ipairs(self.held) do
    if d.at <= now then out[#out + 1] = d else still[#still + 1] = d end
  end
  self.held = still
  table.sort(out, by("at", "seq"))
  return out
end

-- Sending ------------------------------------------------------------------------------

-- "http://h:1/cb?key=x" -> "http://h:1", "/cb?key=x"; nil for what is no
-- http(s) URL.
local function split_url(url)
  local origin, rest = url:match("^(https?://[^/?#]+)(.*)$")
  if not origin then return nil end
  rest = rest:gsub("#.*$", "")
  if rest == "" or rest:sub(1, 1) == "?" then rest = "/" .. rest end
  return origin, rest
end

-- The URL as logs show it: the query (a key, perhaps) left out.
local function shown_url(url)
  return (url:gsub("%?.*$", "?..."))
end

local LOG_ENTRY = { "seq", "at", "callback", "kind", "project_type", "project_id", "stream_id",
  "timestamp", "code", "url", "content_type", "status", "error", "fault", "ms" }

function Deliveries:send(server, d, clients)
  local entry = { seq = d.seq, at = results.format_time(d.at), callback = d.callback,
    kind = d.kind, project_type = d.project.kind, project_id = d.project.id,
    stream_id = d.stream_id, timestamp = d.timestamp, code = d.code, url = shown_url(d.url),
    content_type = d.content_type, fault = d.fault }
  local origin, path = split_url(d.url)
  local t0 = process.now()
  if not origin then
    entry.error = "not an http(s) URL"
  elseif server.origin and origin:lower() == server.origin:lower() then
    entry.error = "not sent: the URL is the emulator's own"
  else
    local client = clients[origin]
    if not client then
      client = require("acrcloud").new({ base_url = origin, token = M.TOKEN,
        timeout = M.TIMEOUT, connect_timeout = M.CONNECT_TIMEOUT })
      clients[origin] = client
    end
    local ok, body, info = pcall(client.request, client, "POST", path,
      { body = d.body, content_type = d.content_type })
    local err = info
    if not ok then
      entry.error = tostring(body)
    elseif body ~= nil then
      entry.status = info and info.status or 200
    elseif type(err) == "table" and err.status and err.kind ~= "network" then
      -- A 2xx answer that is not JSON ("OK") is a success too.
      entry.status = err.status
      if err.status < 200 or err.status > 299 then entry.error = tostring(err.message) end
    else
      entry.error = type(err) == "table" and (err.kind .. ": " .. tostring(err.message)) or
        tostring(err)
    end
  end
  entry.ms = math.floor((process.now() - t0) * 1e4 + 0.5) / 10
  self.log[#self.log + 1] = json.object(entry, LOG_ENTRY)
  if #self.log > M.LOG_MAX then table.remove(self.log, 1) end
  server:log("deliver %s %s %s -> %s %s %.1fms", d.callback, d.stream_id, d.timestamp,
    entry.url, entry.status or entry.error, entry.ms)
  return self.log[#self.log]
end

local function copy(d)
  local c = {}
  for k, v in pairs(d) do c[k] = v end
  return c
end

-- run(server, now) -> the log entries of what was sent: plans and sends
-- everything due by `now`, faults applied.
function Deliveries:run(server, now)
  local queue = self:plan(server.state, now)
  local clients, sent = {}, {}
  local function send(d) sent[#sent + 1] = self:send(server, d, clients) end
  local i = 1
  while i <= #queue do
    local d = queue[i]
    local f = self:take_fault(d)
    if f and f.kind == "delay" then
      local held = copy(d)
      held.at, held.fault = now + f.delay, "delayed"
      self.held[#self.held + 1] = held
    elseif f and f.kind == "reorder" and queue[i + 1] then
      local after = copy(d)
      after.fault = "reordered"
      send(queue[i + 1])
      send(after)
      i = i + 1
    elseif f and f.kind == "duplicate" then
      send(d)
      local again = copy(d)
      again.fault = "duplicate"
      send(again)
    else
      send(d)
    end
    i = i + 1
  end
  for _, c in pairs(clients) do c:close() end
  return sent
end

return M
