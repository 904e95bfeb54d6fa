--- acr: every operation of the endpoint table from the shell, the
-- workflow scripts as subcommands, profiles, completion.
--
--   acr [GLOBAL OPTIONS] OPERATION [--param value ...] [GLOBAL OPTIONS]
--
-- `acr` is acrlua called by that name; it runs M.main(arg) and exits with
-- what it returns. Everything the command line offers is built from
-- require("acrcloud").operations (each operation's method, path and
-- parameters with their location, type and doc), so a new entry in the
-- table is a new command, with its flags, help, completion and man page.
--
-- M.main(argv, sys) takes the process's surroundings in `sys` so that the
-- tests can run it in-process: stdout, stderr, stdin (files), getenv,
-- is_tty(fd). Only the workflow subcommands leave through os.exit (they
-- run the scripts, which exit themselves).
local M = {}

local acrcloud = require "acrcloud"
local output = require "acrcloud.shell.output"
local values = require "acrcloud.shell.values"
local reference = require "acrcloud.reference"
local type_text = reference.type_text

M.NAME = "acr"

--- Exit status by what went wrong: the same for every operation.
M.EXIT = {
  ok = 0,
  failure = 1, -- anything else: no token, a profile problem, a bug
  usage = 2, -- a bad command line: unknown operation or flag, a bad value
  http = 3, -- the API answered with a non-2xx status
  network = 4, -- DNS, connect, TLS, reset
  timeout = 5, -- no complete answer in time
  decode = 6, -- a 2xx answer that is not the JSON it should be
  file = 7, -- a file to upload cannot be read, an output file cannot be written
  response = 8, -- a JSON answer without what the command needs from it (data, a region)
  too_large = 9, -- an answer past max_body, max_output or the header cap
  interrupted = 130, -- ^C (128 + SIGINT, as shells report it)
}

--- The exit codes in order, with what each means (help and man page).
M.EXIT_DOC = {
  { 0, "success" },
  { 1, "another failure: no token, a profile file refused or malformed, an internal error" },
  { 2, "bad usage: unknown operation or flag, a missing required parameter, a bad value" },
  { 3, "http: the API answered with an error status (4xx, 5xx)" },
  { 4, "network: DNS, connection, TLS or a connection reset" },
  { 5, "timeout: no complete answer within the timeout" },
  { 6, "decode: a successful answer that is not JSON" },
  { 7, "file: a file to upload cannot be read, or an output file cannot be written" },
  { 8, "response: a JSON answer without what the command needs from it (a data list, a region)" },
  { 9, "too_large: an answer larger than max_body or max_output, or with huge headers" },
  { 130, "interrupted (^C)" },
}

--- The options every command takes, before or after the operation's name.
M.GLOBALS = {
  { "-o --output", "FORMAT", "Output format: table (the default on a terminal), json (the "
    .. "default otherwise), jsonl, csv or raw.", choices = output.FORMATS },
  { "--all", nil, "Follow every page of a paginated list and stream its items (json: one "
    .. "array, jsonl: one item a line; one page in memory)." },
  { "--fields", "LIST", "Columns for table and csv: a,b.c (dots reach into objects)." },
  { "--profile", "NAME", "Take the token and base URL from this profile (see acr configure)." },
  { "--base-url", "URL", "The API base URL, before any other source." },
  { "--timeout", "SECONDS", "Seconds for the whole request (default 60)." },
  { "--dry-run", nil, "Print the request as a curl command line (with $ACRCLOUD_ACCESS_TOKEN "
    .. "in place of the token) and send nothing." },
  { "-h --help", nil, "Show help (of the operation, when one is named) and exit." },
  { "--version", nil, "Show the version and exit." },
}

