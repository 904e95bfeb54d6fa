-- Routes for tests under /api/_emulator/ (the same Bearer token as the
-- API). See the README section for their use.
--
--   GET    /_emulator/state                         what the emulator holds
--   POST   /_emulator/reset                         back to the seed data, no faults
--   GET    /_emulator/operations                    operations, and which have handlers
--   GET    /_emulator/requests                      the last API requests received
--   GET    /_emulator/user-reports/{pid}/{stream_id} reports stored for a stream
--   GET    /_emulator/faults                        faults still pending
--   POST   /_emulator/faults                        add a fault
--   DELETE /_emulator/faults                        remove all faults
--   GET    /_emulator/clock                         the emulator's time
--   POST   /_emulator/clock                         {"advance": s}: move it, deliver callbacks
--   POST   /_emulator/states                        set a stream's or channel's state
--   GET    /_emulator/deliveries                    the callbacks delivered (the last 1000)
--   GET    /_emulator/delivery-faults               delivery faults still pending
--   POST   /_emulator/delivery-faults               add one (duplicate, reorder, delay)
--   DELETE /_emulator/delivery-faults               remove them all
local common = require "acrcloud.emulator.common"
local deliveries = require "acrcloud.emulator.deliveries"
local json = require "acrcloud.emulator.json"
local router = require "acrcloud.emulator.router"
local state_mod = require "acrcloud.emulator.state"
local validate = require "acrcloud.emulator.validate"

local M = {}

local function ids(state, name)
  local out = json.array()
  for i, rec in ipairs(state:list(name)) do out[i] = rec.id end
  return out
end

local routes = {}

routes[#routes + 1] = { "GET", "/_emulator/state", function(server)
  local st = server.state
  local cs = json.array()
  for _, p in ipairs(st:list("cs_projects")) do
    local streams = {}
    for sid in pairs(p.streams) do streams[#streams + 1] = sid end
    table.sort(streams)
    cs[#cs + 1] = json.object({ id = p.id, name = p.name, region = p.region,
      streams = json.array(streams) }, { "id", "name", "region", "streams" })
  end
  local reports = {}
  for key, list in pairs(st.user_reports) do reports[key] = #list end
  return 200, { data = {
    buckets = ids(st, "buckets"), base_projects = ids(st, "base_projects"),
    bd_projects = ids(st, "bd_projects"), cs_projects = cs, user_reports = reports,
    faults = server.faults:views(), requests = server.request_count,
  } }
end }

routes[#routes + 1] = { "POST", "/_emulator/reset", function(server)
  server.state = state_mod.new(server.seeders)
  server.faults:clear()
  server.deliveries:clear()
  server.recent = {}
  return 200, { data = { reset = true } }
end }

routes[#routes + 1] = { "GET", "/_emulator/operations", function(server)
  local out = json.array()
  for _, op in ipairs(server.operations) do
    out[#out + 1] = json.object({ name = op.name, method = op.method, path = op.path,
      implemented = server.handlers[op.name] ~= nil },
      { "name", "method", "path", "implemented" })
  end
  return 200, { data = out }
end }

routes[#routes + 1] = { "GET", "/_emulator/requests", function(server)
  return 200, { data = json.array(server.recent) }
end }

routes[#routes + 1] = { "GET", "/_emulator/user-reports/{pid}/{stream_id}",
  function(server, params)
    local project = server.state:get("cs_projects", params.pid)
    if not project then common.not_found("BmCsProject", params.pid) end
    if not project.streams[params.stream_id] then
      common.not_found("BmCsStream", params.stream_id)
    end
    local list = server.state.user_reports[state_mod.report_key(project.id, params.stream_id)] or {}
    return 200, { data = json.array(list) }
  end }

routes[#routes + 1] = { "GET", "/_emulator/faults", function(server)
  return 200, { data = server.faults:views() }
end }

routes[#routes + 1] = { "POST", "/_emulator/faults", function(server, _, body)
  local known = {}
  for _, op in ipairs(server.operations) do known[op.name] = true end
  return 201, { data = server.faults:add(body, known, server.mount) }
end }

routes[#routes + 1] = { "DELETE", "/_emulator/faults", function(server)
  server.faults:clear()
  return 204
end }

-- The clock and the callbacks -------------------------------------------------

local function clock_view(server)
  local st = server.state
  return json.object({ now = common.sql_time(st:now()), offset = st.clock_offset },
    { "now", "offset" })
