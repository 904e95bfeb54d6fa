#!/usr/bin/env acrlua
-- receive-callbacks.lua: receives what ACRCloud's broadcast monitoring
-- posts to a project's result callback and state notification URLs, and
-- stores it in a database; or (--export) writes the results it stored for
-- one day as CSV. Run with -h for the whole story.
local cli = require "acrcloud.cli"
local tz = require "acrcloud.tz"

local NAME = "receive-callbacks.lua"

local HELP = [[
usage: receive-callbacks.lua [options]
       receive-callbacks.lua --export DATE [-z ZONE] [--project ID] [options]
       receive-callbacks.lua --summary [--project ID] [--db URL]

Receives the posts of ACRCloud's broadcast monitoring (the result callback
and the state notification of a Broadcast Database or Custom Streams
project) and stores every result, no-result and state change in a database
before it answers. Its first line on stdout is the URL to give ACRCloud as
both the result callback URL and the state notification URL (posts say by
their shape which they are):

  http://127.0.0.1:8090/callback

Append /PROJECT (letters, digits, . _ -) to file the posts under a name,
http://127.0.0.1:8090/callback/12345, which --export --project selects.

Each post is stored in one transaction before the answer: 200 OK means it
is in the database. A post whose events are all stored already (ACRCloud
may post twice, and out of order) changes nothing and is answered 200 too.
When the database fails, the answer is 503 and the reason is logged, so
nothing is acknowledged that was lost. Malformed posts get 400 with the
reason, other methods 405, bodies over the limit 413, other content types
415. Legacy state posts carry no timestamp: they are stored with the time
received and are not deduplicated.

Options:
  --listen HOST:PORT    where to listen (default 127.0.0.1:8090, this machine
                        only; give another address, such as 0.0.0.0:8090,
                        for ACRCloud to reach it; [::1]:8090 for IPv6)
  --db URL              the database (default sqlite:callbacks.db):
                          sqlite:PATH          SQLite (WAL mode)
                          postgres://USER@HOST:PORT/DBNAME
                                               PostgreSQL (a libpq URI; give the
                                               password in PGPASSWORD or
                                               ~/.pgpass rather than the URL)
                        Several receivers (behind one load balancer) may
                        write into one PostgreSQL: each event is stored once.
  --key KEY             require ?key=KEY on the callback URL (401 without
                        it). Better: set ACRCLOUD_CALLBACK_KEY, which other
                        users of the machine cannot read from the process
                        list. The key is never printed or logged.
  --max-body BYTES      the largest post taken (default 1048576; 413 above)
  --idle-timeout S      close a connection idle for S seconds (default 30)
  --header-timeout S    close a connection that has not sent its headers S
                        seconds after its request line (default 10)
  --max-connections N   connections at once (default 256); past that, each
                        new one closes the oldest one without a request in
                        progress
  --max-per-ip N        connections from one address (default 64; 0: none)
  --lifetime S          stop after S seconds
  -q, --quiet           no request log
  -h, --help            this help

Export (reads the database, serves nothing):
  --export DATE         write the results stored for DATE (YYYY-MM-DD, a day
                        in ZONE) as CSV, with the columns of
                        export-results.lua, so that what was pushed can be
                        compared with what the API serves
  -z, --timezone ZONE   the zone of DATE and of the local times (a tz name
                        such as Europe/Berlin, or +05:30; default UTC)
  --project ID          only the posts made to /callback/ID
  -o, --output FILE     write the CSV to FILE (FILE.tmp, then renamed)
  --summary             print what the database holds: rows per table,
                        results per stream, the last state changes

The request log goes to stderr, one line a post: the peer's address, the
method, the path (never the query, which holds the key), the status, the
time taken and what was stored. SIGINT or SIGTERM stops the receiver: the
answers given go out, then it exits 0.

Exit status: 0 stopped by a signal or at the end of its lifetime (or the
export written); 1 failure (cannot listen, cannot open the database);
2 bad usage.
]]

local SPEC = {
  usage = "receive-callbacks.lua [--listen HOST:PORT] [--db URL] | --export DATE [-z ZONE]",
  help = HELP,
  options = {
    { nil, "listen", value = "HOST:PORT" },
    { nil, "db", value = "URL" },
    { nil, "key", value = "KEY" },
    { nil, "max-body", value = "BYTES" },
    { nil, "idle-timeout", value = "S" },
    { nil, "header-timeout", value = "S" },
    { nil, "max-connections", value = "N" },
    { nil, "max-per-ip", value = "N" },
    { nil, "lifetime", value = "S" },
    { "q", "quiet" },
    { nil, "export", value = "DATE" },
    { "z", "timezone", value = "ZONE" },
    { nil, "project", value = "ID" },
    { "o", "output", value = "FILE" },
    { nil, "summary" },
  },
  min_args = 0, max_args = 0,
}

local DEFAULT_DB = "sqlite:callbacks.db"

