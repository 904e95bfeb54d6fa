-- Where the callback receiver keeps events: a SQL database through LuaSQL
-- (Debian's lua-sql-sqlite3 and lua-sql-postgres).
--
--   local store = require "acrcloud.callbacks.store"
--   local db = assert(store.open("sqlite:callbacks.db"))      -- or postgres://...
--   local n = assert(db:save(events, { project = "12345" }))  -- { stored =, duplicates = }
--   db:close()
--
-- URLs: `sqlite:PATH` (`sqlite:///abs/path` too), SQLite in WAL mode with
-- synchronous=FULL, so that a transaction once committed survives a crash
-- of the process or of the machine; `postgres://` or `postgresql://` (a
-- libpq connection URI: postgres://user:password@host:port/dbname?...),
-- for receivers on several machines writing into one database.
--
-- The schema (README.md, "The database") is created on first use. Each
-- event is identified as the receiver must deduplicate it, and that
-- uniqueness is a constraint of the database (no NULL in any of its
-- columns), so that several receivers writing into one PostgreSQL store
-- each event once: a result by (stream_id, timestamp_utc, acrid), a
-- no-result by (stream_id, timestamp_utc), a state change by (stream_id,
-- timestamp, code). A duplicate changes nothing (INSERT ... ON CONFLICT DO
-- NOTHING). Legacy state posts carry no timestamp: they are stored with the
-- time received as their timestamp and legacy = 1, and never deduplicated
-- (the unique index on states covers only legacy = 0).
--
-- Timestamps are text, "YYYY-mm-dd HH:MM:SS" in UTC, as the API writes them
-- (so they sort and compare as text).
local acrcloud = require "acrcloud"

local M = {}

local Store = {}
Store.__index = Store

-- Schema --------------------------------------------------------------------------

-- Column types that differ between the two databases.
local DIALECTS = {
  sqlite = { id = "INTEGER PRIMARY KEY", real = "REAL" },
  postgres = { id = "BIGSERIAL PRIMARY KEY", real = "DOUBLE PRECISION" },
}

-- The columns every table of events has: first whose event it is (the
-- stream, and the project its posts are filed under), last the post as it
-- came and when.
local EVENT_COLUMNS = {
  event = [[
  id {id},
  project TEXT NOT NULL DEFAULT '',
  stream_id TEXT NOT NULL,
  stream_name TEXT NOT NULL DEFAULT '',]],
  post = [[
  raw TEXT NOT NULL,
  received_at TEXT NOT NULL]],
}

local SCHEMA = {
  [[CREATE TABLE IF NOT EXISTS results (
{event}
  timestamp_utc TEXT NOT NULL,
  played_duration INTEGER,
  match_kind TEXT NOT NULL,
  match_index INTEGER NOT NULL,
  acrid TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  artists TEXT NOT NULL DEFAULT '',
  album TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  release_date TEXT NOT NULL DEFAULT '',
  isrc TEXT NOT NULL DEFAULT '',
  upc TEXT NOT NULL DEFAULT '',
  score {real},
  result_type INTEGER,
  metadata_type TEXT NOT NULL DEFAULT '',
{post},
  CONSTRAINT results_event UNIQUE (stream_id, timestamp_utc, acrid)
)]],
  [[CREATE TABLE IF NOT EXISTS no_results (
{event}
  timestamp_utc TEXT NOT NULL,
  played_duration INTEGER,
  result_type INTEGER,
  metadata_type TEXT NOT NULL DEFAULT '',
{post},
  CONSTRAINT no_results_event UNIQUE (stream_id, timestamp_utc)
)]],
  [[CREATE TABLE IF NOT EXISTS states (
{event}
  timestamp TEXT NOT NULL,
  code INTEGER NOT NULL,
  state TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT '',
  legacy INTEGER NOT NULL DEFAULT 0,
{post}
)]],
  [[CREATE UNIQUE INDEX IF NOT EXISTS states_event ON states (stream_id, timestamp, code)
  WHERE legacy = 0]],
  [[CREATE INDEX IF NOT EXISTS results_time ON results (timestamp_utc)]],
}

-- URLs ------------------------------------------------------------------------------

-- parse_url(url) -> { kind = "sqlite", path = } | { kind = "postgres", conninfo = }
-- | nil, message
function M.parse_url(url)
  if type(url) ~= "string" or url == "" then return nil, "the database URL is empty" end
  local path = url:match("^sqlite:(.*)$")
  if path then
    if path:sub(1, 2) == "//" then path = path:sub(3) end
    if path == "" then return nil, "sqlite: needs a path (sqlite:callbacks.db)" end
    return { kind = "sqlite", path = path }
  end
  if url:match("^postgres://") or url:match("^postgresql://") then
    return { kind = "postgres", conninfo = url }
  end
  return nil, "unknown database URL " .. M.redact(url) ..
    " (expected sqlite:PATH or postgres://USER@HOST:PORT/DBNAME)"
end

-- The URL with any password replaced by ***, for messages and logs.
function M.redact(url)
  url = tostring(url)
  url = url:gsub("^(%a[%w+.-]*://[^/@:]*):[^/@]*@", "%1:***@")
  url = url:gsub("([?&]password=)[^&]*", "%1***")
  return url
end

-- Values --------------------------------------------------------------------------

-- Text as a database takes it: valid UTF-8 (each invalid byte becomes
-- U+FFFD) without NUL characters (which neither database keeps in text).
local function clean(s)
  s = tostring(s)
  if s:find("%z") then s = s:gsub("%z", "\u{FFFD}") end
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local _, bad = utf8.len(s, i)
    if not bad then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1) .. "\u{FFFD}"
    i = bad + 1
  end
  return table.concat(out)
end

-- Cells of a result as the CSV export writes them: lists joined by "; ".
local function joined(list)
  local out = {}
  for _, v in ipairs(list or {}) do
    if v ~= "" then out[#out + 1] = v end
  end
  return table.concat(out, "; ")
end

local function utc_now()
  return os.date("!%Y-%m-%d %H:%M:%S")
end

-- Connections ------------------------------------------------------------------------

-- The LuaSQL driver of each kind of target: its name, what connect takes,
-- and the message when the connection is refused.
local DRIVERS = {
  sqlite = { name = "sqlite3", product = "SQLite",
    source = function(target) return target.path end,
    refused = function(target, err)
      return "cannot open " .. target.path .. ": " .. tostring(err)
    end },
  postgres = { name = "postgres", product = "PostgreSQL",
    source = function(target) return target.conninfo end,
    -- libpq's messages name host and port, never the password.
    refused = function(target, err)
      return "cannot connect to " .. M.redact(target.conninfo) .. ": " ..
        tostring(err):gsub("^LuaSQL: ", ""):gsub("%s+$", "")
    end },
}

local function connect(target)
  local d = DRIVERS[target.kind == "sqlite" and "sqlite" or "postgres"]
  local ok, driver = pcall(require, "luasql." .. d.name)
  if not ok then
    return nil, string.format("%s support needs LuaSQL's %s driver (Debian: lua-sql-%s)",
      d.product, d.name, d.name)
  end
  local env = driver[d.name]()
  local conn, err = env:connect(d.source(target))
  if not conn then
    env:close()
    return nil, d.refused(target, err)
  end
  return env, conn
end

function Store:exec(sql)
  local res, err = self.conn:execute(sql)
  if res == nil then error(tostring(err):gsub("^LuaSQL: ", ""):gsub("%s+$", ""), 0) end
  return res
end

function Store:literal(v)
  if v == nil or v == acrcloud.null then return "NULL" end
  if math.type(v) == "integer" then return string.format("%d", v) end
  if math.type(v) == "float" then
    if v ~= v or v == math.huge or v == -math.huge then return "NULL" end
    return string.format("%.17g", v)
  end
  return "'" .. self.conn:escape(clean(v)) .. "'"
end

-- Runs fn(self) inside one transaction: committed when fn returns, rolled
-- back when it raises (the error is raised again).
function Store:transaction(fn)
  self:exec(self.kind == "sqlite" and "BEGIN IMMEDIATE" or "BEGIN")
  local ok, res = pcall(fn, self)
  local committed, err = ok, res
  if ok then committed, err = pcall(self.exec, self, "COMMIT") end
  if not committed then
    pcall(self.exec, self, "ROLLBACK")
    error(err, 0)
  end
  return res
end

function Store:create_schema()
  self:transaction(function()
    -- Two receivers starting at once must not race to create the tables.
    if self.kind == "postgres" then self:exec("SELECT pg_advisory_xact_lock(47120931)") end
    local d = DIALECTS[self.kind]
    for _, sql in ipairs(SCHEMA) do
      self:exec((sql:gsub("{(%w+)}", EVENT_COLUMNS):gsub("{(%w+)}", d)))
    end
  end)
end

-- (Re)connects and prepares the database. Raises with a message.
function Store:connect()
  self:disconnect()
  local env, conn = connect(self.target)
  if not env then error(conn, 0) end
  self.env, self.conn = env, conn
  if self.kind == "sqlite" then
    -- Another receiver may hold the write lock for a moment: wait for it
    -- (a while, not long: the sender waits for our answer meanwhile).
    self:exec("PRAGMA busy_timeout = 2000")
    local cur = self.conn:execute("PRAGMA journal_mode = WAL")
    local mode = type(cur) == "userdata" and cur:fetch() or nil
    if type(cur) == "userdata" then cur:close() end
    if mode ~= "wal" then error("cannot put " .. self.target.path .. " in WAL mode", 0) end
    -- A commit is on disk before the receiver answers 200.
    self:exec("PRAGMA synchronous = FULL")
  else
    self:exec("SET client_min_messages = warning")
  end
  self:create_schema()
end

function Store:disconnect()
  if self.conn then pcall(self.conn.close, self.conn) end
  if self.env then pcall(self.env.close, self.env) end
  self.conn, self.env = nil, nil
end

-- open(url) -> store | nil, message
function M.open(url)
  local target, err = M.parse_url(url)
  if not target then return nil, err end
  local self = setmetatable({ target = target, kind = target.kind, url = M.redact(url) }, Store)
  local ok, msg = pcall(self.connect, self)
  if not ok then
    self:disconnect()
    return nil, msg
  end
  return self
end

function Store:close()
  self:disconnect()
  self.closed = true
end

Store.__close = Store.close
Store.__gc = Store.close

-- Saving events -------------------------------------------------------------------------

-- The table an event goes to and the key that identifies it, for the
-- order of inserts (see save).
local function place(e)
  if e.kind == "result" then
    return "results", e.stream_id .. "\0" .. e.timestamp_utc .. "\0" .. e.acrid
  elseif e.kind == "no_result" then
    return "no_results", e.stream_id .. "\0" .. e.timestamp_utc
  end
  return "states", e.stream_id .. "\0" .. (e.timestamp or "") .. "\0" .. e.code
end

function Store:insert(e, project, received_at)
  local function L(v) return self:literal(v) end
  local sql
  if e.kind == "result" then
    sql = string.format("INSERT INTO results (project, stream_id, stream_name, timestamp_utc, " ..
      "played_duration, match_kind, match_index, acrid, title, artists, album, label, " ..
      "release_date, isrc, upc, score, result_type, metadata_type, raw, received_at) VALUES " ..
      "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
      L(project), L(e.stream_id), L(e.stream_name or ""), L(e.timestamp_utc),
      L(e.played_duration), L(e.match), L(e.position or 1), L(e.acrid), L(e.title or ""),
      L(joined(e.artists)), L(e.album or ""), L(e.label or ""), L(e.release_date or ""),
      L(joined(e.isrc)), L(joined(e.upc)), L(e.score), L(e.result_type), L(e.type or ""),
      L(e.raw), L(received_at))
  elseif e.kind == "no_result" then
    sql = string.format("INSERT INTO no_results (project, stream_id, stream_name, " ..
      "timestamp_utc, played_duration, result_type, metadata_type, raw, received_at) VALUES " ..
      "(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
      L(project), L(e.stream_id), L(e.stream_name or ""), L(e.timestamp_utc),
      L(e.played_duration), L(e.result_type), L(e.type or ""), L(e.raw), L(received_at))
  elseif e.kind == "state" then
    sql = string.format("INSERT INTO states (project, stream_id, stream_name, timestamp, " ..
      "code, state, type, legacy, raw, received_at) VALUES " ..
      "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
      L(project), L(e.stream_id), L(e.stream_name or ""), L(e.timestamp or received_at),
      L(e.code), L(e.state), L(e.type or ""), L(e.legacy and 1 or 0), L(e.raw), L(received_at))
  else
    error("cannot store an event of kind " .. tostring(e.kind), 0)
  end
  return self:exec(sql .. " ON CONFLICT DO NOTHING") > 0
end

M.ATTEMPTS = 3

-- db:save(events, { project = "", received_at = "YYYY-mm-dd HH:MM:SS" })
--   -> { stored = n, duplicates = n } | nil, message
-- All events of one post in one transaction: stored together or not at
-- all. Inserts go in one order (by table, then key) so that receivers
-- saving the same events at once never deadlock each other; a failed
-- attempt (a lost connection, a deadlock, a busy database) is tried again
-- on a fresh connection, up to ATTEMPTS times in all.
function Store:save(events, opts)
  if self.closed then error("the store is closed", 2) end
  opts = opts or {}
  local project = opts.project or ""
  local received_at = opts.received_at or utc_now()
  local order = {}
  for i, e in ipairs(events) do
    local tbl, key = place(e)
    order[i] = { tbl = tbl, key = key, e = e, i = i }
  end
  table.sort(order, function(a, b)
    if a.tbl ~= b.tbl then return a.tbl < b.tbl end
    if a.key ~= b.key then return a.key < b.key end
    return a.i < b.i
  end)
  local last
  for _ = 1, M.ATTEMPTS do
    local ok, res = pcall(function()
      if not self.conn then self:connect() end
      return self:transaction(function()
        local stored = 0
        for _, o in ipairs(order) do
          if self:insert(o.e, project, received_at) then stored = stored + 1 end
        end
        return { stored = stored, duplicates = #order - stored }
      end)
    end)
    if ok then return res end
    last = res
    self:disconnect()
  end
  return nil, tostring(last)
end

-- Reading ------------------------------------------------------------------------------

-- Rows of a query as tables by column name. PostgreSQL's driver gives every
-- value as text: `numbers` names the columns to turn back into numbers.
function Store:rows(sql, numbers)
  local cur = self:exec(sql)
  local out = {}
  while true do
    local row = cur:fetch({}, "a")
    if not row then break end
    for _, k in ipairs(numbers or {}) do
      local v = row[k]
      if type(v) == "string" then row[k] = math.tointeger(tonumber(v)) or tonumber(v) end
    end
    out[#out + 1] = row
  end
  cur:close()
  return out
end

-- db:count(table) -> the number of rows
function Store:count(tbl)
  assert(tbl == "results" or tbl == "no_results" or tbl == "states", "unknown table")
  return self:rows("SELECT COUNT(*) AS n FROM " .. tbl, { "n" })[1].n
end

-- db:results_between(first, stop, project) -> the results whose
-- timestamp_utc lies in [first, stop), of one project when it is given, in
-- time order (the matches of one post in their order).
function Store:results_between(first, stop, project)
  local where = "timestamp_utc >= " .. self:literal(first) .. " AND timestamp_utc < " ..
    self:literal(stop)
  if project then where = where .. " AND project = " .. self:literal(project) end
  return self:rows("SELECT stream_id, stream_name, timestamp_utc, played_duration, match_kind, " ..
    "title, artists, album, label, release_date, isrc, upc, acrid, score FROM results WHERE " ..
    where .. " ORDER BY timestamp_utc, stream_id, match_index, id",
    { "played_duration", "score" })
end

return M