end

routes[#routes + 1] = { "GET", "/_emulator/clock", function(server)
  return 200, { data = clock_view(server) }
end }

-- {"advance": seconds}: moves the clock forward, then delivers every
-- callback due by the new time and answers once they are all sent.
routes[#routes + 1] = { "POST", "/_emulator/clock", function(server, _, body)
  local advance = body.advance
  if advance == nil then advance = 0 end
  local n = math.type(advance) == "integer" and advance or
    (type(advance) == "string" and advance:match("^%d+$") and math.tointeger(tonumber(advance)))
  if not n or n < 0 or n > deliveries.MAX_ADVANCE then
    validate.fail("advance", "The advance must be a whole number of seconds from 0 to " ..
      deliveries.MAX_ADVANCE .. ".")
  end
  server.state:advance(n)
  local sent = server.deliveries:run(server, server.state:now())
  local ok, failed = 0, 0
  for _, e in ipairs(sent) do
    if e.status and e.status >= 200 and e.status <= 299 then
      ok = ok + 1
    else
      failed = failed + 1
    end
  end
  local shown = json.array()
  for i = math.max(1, #sent - deliveries.ANSWER_MAX + 1), #sent do shown[#shown + 1] = sent[i] end
  local view = clock_view(server)
  return 200, { data = json.object({ now = view.now, offset = view.offset, advanced = n,
    delivered = ok, failed = failed, held = #server.deliveries.held, deliveries = shown },
    { "now", "offset", "advanced", "delivered", "failed", "held", "deliveries" }) }
end }

local SETTABLE = { [0] = true, [1] = true, [4] = true, [6] = true, [12] = true }

-- {"stream_id": "s-...", "code": 1} or {"channel_id": 100251, "code": 12}:
-- a Custom Streams stream's or a Broadcast Database channel's state from
-- now on, as the monitoring would find it (announced to the projects'
-- state notifications; delivered at the next POST /_emulator/clock).
routes[#routes + 1] = { "POST", "/_emulator/states", function(server, _, body)
  local code = math.tointeger(body.code)
  if not code or not SETTABLE[code] then
    validate.fail("code", "The code must be one of 0, 1, 4, 6, 12 (10, deleted: delete it).")
  end
  local st = server.state
  if body.channel_id ~= nil then
    local c = require("acrcloud.emulator.handlers.bd_channels").set_state(st, body.channel_id,
      code)
    if not c then common.not_found("BmBdChannel", body.channel_id) end
    return 200, { data = json.object({ channel_id = c.id, code = code,
      state = deliveries.STATE_NAMES[code], at = common.sql_time(st:now()) },
      { "channel_id", "code", "state", "at" }) }
  end
  if type(body.stream_id) ~= "string" then
    validate.fail("stream_id", "The stream id field is required when channel id is not present.")
  end
  for _, p in ipairs(st:list("cs_projects")) do
    local s = p.streams[body.stream_id]
    if s then
      require("acrcloud.emulator.handlers.streams").set_code({ state = st }, s, code)
      return 200, { data = json.object({ stream_id = s.stream_id, code = code,
        state = deliveries.STATE_NAMES[code], at = common.sql_time(st:now()) },
        { "stream_id", "code", "state", "at" }) }
    end
  end
  common.not_found("BmCsStream", body.stream_id)
end }

routes[#routes + 1] = { "GET", "/_emulator/deliveries", function(server)
  return 200, { data = json.array(server.deliveries.log) }
end }

routes[#routes + 1] = { "GET", "/_emulator/delivery-faults", function(server)
  return 200, { data = server.deliveries:fault_views() }
end }

routes[#routes + 1] = { "POST", "/_emulator/delivery-faults", function(server, _, body)
  local view, errors = server.deliveries:add_fault(body)
  if not view then
    local e = validate.errors()
    for field, message in pairs(errors) do e:add(field, message) end
    error(validate.failure(e), 0)
  end
  return 201, { data = view }
end }

routes[#routes + 1] = { "DELETE", "/_emulator/delivery-faults", function(server)
  server.deliveries.faults = {}
  return 204
end }

-- The admin router; route values are functions (server, params, body).
function M.router()
  local r = router.new()
  for _, route in ipairs(routes) do r:add(route[1], route[2], route[3]) end
  return r
end

return M
