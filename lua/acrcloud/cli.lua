--- Command-line plumbing shared by the scripts: options, usage, exit codes,
-- and a client built from the environment.
--
--   local cli = require "acrcloud.cli"
--   local opts, args = cli.parse({
--     name = "stats.lua",
--     usage = "stats.lua [options] PROJECT START END",
--     help = "...full help text...",
--     options = {
--       { "o", "output", value = "FORMAT" },   -- takes a value
--       { nil, "apply" },                       -- a flag
--     },
--     min_args = 3, max_args = 3,
--   }, arg)
--
-- -h/--help prints the help on stdout and exits 0. A bad option or a wrong
-- number of arguments prints the usage line and the problem on stderr and
-- exits 2. Failures at run time use cli.die (exit 1).
--
-- Exit codes: 0 success, 1 failure, 2 bad usage.
local M = {}

M.EXIT_FAILURE = 1
M.EXIT_USAGE = 2

--- Prints "name: msg" on stderr and exits with `code` (default 1).
function M.die(name, msg, code)
  io.stderr:write(name, ": ", tostring(msg), "\n")
  os.exit(code or M.EXIT_FAILURE)
end

local function usage_error(spec, msg)
  io.stderr:write(spec.name, ": ", msg, "\n", "usage: ", spec.usage, "\n",
    "Try '", spec.name, " -h' for more information.\n")
  os.exit(M.EXIT_USAGE)
end

--- Parses argv without exiting. Returns opts, args; or nil, message; or
-- "help" when -h/--help was given.
function M.try_parse(spec, argv)
  local by_short, by_long = {}, {}
  for _, o in ipairs(spec.options or {}) do
    if o[1] then by_short[o[1]] = o end
    by_long[o[2]] = o
  end
  local opts, args = {}, {}
  local i = 1
  local function set(o, value)
    local key = o[2]:gsub("%-", "_")
    if o.many then
      opts[key] = opts[key] or {}
      table.insert(opts[key], value)
    else
      opts[key] = value
    end
  end
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, #argv do args[#args + 1] = argv[j] end
      break
    elseif a == "-h" or a == "--help" then
      return "help"
    elseif a:sub(1, 2) == "--" then
      local long, value = a:match("^%-%-([^=]+)=(.*)$")
      long = long or a:sub(3)
      local o = by_long[long]
      if not o then return nil, "unknown option --" .. long end
      if o.value then
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then
            return nil, "option --" .. long .. " needs a value (" .. o.value .. ")"
          end
        end
        set(o, value)
      else
        if value then return nil, "option --" .. long .. " takes no value" end
        set(o, true)
      end
    elseif a:sub(1, 1) == "-" and #a > 1 then
      local o = by_short[a:sub(2, 2)]
      if not o then return nil, "unknown option " .. a:sub(1, 2) end
      if o.value then
        local value = #a > 2 and a:sub(3) or nil
        if not value then
          i = i + 1
          value = argv[i]
          if value == nil then
            return nil, "option -" .. o[1] .. " needs a value (" .. o.value .. ")"
          end
        end
        set(o, value)
      else
        if #a > 2 then return nil, "option -" .. o[1] .. " takes no value (in " .. a .. ")" end
        set(o, true)
      end
    else
      args[#args + 1] = a
    end
    i = i + 1
  end
  if spec.min_args and #args < spec.min_args then
    return nil, #args == 0 and "missing arguments" or "too few arguments"
  end
  if spec.max_args and #args > spec.max_args then
    return nil, "too many arguments"
  end
  return opts, args
end

--- Parses argv; handles -h and usage errors itself (see above).
function M.parse(spec, argv)
  local opts, args = M.try_parse(spec, argv or {})
  if opts == "help" then
    io.stdout:write(spec.help)
    os.exit(0)
  end
  if not opts then usage_error(spec, args) end
  return opts, args
end

--- Reports a usage problem found after parsing (e.g. a bad date) and exits 2.
function M.usage_error(spec, msg)
  usage_error(spec, msg)
end

--- The text the scripts put in their help about the connection.
M.CONNECTION_HELP = [[
Connection:
  ACRCLOUD_ACCESS_TOKEN  the Console API token (required; never given on the
                         command line, where other users could see it)
  ACRCLOUD_BASE_URL      the API base URL (default https://api-v2.acrcloud.com/api;
                         point it at the emulator to try things out)
  --base-url URL         overrides ACRCLOUD_BASE_URL
]]

--- A client from ACRCLOUD_ACCESS_TOKEN and ACRCLOUD_BASE_URL (or
-- opts.base_url). Exits with a message if the token is missing.
function M.connect(name, opts)
  local acrcloud = require "acrcloud"
  local token = os.getenv("ACRCLOUD_ACCESS_TOKEN")
  if token == nil or token == "" then
    M.die(name, "ACRCLOUD_ACCESS_TOKEN is not set (the Console API token)")
  end
  local base_url = opts.base_url or os.getenv("ACRCLOUD_BASE_URL")
  if base_url == "" then base_url = nil end
  local ok, client = pcall(acrcloud.new, { token = token, base_url = base_url })
  if not ok then M.die(name, client) end
  return client, base_url or "https://api-v2.acrcloud.com/api"
end

return M
