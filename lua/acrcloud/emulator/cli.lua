-- The emulator's command line: scripts/emulator.lua calls main(arg).
local spawn = require "acrcloud.emulator.spawn"

local M = {}

M.USAGE = [[
usage: acrlua scripts/emulator.lua [options]

Runs a local emulator of the ACRCloud Console API until interrupted.

  --port N        port to listen on (default 8080; 0 picks a free one)
  --host ADDR     address to listen on (default 127.0.0.1)
  --token TOKEN   the Bearer token clients must send (default: the
                  ACRCLOUD_ACCESS_TOKEN environment variable; without
                  either, a random token is made and shown on stderr)
  --lifetime S    stop after S seconds
  --quiet         do not log requests to stderr
  -h, --help      show this help

The API's base URL is printed on the first line of stdout, for example
http://127.0.0.1:8080/api
]]

local function fail(msg)
  io.stderr:write("emulator: ", msg, "\n", M.USAGE)
  return 2
end

-- parse(args) -> options | nil, message | "help"
function M.parse(args)
  local opts = { host = "127.0.0.1", port = 8080 }
  local i = 1
  while i <= #args do
    local a = args[i]
    local name, inline = a:match("^%-%-([%w-]+)=(.*)$")
    name = name or a:match("^%-%-([%w-]+)$")
    local function value()
      if inline then return inline end
      i = i + 1
      if args[i] == nil then return nil end
      return args[i]
    end
    if a == "-h" or a == "--help" then
      return "help"
    elseif name == "quiet" and not inline then
      opts.quiet = true
    elseif name == "port" or name == "host" or name == "token" or name == "lifetime" then
      local v = value()
      if v == nil or v == "" then return nil, "--" .. name .. " needs a value" end
      if name == "port" then
        local n = math.tointeger(tonumber(v))
        if not n or n < 0 or n > 65535 or not v:match("^%d+$") then
          return nil, "--port must be a number from 0 to 65535"
        end
        opts.port = n
      elseif name == "lifetime" then
        local n = tonumber(v)
        if not n or n <= 0 then return nil, "--lifetime must be a positive number of seconds" end
        opts.lifetime = n
      else
        opts[name] = v
      end
    else
      return nil, "unknown argument '" .. a .. "'"
    end
    i = i + 1
  end
  return opts
end

function M.main(args)
  local opts, err = M.parse(args or {})
  if opts == "help" then
    io.stdout:write(M.USAGE)
    return 0
  elseif not opts then
    return fail(err)
  end
  local generated = false
  if not opts.token then
    local env = os.getenv("ACRCLOUD_ACCESS_TOKEN")
    if env and env ~= "" then
      opts.token = env
    else
      opts.token = spawn.random_token()
      generated = true
    end
  end
  if opts.token:find("[%s%c]") then return fail("the token must not contain spaces") end
  local ok, server = pcall(require("acrcloud.emulator.server").new, opts)
  if not ok then
    io.stderr:write("emulator: ", tostring(server), "\n")
    return 1
  end
  io.stdout:write(server.url, "\n")
  io.stdout:flush()
  -- Only a token made up here is shown; one the user gave (perhaps a real
  -- one) never is.
  if generated then io.stderr:write("emulator: token ", opts.token, "\n") end
  if not opts.quiet then
    io.stderr:write("emulator: ACRCloud Console API emulator on ", server.url,
      opts.lifetime and string.format(" for %gs", opts.lifetime) or "", "\n")
  end
  server:run(opts.lifetime)
  return 0
end

return M
