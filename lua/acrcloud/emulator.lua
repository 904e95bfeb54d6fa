-- A local emulator of the ACRCloud Console API.
--
-- It serves the endpoint table's operations under /api on a real HTTP server
-- (libmicrohttpd, through acrcloud.httpd), keeps its state in memory, checks
-- the Bearer token and answers like the API (401, 404, 422 with field
-- errors). Routes come from `require("acrcloud").operations`; behaviour
-- from the handler modules under acrcloud/emulator/handlers/.
--
--   local emulator = require "acrcloud.emulator"
--   -- in this process, blocking:
--   emulator.serve{ port = 8080, token = "demo-token" }
--   -- as a child process, for tests:
--   local emu <close> = emulator.spawn{ token = "t" }  -- emu.url, emu.pid
--   -- stepping it from your own loop:
--   local server = emulator.start{ token = "t" }; server:step(0.1); server:close()
local cli = require "acrcloud.emulator.cli"
local routes = require "acrcloud.emulator.routes"
local spawn = require "acrcloud.emulator.spawn"

local M = {}

-- start{ host = "127.0.0.1", port = 0, token =, quiet = false } -> server
-- with :step(max_wait), :run([lifetime]), :close(), .url, .port, .state
function M.start(opts)
  return require("acrcloud.emulator.server").new(opts)
end

-- serve{ host = "127.0.0.1", port = 8080, token = <or ACRCLOUD_ACCESS_TOKEN>,
--        lifetime = nil | seconds, quiet = false, on_listen = function(url) }
-- Runs the emulator in this process until its lifetime ends (forever
-- without one).
function M.serve(opts)
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  o.port = o.port or 8080
  o.token = o.token or os.getenv("ACRCLOUD_ACCESS_TOKEN")
  if not o.token or o.token == "" then error("emulator.serve needs a token", 2) end
  local server = M.start(o)
  if o.on_listen then o.on_listen(server.url) end
  server:run(o.lifetime)
end

M.spawn = spawn.spawn
M.main = cli.main

-- Names of the endpoint table's operations the emulator has no handler for
-- (they answer 501).
function M.missing_handlers()
  local handlers = routes.load()
  return routes.missing(routes.operations(), handlers)
end

-- The handlers, by operation name.
function M.handlers()
  return (routes.load())
end

return M