-- "HOST:PORT", "[v6]:PORT" -> host, port | nil, message
local function parse_listen(s)
  local host, port = s:match("^%[([%x:%.]+)%]:(%d+)$")
  if not host then host, port = s:match("^([^:%[%]]+):(%d+)$") end
  port = port and math.tointeger(tonumber(port))
  if not host or not port or port > 65535 then
    return nil, string.format("--listen wants HOST:PORT (127.0.0.1:8090), got %q", s)
  end
  return host, port
end

local function whole(opts, name, min, max)
  local v = opts[name:gsub("%-", "_")]
  if v == nil then return nil end
  local n = math.tointeger(tonumber(v))
  if not n or n < min or n > max then
    cli.usage_error(SPEC, string.format("--%s wants a whole number from %d to %d, got %q",
      name, min, max, v))
  end
  return n
end

local function open_db(opts)
  local store = require "acrcloud.callbacks.store"
  local url = opts.db or DEFAULT_DB
  local db, err = store.open(url)
  if not db then cli.die(NAME, err) end
  return db
end

local function export(opts)
  local export_mod = require "acrcloud.callbacks.export"
  local zone, zone_err = tz.check(opts.timezone or "UTC")
  if not zone then cli.usage_error(SPEC, zone_err) end
  if not require("acrcloud.results_csv").parse_date(opts.export) then
    cli.usage_error(SPEC, string.format("DATE %q is not a date (YYYY-MM-DD)", opts.export))
  end
  if opts.output == "" then cli.usage_error(SPEC, "FILE must not be empty") end
  local db = open_db(opts)
  local out = io.stdout
  if opts.output then
    local err
    out, err = io.open(opts.output .. ".tmp", "wb")
    if not out then cli.die(NAME, string.format("cannot write %s.tmp: %s", opts.output, err)) end
  end
  local n, err = export_mod.write(db, { date = opts.export, zone = zone,
    project = opts.project }, out)
  db:close()
  if not n then
    if opts.output then
      out:close()
      os.remove(opts.output .. ".tmp")
    end
    cli.die(NAME, err)
  end
  if opts.output then
    local ok, cerr = out:close()
    if ok then ok, cerr = os.rename(opts.output .. ".tmp", opts.output) end
    if not ok then cli.die(NAME, string.format("cannot write %s: %s", opts.output, cerr)) end
  else
    out:flush()
  end
  return 0
end

local function serve(opts)
  local receiver = require "acrcloud.callbacks.receiver"
  for _, name in ipairs({ "timezone", "project", "output" }) do
    if opts[name] then cli.usage_error(SPEC, "--" .. name .. " goes with --export or --summary") end
  end
  local host, port = receiver.DEFAULTS.host, receiver.DEFAULTS.port
  if opts.listen then
    host, port = parse_listen(opts.listen)
    if not host then cli.usage_error(SPEC, port) end
  end
  local key = opts.key or os.getenv("ACRCLOUD_CALLBACK_KEY")
  if key == "" then key = nil end
  if key and (#key > 256 or key:find("[%c%s]")) then
    cli.usage_error(SPEC, "the key must be 1 to 256 characters without spaces")
  end
  local lifetime = opts.lifetime and tonumber(opts.lifetime)
  if opts.lifetime and not (lifetime and lifetime > 0) then
    cli.usage_error(SPEC, "--lifetime wants a positive number of seconds")
  end
  local limits = {
    max_body = whole(opts, "max-body", 1, 1 << 30),
    idle_timeout = whole(opts, "idle-timeout", 1, 86400),
    header_timeout = whole(opts, "header-timeout", 0, 86400),
    max_connections = whole(opts, "max-connections", 1, 100000),
    max_per_ip = whole(opts, "max-per-ip", 0, 100000),
  }
  local db = open_db(opts)
  local o = { host = host, port = port, db = db, key = key,
    log = not opts.quiet and io.stderr or false }
  for k, v in pairs(limits) do o[k] = v end
  local ok, r = pcall(receiver.new, o)
  if not ok then
    db:close()
    cli.die(NAME, r)
  end
  io.stdout:write(r.url, "\n")
  io.stdout:flush()
  if not opts.quiet then
    io.stderr:write(string.format("%s: storing in %s%s\n", NAME, db.url,
      key and "; posts need ?key=... (not shown)" or ""))
  end
  r:run(lifetime)
  return 0
end

local function summary(opts)
  if opts.timezone or opts.output then
    cli.usage_error(SPEC, "--summary takes only --db and --project")
  end
  local db = open_db(opts)
  local ok, err = pcall(require("acrcloud.callbacks.export").summary, db,
    { project = opts.project }, io.stdout)
  db:close()
  if not ok then cli.die(NAME, err) end
  return 0
end

local function main(argv)
  local opts = cli.parse(SPEC, argv)
  if opts.export and opts.summary then
    cli.usage_error(SPEC, "--export and --summary do not go together")
  end
  if opts.export then return export(opts) end
  if opts.summary then return summary(opts) end
  return serve(opts)
end

os.exit(main(arg or {}))
