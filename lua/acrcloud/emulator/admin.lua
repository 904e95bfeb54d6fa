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
local common = require "acrcloud.emulator.common"
local json = require "acrcloud.emulator.json"
local router = require "acrcloud.emulator.router"
local state_mod = require "acrcloud.emulator.state"

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
  server.state = state_mod.new()
  server.faults:clear()
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
    local list = server.state.user_reports[project.id .. "/" .. params.stream_id] or {}
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

-- The admin router; route values are functions (server, params, body).
function M.router()
  local r = router.new()
  for _, route in ipairs(routes) do r:add(route[1], route[2], route[3]) end
  return r
end

return M