--- The workflow scripts (scripts/NAME.lua), run with the arguments given.
M.WORKFLOWS = {
  { name = "provision", script = "provision.lua",
    summary = "Make the account match a declarative config file (plan, then --apply)." },
  { name = "report", script = "report.lua",
    summary = "Push user reports to a Custom Streams stream from a CSV file." },
  { name = "stats", script = "stats.lua",
    summary = "Day statistics of a base project as a table, CSV or JSON." },
  { name = "export-results", script = "export-results.lua",
    summary = "One day of a Broadcast Database project's results as CSV, in a time zone." },
  { name = "list-projects", script = "list-projects.lua",
    summary = "The account's base and Broadcast Database projects as one table." },
  { name = "receive-callbacks", script = "receive-callbacks.lua",
    summary = "Receive the result and state callbacks and store them (SQLite, PostgreSQL)." },
}

--- Where the parameters of an operation at the `output` location get
-- their flag: --output is the output format.
M.OUTPUT_FILE_FLAG = "output-file"

-- ------------------------------------------------------------ the table

local OPS = {}
for _, op in ipairs(acrcloud.operations) do OPS[op.name] = op end

local WORKFLOW_BY_NAME = {}
for _, w in ipairs(M.WORKFLOWS) do WORKFLOW_BY_NAME[w.name] = w end

--- The flag (without --) of a parameter.
function M.flag_of(param)
  if param.location == "output" then return M.OUTPUT_FILE_FLAG end
  return param.name
end

local LOCATION_TEXT = {
  path = "in the path", query = "in the query", body = "in the body",
  file = "a file to upload", host = "picks the host", secret = "signs, never sent",
  output = "write the answer to this file",
}

