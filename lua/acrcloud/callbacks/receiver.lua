-- The callback receiver: an HTTP server (acrcloud.httpd) that takes the
-- posts of ACRCloud's result callback and state notification, turns them
-- into events (acrcloud.callbacks) and stores them (acrcloud.callbacks.store)
-- before it answers. scripts/receive-callbacks.lua is its command line.
--
--   local receiver = require "acrcloud.callbacks.receiver"
--   local r = receiver.new{ host = "127.0.0.1", port = 8090, db = store,
--                           key = nil | "shared key", log = io.stderr }
--   print(r.url)          -- http://127.0.0.1:8090/callback
--   r:run()               -- until SIGINT or SIGTERM; or r:step(wait) in a loop
--
-- One process, one loop, one request at a time: each post is stored (one
-- transaction) before its answer is sent, so a 200 always means stored.
--
-- Answers (text/plain, one line):
--   200 OK           stored, or a duplicate of something stored (changes nothing)
--   400 <reason>     not a callback post (acrcloud.callbacks says why)
--   401              the key is missing or wrong (when one is set)
--   404              not /callback or /callback/PROJECT
--   405              not POST
--   413              body over max_body (by the HTTP server, before reading it)
--   415              a content type other than JSON or a form
--   503 <why>        could not store (the reason is logged), or stopping:
--                    nothing was acknowledged, the sender may post again
local acrcloud = require "acrcloud"
local callbacks = require "acrcloud.callbacks"
local httpd = require "acrcloud.httpd"
local origin = require "acrcloud.origin"
local process = require "acrcloud.process"

local M = {}

-- Defaults of the limits (README.md, "Receiving callbacks").
M.DEFAULTS = {
  host = "127.0.0.1", port = 8090,
  max_body = 1 << 20,      -- bytes of one post
  idle_timeout = 30,       -- seconds a connection may sit idle
  header_timeout = 10,     -- seconds from request line to complete headers
  max_connections = 256,   -- past this the oldest waiting connection is closed
  max_per_ip = 64,         -- connections from one address
  max_buffered = 64 << 20, -- bytes of bodies held at once, in all
}

-- Seconds to wait, when stopping, for answers already given to go out.
M.DRAIN_TIME = 5

local Receiver = {}
Receiver.__index = Receiver

local function random_bytes(n)
  local f = io.open("/dev/urandom", "rb")
  local s = f and f:read(n)
  if f then f:close() end
  if not s or #s < n then
    s = tostring(os.time()) .. tostring(os.clock()) .. tostring({}) .. string.rep("x", n)
  end
  return s
end

-- A comparison of a given key with the real one whose time does not depend
-- on where they differ: both are first hashed with a secret of this
-- process (HMAC-SHA1), then all 20 bytes are compared.
local function key_checker(key)
  local salt = random_bytes(32)
  local want = acrcloud.hmac_sha1(salt, key)
  return function(given)
    if type(given) ~= "string" then given = "" end
    local got = acrcloud.hmac_sha1(salt, given)
    local diff = 0
    for i = 1, #want do diff = diff | (want:byte(i) ~ got:byte(i)) end
    return diff == 0
  end
end

-- receiver.new(opts) -> receiver. opts: host, port, db (an open store),
-- key, log (a file, default io.stderr; false for none), project_pattern,
-- and the limits of M.DEFAULTS. Raises when it cannot listen.
function M.new(opts)
  assert(type(opts) == "table" and opts.db, "receiver.new needs a db (an open store)")
  local self = setmetatable({}, Receiver)
  local listen = {}
  for k, v in pairs(M.DEFAULTS) do listen[k] = v end
  for k in pairs(M.DEFAULTS) do
    if opts[k] ~= nil then listen[k] = opts[k] end
  end
  self.db = opts.db
  self.log_file = opts.log == nil and io.stderr or opts.log
  if opts.key ~= nil then
    assert(type(opts.key) == "string" and opts.key ~= "", "the key must be a non-empty string")
    self.key_ok = key_checker(opts.key)
  end
  self.http = httpd.listen(listen)
  self.port = self.http:port()
  self.url = origin.http(listen.host, self.port) .. "/callback"
  self.counts = { posts = 0, stored = 0, duplicates = 0, refused = 0, failed = 0 }
  return self
end

function Receiver:log(fmt, ...)
  if self.log_file then
    self.log_file:write(os.date("!%Y-%m-%d %H:%M:%S "), string.format(fmt, ...), "\n")
    self.log_file:flush()
  end
end

-- An answer: { status =, headers =, body = } (text/plain, one line) and,
-- for the log, a note on what was done.
local function text_answer(status, body, headers, note)
  local h = { ["Content-Type"] = "text/plain; charset=utf-8", ["Cache-Control"] = "no-store" }
  for k, v in pairs(headers or {}) do h[k] = v end
  return { status = status, headers = h, body = body .. "\n", note = note }
end

