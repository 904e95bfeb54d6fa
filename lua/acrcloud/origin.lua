-- The origin ("http://host:port") at which a local server (the emulator,
-- the callback receiver) that listens on `host` can be reached: a wildcard
-- address becomes the loopback one, an IPv6 address goes in brackets.
--
--   local origin = require "acrcloud.origin"
--   origin.http("0.0.0.0", 8080) --> "http://127.0.0.1:8080"
local M = {}

local function url_host(host)
  if host == "0.0.0.0" then return "127.0.0.1" end
  if host == "::" then return "[::1]" end
  if host:find(":", 1, true) then return "[" .. host .. "]" end
  return host
end

function M.http(host, port)
  return "http://" .. url_host(host) .. ":" .. port
end

return M
