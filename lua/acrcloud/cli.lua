--- Command-line plumbing shared by the scripts: options, usage, exit codes,
-- and a client built from the environment.
--
--   local cli = require "acrcloud.cli"
--   local opts, args = cli.parse({
--     usage = "stats.lua [-o FORMAT] PROJECT START END",  -- default: the help's
--     help = "usage: stats.lua [options] PROJECT START END\n...",
--     options = {
--       { "o", "output", value = "FORMAT" },   -- takes a value
--       { nil, "apply" },                       -- a flag
--     },
--     min_args = 3, max_args = 3,
--     connection = true,
--   }, arg)
--
-- The usage line, in messages about bad usage, is the help's first line
-- without "usage: " unless the spec gives one; the script's name is its
-- first word unless the spec gives a `name`. A script that talks to the
-- API says `connection = true`: it then takes --base-url URL and --profile
-- NAME as well (see connect), and its help ends with CONNECTION_HELP.
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

-- The usage line: the spec's, else the help's first line ("usage: ...").
local function usage_of(spec)
  return spec.usage or spec.help:match("^usage: ([^\n]*)")
end

local function name_of(spec)
  return spec.name or usage_of(spec):match("^%S+")
end

local function usage_error(spec, msg)
  local name = name_of(spec)
  io.stderr:write(name, ": ", msg, "\n", "usage: ", usage_of(spec), "\n",
    "Try '", name, " -h' for more information.\n")
  os.exit(M.EXIT_USAGE)
end

-- The options of every script with `connection = true`.
local CONNECTION_OPTIONS = {
  { nil, "base-url", value = "URL" },
  { nil, "profile", value = "NAME" },
}

--- Parses argv without exiting. Returns opts, args; or nil, message; or
-- "help" when -h/--help was given.
function M.try_parse(spec, argv)
  local by_short, by_long = {}, {}
  local function add(o)
    if o[1] then by_short[o[1]] = o end
    by_long[o[2]] = o
  end
  for _, o in ipairs(spec.options or {}) do add(o) end
  if spec.connection then
    for _, o in ipairs(CONNECTION_OPTIONS) do add(o) end
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
    io.stdout:write(spec.help, spec.connection and M.CONNECTION_HELP or "")
    os.exit(0)
  end
  if not opts then usage_error(spec, args) end
  return opts, args
end

--- Reports a usage problem found after parsing (e.g. a bad date) and exits 2.
function M.usage_error(spec, msg)
  usage_error(spec, msg)
end

--- The end of the help of the scripts with `connection = true`.
M.CONNECTION_HELP = [[
Connection:
  ACRCLOUD_ACCESS_TOKEN  the Console API token (never given on the command
                         line, where other users could see it)
  ACRCLOUD_BASE_URL      the API base URL (default ]] .. require("acrcloud").default_base_url
  .. [[;
                         point it at the emulator to try things out)
  ACRCLOUD_PROFILE       the profile to use when --profile is not given
  --base-url URL         overrides everything else for the base URL
  --profile NAME         a profile of ~/.config/acrcloud/profiles.lua (written
                         by `acr configure`); its token and base URL come
                         before the variables above, which come before the
                         profile named by ACRCLOUD_PROFILE (or `default`)
]]

--- The options for acrcloud.new from the command line's --profile and
-- --base-url, the environment and the profile file (see acrcloud.profiles).
-- Exits with a message when the profile file is refused or the profile
-- does not exist. The token may be missing (connect checks it).
function M.client_options(name, opts)
  local ok, options, info = pcall(require("acrcloud.profiles").client_options,
    { profile = opts.profile, base_url = opts.base_url })
  if not ok then M.die(name, options) end
  return options, info
end

--- A client from the command line's --profile and --base-url, the
-- environment and the profiles (see client_options; `options` may be given
-- already resolved). Exits with a message if there is no token. Returns the
-- client and its base URL.
function M.connect(name, opts, options)
  local acrcloud = require "acrcloud"
  options = options or M.client_options(name, opts)
  if options.token == nil or options.token == "" then
    M.die(name, "ACRCLOUD_ACCESS_TOKEN is not set (the Console API token), and no profile "
      .. "gives one (acr configure writes one)")
  end
  local ok, client = pcall(acrcloud.new, options)
  if not ok then M.die(name, client) end
  return client, M.base_url(options)
end

--- The base URL that options (from client_options) send requests to.
function M.base_url(options)
  return options.base_url or require("acrcloud").default_base_url
end

--- Finds a project: an id as it is, a name through the list that `list_op`
-- (an operation of client:each) walks; `what` names one project in the
-- messages ("base project"). Exits with a message when the list cannot be
-- read or the name matches no project or several.
function M.resolve_project(name, client, project, list_op, what)
  if project:match("^%d+$") then return math.tointeger(tonumber(project)) end
  local matches = {}
  -- client:each raises the error object when a page cannot be fetched.
  local ok, err = pcall(function()
    for p in client:each(list_op, {}) do
      if p.name == project then matches[#matches + 1] = p.id end
    end
  end)
  if not ok then M.die(name, "cannot list " .. what .. "s: " .. tostring(err)) end
  if #matches == 0 then M.die(name, string.format("no %s is named %q", what, project)) end
  if #matches > 1 then
    local ids = {}
    for i, id in ipairs(matches) do ids[i] = tostring(id) end
    M.die(name, string.format("%d %ss are named %q (ids %s); give the id",
      #matches, what, project, table.concat(ids, ", ")))
  end
  return matches[1]
end

return M