-- What a post's events were, for the log: "2 result(s), 1 state(s)".
local function summary(events)
  local n = {}
  for _, e in ipairs(events) do n[e.kind] = (n[e.kind] or 0) + 1 end
  local parts = {}
  for _, kind in ipairs({ "result", "no_result", "state" }) do
    if n[kind] then parts[#parts + 1] = n[kind] .. " " .. kind .. "(s)" end
  end
  return table.concat(parts, ", ")
end

-- A one-line, printable reason for the log (the peer chose its text).
local function printable(s)
  s = tostring(s):gsub("[%c\127]", "?")
  if #s > 200 then s = s:sub(1, 200) .. "..." end
  return s
end

-- The project a path names: /callback -> "", /callback/12345 -> "12345".
-- nil when the path is not the receiver's.
local function project_of(path)
  if path == "/callback" or path == "/callback/" then return "" end
  return path:match("^/callback/([%w._%-]+)/?$")
end

-- answer(req) -> an answer (text_answer); does the work (stores the events)
function Receiver:answer(req)
  local project = project_of(req.path)
  if not project or #project > 64 then return text_answer(404, "Not Found") end
  if self.key_ok then
    local key = callbacks.parse_form(req.query or "").key
    if not self.key_ok(key) then
      return text_answer(401, "Unauthorized: a valid key is required")
    end
  end
  if req.method ~= "POST" then
    return text_answer(405, "Method Not Allowed: callbacks are POSTed", { Allow = "POST" })
  end
  local events, message, status = callbacks.parse(req)
  if not events then
    self.counts.refused = self.counts.refused + 1
    return text_answer(status, message, nil, "refused: " .. printable(message))
  end
  local saved, err = self.db:save(events, { project = project })
  if not saved then
    self.counts.failed = self.counts.failed + 1
    return text_answer(503, "Service Unavailable: the events could not be stored", nil,
      "NOT STORED (" .. summary(events) .. "): " .. printable(err))
  end
  self.counts.posts = self.counts.posts + 1
  self.counts.stored = self.counts.stored + saved.stored
  self.counts.duplicates = self.counts.duplicates + saved.duplicates
  local note = summary(events) .. ": " .. saved.stored .. " stored"
  if saved.duplicates > 0 then note = note .. ", " .. saved.duplicates .. " duplicate(s)" end
  return text_answer(200, "OK", nil, note)
end

-- Answers one request. A bug here must not stop the receiver: it is
-- answered 500 (whatever was stored stays stored; the sender may post
-- again) and logged with its traceback.
function Receiver:handle(req)
  local started = process.now()
  local ok, a = xpcall(self.answer, debug.traceback, self, req)
  if not ok then
    a = text_answer(500, "Internal Server Error", nil, "internal error: " .. tostring(a))
  end
  self.http:respond(req.id, a.status, a.headers, a.body)
  -- The peer's address and the path; never the query (it holds the key)
  -- nor the body.
  self:log("%s %s %s %d %.1fms%s", (req.peer or ""):gsub(":%d+$", ""), printable(req.method),
    printable(req.path), a.status, (process.now() - started) * 1e3,
    a.note and " " .. a.note or "")
end

-- receiver:step([max_wait]): waits for posts (at most max_wait seconds) and
-- answers them.
function Receiver:step(max_wait)
  for _, req in ipairs(self.http:poll(max_wait)) do self:handle(req) end
end

-- While stopping: posts that come in are refused with 503 (nothing of them
-- is stored or acknowledged), until the answers already given are out.
function Receiver:drain()
  local deadline = process.now() + M.DRAIN_TIME
  repeat
    for _, req in ipairs(self.http:poll(0.05)) do
      local a = text_answer(503, "Service Unavailable: the receiver is stopping",
        { Connection = "close" })
      self.http:respond(req.id, a.status, a.headers, a.body)
    end
  until self.http:stats().answering == 0 or process.now() >= deadline
end

-- receiver:run([lifetime]): serves until SIGINT or SIGTERM (or until
-- lifetime seconds have passed), then stops cleanly: every post answered
-- 200 is stored already; answers given go out; the database is closed.
function Receiver:run(lifetime)
  process.trap({ "INT", "TERM" })
  local deadline = lifetime and process.now() + lifetime
  while not process.caught() do
    local wait = 1.0
    if deadline then
      wait = math.min(wait, deadline - process.now())
      if wait <= 0 then break end
    end
    self:step(wait)
  end
  local sig = process.caught()
  local st = self.http:stats()
  self:log("stopping%s: %d post(s) stored (%d event(s), %d duplicate(s)), %d refused, " ..
    "%d not stored; at most %d connection(s) at once, %d closed by the limits (%d evicted, " ..
    "%d overdue)", sig and " on SIG" .. sig or "", self.counts.posts, self.counts.stored,
    self.counts.duplicates, self.counts.refused, self.counts.failed, st.peak,
    st.evicted + st.timed_out, st.evicted, st.timed_out)
  self:drain()
  self:close()
end

function Receiver:close()
  if self.closed then return end
  self.closed = true
  self.http:close()
  self.db:close()
end

Receiver.__close = Receiver.close

return M