--- The help line of a parameter: its doc, then [where; type; required].
function M.param_help(p)
  local facts = { LOCATION_TEXT[p.location] or p.location, type_text(p.type) }
  if p.required then facts[#facts + 1] = "required" end
  if p.default ~= nil then facts[#facts + 1] = "default " .. tostring(p.default) end
  local doc = p.doc and p.doc ~= "" and p.doc:gsub("%.?%s*$", ". ", 1) or ""
  if p.values then
    doc = doc .. (p.values_open and "Documented (not enforced): " or "One of: ")
      .. table.concat(p.values, ", ") .. ". "
  end
  if p.format then doc = doc .. "Form: " .. p.format:gsub("|", " or ") .. ". " end
  return doc .. "[" .. table.concat(facts, "; ") .. "]"
end

-- The values a flag completes to (and argparse checks): the table's allowed
-- ones, for a parameter that takes one value and enforces them; else nil.
-- argparse cannot write a completion script for a choice holding a space or
-- a quote ("Invalid URL"): such a set is left to the library's own check.
local function choices(p)
  if not p.values or p.values_open or values.types(p).array then return nil end
  for _, v in ipairs(p.values) do
    if v:find("[%s'\"]") then return nil end
  end
  return p.values
end
M.choices = choices

-- The metavar of a parameter's flag.
local function metavar(p)
  if p.location == "file" or p.location == "output" then return "PATH" end
  local set = values.types(p)
  if set.array then return "LIST" end
  if set.object and not set.string then return "JSON" end
  if set.integer and not set.string then return "N" end
  if set.boolean and not set.string and not set.integer then return "BOOL" end
  return "VALUE"
end
M.metavar = metavar

--- The description of an operation (its help and man page).
function M.op_description(op)
  local lines = {}
  if op.summary and op.summary ~= "" then lines[#lines + 1] = op.summary:gsub("%.?$", ".", 1) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Request: " .. op.method .. " " .. op.path
  if op.host then lines[#lines + 1] = "Host: " .. op.host .. " (with the default base URL)" end
  if op.response == "raw" then
    lines[#lines + 1] = "Answer: bytes, written to stdout as they come (or to --"
      .. M.OUTPUT_FILE_FLAG .. " PATH)."
  end
  if op.paginated then
    lines[#lines + 1] = "Paginated: --all follows every page and streams the items."
  end
  if op.auth == "signed" then
    lines[#lines + 1] = "Signed with the access secret (or $ACRCLOUD_ACCESS_SECRET); no token."
  end
  return table.concat(lines, "\n")
end

--- The usage line of an operation: required flags bare, the others in
-- brackets, wrapped at 80 columns.
function M.op_usage(op)
  local head = "Usage: " .. M.NAME .. " " .. op.name
  local words = {}
  for _, p in ipairs(op.params or {}) do
    local w = "--" .. M.flag_of(p) .. " <" .. metavar(p):lower() .. ">"
    words[#words + 1] = p.required and w or "[" .. w .. "]"
  end
  local lines, line = {}, head
  local indent = string.rep(" ", #"Usage: ")
  for _, w in ipairs(words) do
    if #line + 1 + #w > 80 and line ~= head then
      lines[#lines + 1] = line
      line = indent .. w
    else
      line = line .. " " .. w
    end
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

-- ------------------------------------------------------------ the parser

local function option_words(spec) -- "-o --output" -> "-o", "--output"
  local words = {}
  for w in spec:gmatch("%S+") do words[#words + 1] = w end
  return words
end

local function add_globals(p)
  for _, g in ipairs(M.GLOBALS) do
    local words = option_words(g[1])
    local target = words[#words]:gsub("^%-%-", ""):gsub("%-", "_")
    local o
    if g[2] then
      o = p:option(g[1]):argname("<" .. g[2]:lower() .. ">")
      if g.choices then o:choices(g.choices) end
    else
      o = p:flag(g[1])
    end
    -- not "help": the command `help` sets that key
    if target == "help" then target = "show_help" end
    o:description(g[3]):target(target)
  end
end

-- Adds the flags of an operation's parameters to its command.
local function add_params(cmd, op)
  for _, prm in ipairs(op.params or {}) do
    local o = cmd:option("--" .. M.flag_of(prm))
      :argname("<" .. metavar(prm):lower() .. ">")
      :description(M.param_help(prm))
      :target("param:" .. prm.name)
      :count("*")
    if prm.location == "file" or prm.location == "output" then o:args(1) end
    if choices(prm) then o:choices(choices(prm)) end
  end
end

-- The areas in the order of their first operation.
local function areas() return reference.areas(acrcloud.operations) end
M.areas = areas

--- The whole command line, as an argparse parser. Commands: every
-- operation (grouped by area), the workflows, configure, completion, help.
function M.parser()
  local argparse = require "argparse"
  local p = argparse(M.NAME)
    :description("Every ACRCloud Console API operation from the shell ("
      .. #acrcloud.operations .. " operations), generated from the endpoint table.\n"
      .. "Operation names are as below; '-' may be written for '_', in names and flags.")
    :epilog(M.epilog())
    :add_help(false)
    :require_command(false)
    :command_target("command")
    :help_max_width(100)
  add_globals(p)
  for _, area in ipairs(areas()) do
    local cmds = {}
    for _, op in ipairs(area.ops) do
      local c = p:command(op.name)
        :summary(op.summary)
        :description(M.op_description(op))
        :usage(M.op_usage(op))
        :add_help(false)
      add_params(c, op)
      cmds[#cmds + 1] = c
    end
    p:group(area.name, table.unpack(cmds))
  end
  local wf = {}
  for _, w in ipairs(M.WORKFLOWS) do
    local c = p:command(w.name)
      :summary(w.summary .. " (scripts/" .. w.script .. ")")
      :description(w.summary .. "\nRuns scripts/" .. w.script .. " with the arguments that "
        .. "follow; see acr " .. w.name .. " --help.")
      :handle_options(false)
      :add_help(false)
    c:argument("args"):args("*")
    wf[#wf + 1] = c
  end
  local configure = p:command("configure")
    :summary("Write a profile: the token (read without echo), and --base-url, --region, -o.")
    :add_help(false)
  configure:option("--region"):argname("<region>")
    :description("The region operations that need one get by default.")
  local completion = p:command("completion")
    :summary("Print a shell completion script (bash, zsh or fish).")
    :add_help(false)
  completion:argument("shell"):choices({ "bash", "zsh", "fish" }):args("?")
  completion:argument("file"):args("?")
  local help = p:command("help")
    :summary("Show help for an operation or subcommand, or this list.")
    :add_help(false)
  help:argument("topic"):args("?")
  p:group("Workflows", table.unpack(wf))
  p:group("Other commands", configure, completion, help)
  return p
end

--- The help's closing text: output, exit codes, profiles.
function M.epilog()
  local lines = {
    "Parameters are --NAME VALUE, typed by the table: integers, true/false, lists as "
      .. "repeated flags or a,b,c (or JSON), objects as JSON text, files as paths.",
    "",
    "Token and base URL: --profile, then $ACRCLOUD_ACCESS_TOKEN and $ACRCLOUD_BASE_URL, then the "
      .. "profile named by $ACRCLOUD_PROFILE (else 'default') in "
      .. "${XDG_CONFIG_HOME:-~/.config}/acrcloud/profiles.lua, then ~/.acrcloud/config.json.",
    "",
    "Exit status:",
  }
  for _, e in ipairs(M.EXIT_DOC) do
    lines[#lines + 1] = string.format("  %3d  %s", e[1], e[2])
  end
  return table.concat(lines, "\n")
end

-- ------------------------------------------------------------ helpers

local function default_sys(sys)
  sys = sys or {}
  local out = {
    stdout = sys.stdout or io.stdout,
    stderr = sys.stderr or io.stderr,
    stdin = sys.stdin or io.stdin,
    getenv = sys.getenv or os.getenv,
    is_tty = sys.is_tty or function(fd) return os.execute("test -t " .. fd) == true end,
    scripts_dir = sys.scripts_dir,
  }
  return out
end

-- Raised to leave main with an exit status (and a message for stderr).
local Exit = {}
Exit.__index = Exit
local function exit(code, msg) error(setmetatable({ code = code, msg = msg }, Exit), 0) end

local function usage_error(msg, hint)
  exit(M.EXIT.usage, M.NAME .. ": " .. msg .. "\n" .. (hint or
    "Try 'acr --help' for the operations, 'acr OPERATION --help' for one of them."))
end

-- Global options that take a value, for finding the command word.
local VALUE_GLOBALS = {}
for _, g in ipairs(M.GLOBALS) do
  if g[2] then
    for _, w in ipairs(option_words(g[1])) do VALUE_GLOBALS[w] = true end
  end
end

-- The index of the command word in argv (skipping global options and
-- their values), or nil.
local function command_index(argv)
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then return argv[i + 1] and i + 1 or nil end
    if a:sub(1, 1) ~= "-" or a == "-" then return i end
    if VALUE_GLOBALS[a] then i = i + 1 end
    i = i + 1
  end
  return nil
end

--- argv with '-' read as '_' in an operation's name and in the flags of
-- its parameters (`list-buckets --per-page 5` is `list_buckets --per_page 5`).
function M.normalize(argv)
  local out = {}
  for i, a in ipairs(argv) do out[i] = a end
  local ci = command_index(out)
  if not ci then return out end
  local name = out[ci]
  if not OPS[name] and not WORKFLOW_BY_NAME[name] and OPS[(name:gsub("-", "_"))] then
    name = name:gsub("-", "_")
    out[ci] = name
  end
  local op = OPS[name]
  if not op then return out end
  local flags = {}
  for _, prm in ipairs(op.params or {}) do flags[M.flag_of(prm)] = true end
  for i = ci + 1, #out do
    local a = out[i]
    if a == "--" then break end
    local flag, rest = a:match("^%-%-([^=]+)(.*)$")
    if flag and not flags[flag] and flags[(flag:gsub("-", "_"))] then
      out[i] = "--" .. flag:gsub("-", "_") .. rest
    end
  end
  return out
end

-- The directory of the workflow scripts: $ACRLUA_SCRIPTS, else beside
-- this module: the source tree's scripts/ (lua/acrcloud/../../scripts) or
-- the installed share/acrlua/scripts (share/lua/5.4/acrcloud/../../../acrlua/scripts).
local function scripts_dir(sys)
  local env = sys.getenv("ACRLUA_SCRIPTS")
  if env and env ~= "" then return env end
  if sys.scripts_dir then return sys.scripts_dir end
  local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
  for _, rel in ipairs({ "/../../scripts", "/../../../acrlua/scripts" }) do
    local f = io.open(here .. rel .. "/provision.lua", "rb")
    if f then
      f:close()
      return here .. rel
    end
  end
  return nil
end

local function write_version(out)
  out:write(string.format("acr (acrlua) %s\n%s, %s\n", acrcloud.version, _VERSION,
    acrcloud.curl_version))
end

-- ------------------------------------------------------------ --dry-run

local sh = require("acrcloud.process").quote

--- The request `prepared` (client:prepare's answer) for `op` as a curl
-- command line. The token is $ACRCLOUD_ACCESS_TOKEN, for the shell to
-- fill in; a file answer goes to `output_file`.
function M.curl_command(op, prepared, output_file)
  local lines = { "curl -sS -X " .. prepared.method .. " " .. sh(prepared.url) }
  if op.auth ~= "signed" then
    lines[#lines + 1] = '-H "Authorization: Bearer $ACRCLOUD_ACCESS_TOKEN"'
  end
  lines[#lines + 1] = "-H " .. sh("Accept: " .. (op.response == "raw" and "*/*"
    or "application/json"))
  if prepared.parts then
    for _, part in ipairs(prepared.parts) do
      if part.file then
        local path = part.file:gsub('[\\"]', "\\%0")
        lines[#lines + 1] = "-F " .. sh(part.name .. '=@"' .. path .. '"')
      else
        lines[#lines + 1] = "--form-string " .. sh(part.name .. "=" .. tostring(part.value))
      end
    end
  elseif prepared.body then
    lines[#lines + 1] = "-H " .. sh("Content-Type: application/json")
    lines[#lines + 1] = "--data-binary " .. sh(prepared.body)
  end
  if output_file then lines[#lines + 1] = "-o " .. sh(output_file) end
  return table.concat(lines, " \\\n  ") .. "\n"
end

-- ------------------------------------------------------------ an operation

-- The params table from the parsed flags, or a usage error.
local function params_of(op, args, info, sys)
  local params = {}
  for _, prm in ipairs(op.params or {}) do
    local texts = args["param:" .. prm.name]
    if texts ~= nil and #texts > 0 then
      local v, err = values.convert(prm, texts)
      if v == nil then usage_error("--" .. M.flag_of(prm) .. ": " .. err) end
      params[prm.name] = v
    end
  end
  for _, prm in ipairs(op.params or {}) do
    if params[prm.name] == nil then
      if prm.name == "region" and prm.required and info.region then
        params.region = info.region -- the profile's region
      elseif prm.location == "secret" then
        local secret = sys.getenv("ACRCLOUD_ACCESS_SECRET")
        if secret and secret ~= "" then params[prm.name] = secret end
      end
    end
  end
  local missing = {}
  for _, prm in ipairs(op.params or {}) do
    if prm.required and params[prm.name] == nil then
      missing[#missing + 1] = "--" .. M.flag_of(prm)
    end
  end
  if #missing > 0 then
    usage_error(op.name .. ": missing " .. table.concat(missing, ", "),
      "Try 'acr " .. op.name .. " --help'.")
  end
  return params
end

-- Exits with the status of a run-time error object.
local function fail(err, sys)
  local code = M.EXIT.failure
  if type(err) == "table" and M.EXIT[err.kind] then code = M.EXIT[err.kind] end
  sys.stderr:write(tostring(err), "\n")
  exit(code)
end

-- Runs f(...) and turns a misuse the client raises (a bad parameter the
-- flags did not catch) into a usage error; error objects pass through.
local function checked(f, ...)
  local results = table.pack(pcall(f, ...))
  if results[1] then return table.unpack(results, 2, results.n) end
  local e = results[2]
  if type(e) == "table" then error(e, 0) end
  if tostring(e):find("interrupted!", 1, true) then error(e, 0) end
  usage_error(tostring(e):gsub("^[^:]*:%d+: ", ""))
end

local function run_operation(op, args, sys)
  local profiles = require "acrcloud.profiles"
  if args.timeout and not tonumber(args.timeout) then
    usage_error(string.format("--timeout: expected a number of seconds, got %q", args.timeout))
  end
  local function warn(msg) sys.stderr:write("acr: warning: ", msg, "\n") end
  local ok, copts, info = pcall(profiles.client_options, {
    profile = args.profile, base_url = args.base_url,
    timeout = args.timeout and tonumber(args.timeout) or nil,
  }, { getenv = sys.getenv, warn = warn })
  if not ok then exit(M.EXIT.failure, M.NAME .. ": " .. tostring(copts)) end

  local params = params_of(op, args, info, sys)
  local fields = output.parse_fields(args.fields)
  -- --fields without -o means a table (or the profile's csv).
  local default = info.output
  if fields and default ~= "csv" then default = "table" end
  local format = args.output or default or (sys.is_tty(1) and "table" or "json")
  if fields and format ~= "table" and format ~= "csv" then
    usage_error("--fields chooses columns for -o table and -o csv, not -o " .. format)
  end
  if args.all then
    if not op.paginated then usage_error("--all: " .. op.name .. " is not a paginated list") end
    if format == "raw" then
      usage_error("--all streams items; -o raw prints one answer's bytes: use -o json or jsonl")
    end
  end
  local output_file = params.output

  if args.dry_run then
    -- An operation whose host follows a container's region would ask the
    -- API for it (only with the default base URL): sending nothing means
    -- asking for the region instead.
    local default_base = copts.base_url == nil or copts.base_url == acrcloud.default_base_url
    if op.region_from and default_base then
      for _, prm in ipairs(op.params or {}) do
        if prm.location == "host" and params[prm.name] == nil then
          usage_error(string.format("--dry-run: the host of %s follows the region of the "
            .. "object --%s names, which only the API can tell: give --%s", op.name,
            op.region_from, M.flag_of(prm)))
        end
      end
    end
    local client = acrcloud.new { token = "dry-run", base_url = copts.base_url }
    local prepared, err = checked(client.prepare, client, op.name, params)
    client:close()
    if not prepared then fail(err, sys) end
    sys.stdout:write(M.curl_command(op, prepared, output_file))
    if args.all then
      sys.stderr:write("acr: --all sends this request, then the same with page=2, 3, ... "
        .. "until the last page\n")
    end
    if op.auth == "signed" then
      sys.stderr:write("acr: the signature and timestamp fields are added when the request "
        .. "is sent (they expire)\n")
    end
    return M.EXIT.ok
  end

  if op.auth ~= "signed" and (copts.token == nil or copts.token == "") then
    exit(M.EXIT.failure, "acr: no token: set ACRCLOUD_ACCESS_TOKEN, or write a profile with "
      .. "'acr configure' (or give --profile NAME)")
  end
  local made, client = pcall(acrcloud.new, copts)
  if not made then exit(M.EXIT.failure, M.NAME .. ": " .. tostring(client)) end

  local out = sys.stdout
  if args.all then
    local w = output.stream(out, format, { fields = fields })
    local iterated, err = pcall(function()
      for item in checked(client.each, client, op.name, params) do w:item(item) end
    end)
    if not iterated then
      client:close()
      if type(err) ~= "table" or getmetatable(err) == Exit then error(err, 0) end
      fail(err, sys)
    end
    w:finish()
    client:close()
    return M.EXIT.ok
  end

  if op.response == "raw" then
    local body, res = checked(client[op.name], client, params)
    client:close()
    if not body then fail(res, sys) end
    if body ~= true then out:write(body) end
    return M.EXIT.ok
  end

  local raw = format == "raw" or format == "json"
  local body, res = checked(client[op.name], client, params, raw and { raw = true } or nil)
  client:close()
  if not body then fail(res, sys) end
  if format == "raw" then
    if body ~= true then out:write(body) end
    return M.EXIT.ok
  end
  local bytes
  if format == "json" and body == "" then return M.EXIT.ok end -- no content
  if format == "json" and body ~= true then
    bytes = body
    -- decode returns nil, message (or raises, depending on the codec)
    local decoded, value, derr = pcall(acrcloud.decode, bytes)
    if not decoded then derr = value end
    if not decoded or (value == nil and derr ~= nil) then
      sys.stderr:write(string.format("acrcloud: the answer is not JSON (%s) [%s %s]\n",
        tostring(derr):gsub("^[^:]*:%d+: ", ""), res.method or op.method, res.url or ""))
      exit(M.EXIT.decode)
    end
  end
  output.body(out, format, body, { fields = fields, bytes = bytes })
  return M.EXIT.ok
end

-- ------------------------------------------------------------ workflows

local function run_workflow(w, args, sys)
  local dir = scripts_dir(sys)
  if not dir then
    exit(M.EXIT.failure, "acr: cannot find the scripts directory (set ACRLUA_SCRIPTS)")
  end
  local path = dir .. "/" .. w.script
  local script_args = {}
  for _, g in ipairs({ { "profile", "--profile" }, { "base_url", "--base-url" } }) do
    if args[g[1]] then
      script_args[#script_args + 1] = g[2]
      script_args[#script_args + 1] = args[g[1]]
    end
  end
  for _, g in ipairs({ "output", "all", "fields", "timeout", "dry_run" }) do
    if args[g] then
      usage_error(string.format("--%s before '%s' is acr's; give the script's own options "
        .. "after its name (acr %s --help)", g:gsub("_", "-"), w.name, w.name))
    end
  end
  for _, a in ipairs(args.args or {}) do script_args[#script_args + 1] = a end
  local chunk, err = loadfile(path)
  if not chunk then exit(M.EXIT.failure, "acr: " .. tostring(err)) end
  local arg_table = { [0] = path }
  for i, a in ipairs(script_args) do arg_table[i] = a end
  rawset(_G, "arg", arg_table)
  local result = chunk(table.unpack(script_args))
  return math.tointeger(result) or M.EXIT.ok
end

-- ------------------------------------------------------------ configure

-- Reads the token: without echo from the terminal, else a line of stdin.
local function read_token(sys, name)
  if sys.is_tty(0) then
    sys.stderr:write(string.format("Token for profile %q (input hidden; empty keeps the "
      .. "current one): ", name))
    sys.stderr:flush()
    os.execute("stty -echo < /dev/tty 2>/dev/null")
    local ok, line = pcall(sys.stdin.read, sys.stdin, "l")
    os.execute("stty echo < /dev/tty 2>/dev/null")
    sys.stderr:write("\n")
    if not ok then error(line, 0) end
    return line
  end
  return sys.stdin:read("l")
end

local function run_configure(args, sys)
  local profiles = require "acrcloud.profiles"
  local name = args.profile or "default"
  if not name:match("^[%w_.%-]+$") then
    usage_error(string.format("--profile: %q is not a profile name (letters, digits, '_', '-', "
      .. "'.')", name))
  end
  local path = profiles.path(sys.getenv)
  local all, err = profiles.load(path, { check_mode = false })
  if all == nil then exit(M.EXIT.failure, "acr: " .. err .. " (fix it, or remove it)") end
  all = all or {}
  local p = all[name] or {}
  local token = read_token(sys, name)
  token = token and token:match("^%s*(.-)%s*$") or ""
  if token ~= "" then
    p.token = token
  elseif not p.token then
    exit(M.EXIT.usage, "acr: no token given (profile " .. name .. " has none yet)")
  end
  if args.base_url then p.base_url = args.base_url end
  if args.region then p.region = args.region end
  if args.output then p.output = args.output end
  all[name] = p
  local ok, werr = profiles.write(path, all)
  if not ok then exit(M.EXIT.failure, "acr: " .. tostring(werr)) end
  sys.stderr:write(string.format("acr: profile %q written to %s (mode 0600)\n", name, path))
  return M.EXIT.ok
end

-- ------------------------------------------------------------ help

local function help_of(parser, topic)
  for _, c in ipairs(parser._commands) do
    if c._name == topic then return c end
  end
  return nil
end

local function show_help(parser, topic, sys)
  if topic == nil then
    sys.stdout:write(parser:get_help(), "\n")
    return M.EXIT.ok
  end
  local name = OPS[topic] and topic or (OPS[(topic:gsub("-", "_"))] and topic:gsub("-", "_"))
    or topic
  if WORKFLOW_BY_NAME[name] then
    return run_workflow(WORKFLOW_BY_NAME[name], { args = { "--help" } }, sys)
  end
  local c = help_of(parser, name)
  if not c then usage_error(string.format("no operation or subcommand %q", topic)) end
  sys.stdout:write(c:get_help(), "\n")
  if OPS[name] then
    sys.stdout:write("\nGlobal options (-o, --all, --fields, --profile, --dry-run, ...): "
      .. "acr --help.\n")
  end
  return M.EXIT.ok
end

-- ------------------------------------------------------------ main

local function run(argv, sys)
  local parser = M.parser()
  argv = M.normalize(argv)
  -- A workflow gets everything after its name, --help included.
  local ci = command_index(argv)
  local ok, args = parser:pparse(argv)
  if not ok then
    local name = ci and argv[ci]
    local hint
    if name and OPS[name] then hint = "Try 'acr " .. name .. " --help'." end
    usage_error(args, hint)
  end
  local command = args.command
  if args.version then
    write_version(sys.stdout)
    return M.EXIT.ok
  end
  if WORKFLOW_BY_NAME[command] then return run_workflow(WORKFLOW_BY_NAME[command], args, sys) end
  if args.show_help then return show_help(parser, command, sys) end
  if command == nil then
    sys.stderr:write(parser:get_usage(), "\n\n",
      "acr: name an operation: 'acr --help' lists them all.\n")
    return M.EXIT.usage
  end
  if command == "help" then return show_help(parser, args.topic, sys) end
  if command == "configure" then return run_configure(args, sys) end
  if command == "completion" then
    local shell = args.shell or "bash"
    local text = parser["get_" .. shell .. "_complete"](parser)
    if args.file then
      local f, err = io.open(args.file, "wb")
      if not f then exit(M.EXIT.file, "acr: " .. tostring(err)) end
      f:write(text)
      f:close()
    else
      sys.stdout:write(text)
    end
    return M.EXIT.ok
  end
  return run_operation(OPS[command], args, sys)
end

--- Runs acr with argv (arg[1..n]); returns the exit status.
function M.main(argv, sys)
  sys = default_sys(sys)
  local list = {}
  for i = 1, #(argv or {}) do list[i] = argv[i] end
  local ok, result = xpcall(run, function(e)
    if getmetatable(e) == Exit then return e end
    if type(e) == "string" and e:find("interrupted!", 1, true) then
      return setmetatable({ code = M.EXIT.interrupted, msg = "acr: interrupted" }, Exit)
    end
    return debug.traceback(tostring(e), 2)
  end, list, sys)
  if ok then
    sys.stdout:flush()
    return result
  end
  if getmetatable(result) == Exit then
    sys.stdout:flush()
    if result.msg then sys.stderr:write(result.msg, "\n") end
    return result.code
  end
  sys.stderr:write("acr: internal error: ", tostring(result), "\n")
  return M.EXIT.failure
end

return M
