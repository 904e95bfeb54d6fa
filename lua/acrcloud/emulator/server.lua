-- The emulator's server: the loop over acrcloud.httpd, request dispatch,
-- held-back (delayed) answers, and the request log.
--
-- The loop never blocks on one request: poll() waits at most until the next
-- held-back answer is due, answers are sent when due, and every other
-- connection keeps being served in between.
local acrcloud = require "acrcloud"
local admin = require "acrcloud.emulator.admin"
local common = require "acrcloud.emulator.common"
local deliveries = require "acrcloud.emulator.deliveries"
local faults_mod = require "acrcloud.emulator.faults"
local httpd = require "acrcloud.httpd"
local json = require "acrcloud.emulator.json"
local multipart = require "acrcloud.emulator.multipart"
local origin = require "acrcloud.origin"
local presigned = require "acrcloud.emulator.presigned"
local process = require "acrcloud.process"
local routes = require "acrcloud.emulator.routes"
local state_mod = require "acrcloud.emulator.state"
local validate = require "acrcloud.emulator.validate"

local M = {}

local Server = {}
Server.__index = Server

local RECENT_MAX = 100
local RECENT_BODY_MAX = 4096

local REASONS = {
  [400] = "Bad Request", [401] = "Unauthenticated.", [403] = "This action is unauthorized.",
  [404] = "Not Found", [405] = "Method Not Allowed", [409] = "Conflict",
  [422] = "The given data was invalid.", [429] = "Too Many Attempts.", [500] = "Server Error",
  [502] = "Bad Gateway", [503] = "Service Unavailable", [504] = "Gateway Timeout",
}

-- What a "undecodable" fault answers: JSON cut off in the middle.
M.UNDECODABLE_BODY = '{"data":[{"id":1,"name":'

-- emulator server: M.new{ host = "127.0.0.1", port = 0, token = "...",
--   quiet = false, log = io.stderr, mount = "/api", operations = <table> }
function M.new(opts)
  opts = opts or {}
  assert(type(opts.token) == "string" and opts.token ~= "", "the emulator needs a token")
  assert(not opts.token:find("[%s%c]"), "the token must not contain spaces or control characters")
  local host = opts.host or "127.0.0.1"
  local self = setmetatable({}, Server)
  self.token = opts.token
  self.quiet = opts.quiet
  self.log_file = opts.log or io.stderr
  self.mount = opts.mount or "/api"
  self.operations = opts.operations or routes.operations()
  self.handlers, self.rules, self.bindings, self.seeders = routes.load()
  self.router = routes.build(self.operations, self.handlers, self.rules, self.bindings)
  self.admin = admin.router()
  self.state = state_mod.new(self.seeders)
  self.faults = faults_mod.new()
  self.deliveries = deliveries.new()
  self.pending = {}
  self.recent = {}
  self.request_count = 0
  self.http = httpd.listen({ host = host, port = opts.port or 0 })
  self.port = self.http:port()
  self.origin = origin.http(host, self.port)
  self.url = self.origin .. self.mount
  return self
end

function Server:log(fmt, ...)
  if not self.quiet then
    self.log_file:write(string.format(fmt, ...), "\n")
    self.log_file:flush()
  end
end

-- Request helpers ---------------------------------------------------------

local function answer(status, body, headers)
  return { status = status, body = body, headers = headers }
end

local function message(status, text, headers)
  return answer(status, { message = text }, headers)
end

-- The origin clients reached us by (for pagination links), from the Host
-- header when it looks like one.
function Server:request_origin(req)
  local host = req.headers.host
  if host and (host:match("^[%w%.%-]+:?%d*$") or host:match("^%[[%x:%.]+%]:?%d*$")) then
    return "http://" .. host
  end
  return self.origin
end

function Server:authorized(req)
  local auth = req.headers.authorization
  local given = auth and auth:match("^[Bb][Ee][Aa][Rr][Ee][Rr] +(%S+)%s*$")
  return given == self.token
end

-- The body as a table: JSON (any content type), a urlencoded form, or
-- multipart/form-data (text parts; the parts with a filename come second,
-- by name, as { filename =, content_type =, data = }); an empty body is an
-- empty table. nil, message when it is none of these.
local function parse_body(req)
  local body = req.body or ""
  if not body:find("%S") then return {} end
  local ctype = (req.headers["content-type"] or ""):lower()
  if multipart.is_multipart(ctype) then
    -- The original header: the boundary is case-sensitive.
    local fields, files = multipart.parse_request(req.headers["content-type"], body)
    if not fields then return nil, files end
    return fields, files, true
  end
  -- curl -d sends JSON as a form; JSON-looking bodies are read as JSON.
  if ctype:find("application/x-www-form-urlencoded", 1, true) and not body:match("^%s*[{[]") then
    return validate.parse_query(body)
  end
  -- JSON text is UTF-8 (RFC 8259); strings that are not could not be
  -- answered back.
  local v = utf8.len(body) and json.decode(body)
  if v == nil then return nil, "The request body is not valid JSON." end
  if type(v) ~= "table" or json.is_array(v) then
    return nil, "The request body must be a JSON object."
  end
  return v
end

local function fault_answer(f)
  if f.drop then return { drop = true } end
  if f.undecodable then
    return { status = f.status or 200, raw = M.UNDECODABLE_BODY, headers = f.headers }
  end
  local status = f.status
  local body = f.body
  if body == nil or body == json.null then
    return answer(status, { message = REASONS[status] or "Emulated failure." }, f.headers)
  elseif type(body) == "string" then
    return { status = status, raw = body, headers = f.headers }
  end
  return answer(status, body, f.headers)
end

-- Dispatch ----------------------------------------------------------------

function Server:dispatch_admin(req, rel)
  local route, params, allowed = self.admin:match(req.method, rel)
  if not route then
    if params == "method_not_allowed" then
      return message(405, "Method Not Allowed", { Allow = table.concat(allowed, ", ") })
    end
    return message(404, "The route " .. req.path:sub(2) .. " could not be found.")
  end
  if not self:authorized(req) then return message(401, "Unauthenticated.") end
  local body, err = parse_body(req)
  if not body then return message(400, err) end
  local status, out = route.value(self, params, body)
  return answer(status, out)
end

function Server:dispatch_api(req, rel, entry)
  local route, path_params, allowed = self.router:match(req.method, rel)
  if not route then
    if path_params == "method_not_allowed" then
      return message(405, string.format(
        "The %s method is not supported for route %s. Supported methods: %s.",
        req.method, req.path:sub(2), table.concat(allowed, ", ")),
        { Allow = table.concat(allowed, ", ") })
    end
    return message(404, "The route " .. req.path:sub(2) .. " could not be found.")
  end
  local r = route.value
  entry.operation = r.op.name
  if r.op.auth ~= "signed" and not self:authorized(req) then
    return message(401, "Unauthenticated.")
  end

  local delay
  local f = self.faults:take(r.op.name, rel, req.method:upper())
  if f then
    delay = f.delay
    if f.drop or f.undecodable or f.status then
      local res = fault_answer(f)
      res.delay = delay
      return res
    end
  end

  if not r.handler then
    return message(501, "The emulator does not implement " .. r.op.name .. " yet.")
  end
  local query = validate.parse_query(req.query)
  local ctx = {
    state = self.state, op = r.op, query = query, request = req, server = self,
    url_path = self:request_origin(req) .. req.path:gsub("/$", ""), bound = {},
  }
  -- The objects the path names (404), then the body (400), then the
  -- parameters (422).
  for _, b in ipairs(r.bindings) do
    local value = path_params[b.param]
    local obj = b.find(ctx, value)
    if obj == nil then common.not_found(b.model, value) end
    ctx.bound[b.param] = obj
  end
  local body, files, form = parse_body(req)
  if not body then return message(400, files) end
  ctx.body, ctx.files = body, files or {}
  local errors = validate.errors()
  ctx.params = validate.check_params(r.op, { path = path_params, query = query, body = body,
    files = ctx.files, form = form }, errors)
  validate.apply_rules(r.rules, ctx.params, errors, ctx)
  if errors:any() then
    local failure = validate.failure(errors)
    return answer(failure.status, failure.body)
  end
  local status, out, headers = r.handler(ctx)
  local res = answer(status, out, headers)
  if type(out) == "string" then res = { status = status, raw = out, headers = headers } end
  res.delay = delay
  return res
end

function Server:is_admin(path)
  local prefix = self.mount .. "/_emulator"
  return path == prefix or path:sub(1, #prefix + 1) == prefix .. "/"
end

function Server:dispatch(req, entry)
  local path = req.path
  local mount = self.mount
  if path ~= mount and path:sub(1, #mount + 1) ~= mount .. "/" then
    return message(404, "The route " .. path:sub(2) .. " could not be found.")
  end
  local rel = path:sub(#mount + 1)
  if rel == "" then rel = "/" end
  local signed = presigned.dispatch(self, req, rel, entry)
  if signed then return signed end
  if self:is_admin(path) then
    return self:dispatch_admin(req, rel)
  end
  return self:dispatch_api(req, rel, entry)
end

local function safe_headers(headers)
  local out = {}
  for k, v in pairs(headers) do
    if k ~= "authorization" and k ~= "proxy-authorization" and k ~= "cookie" then
      out[json.text(k)] = json.text(v)
    end
  end
  return out
end

-- The logged body: as text (what is not UTF-8 shown as U+FFFD), and its
-- exact bytes in base64 when it is not UTF-8 (binary uploads).
local function log_body(entry, bytes)
  if #bytes > RECENT_BODY_MAX then bytes = bytes:sub(1, RECENT_BODY_MAX) end
  local text, exact = json.text(bytes)
  entry.body = text
  if not exact then entry.body_base64 = acrcloud.base64(bytes) end
end

function Server:remember(entry)
  local recent = self.recent
  recent[#recent + 1] = entry
  if #recent > RECENT_MAX then table.remove(recent, 1) end
end

function Server:handle(req)
  local started = process.now()
  -- An absolute-form target (GET http://host/path) is served by its path.
  req.path = req.path:gsub("^[Hh][Tt][Tt][Pp][Ss]?://[^/]*", "")
  self.request_count = self.request_count + 1
  -- The request log keeps the API requests (not the admin ones), newest
  -- last; `connection` is the client's address and port, the same for
  -- requests that share a kept-alive connection; `received` is when it came,
  -- in seconds (process.now). The status is filled in when the answer is sent.
  local entry = json.object({
    method = req.method, path = json.text(req.path), query = json.text(req.query),
    connection = req.peer, received = started, headers = safe_headers(req.headers),
  }, { "method", "path", "query", "operation", "status", "connection", "received", "headers",
    "body", "body_base64" })
  log_body(entry, req.body)
  if not self:is_admin(req.path) then self:remember(entry) end
  -- Errors carrying an answer come from handlers (validate.fail,
  -- common.raise); anything else is a bug in the emulator: 500, and the
  -- traceback on stderr.
  local ok, res = xpcall(self.dispatch, function(e)
    if type(e) == "table" and e.status then return e end
    return { bug = debug.traceback(tostring(e), 2) }
  end, self, req, entry)
  if not ok then
    if res.bug then
      io.stderr:write("acrcloud emulator: internal error: ", res.bug, "\n")
      res = message(500, "Server Error")
    else
      res = answer(res.status, res.body, res.headers)
    end
  end
  local extra = tonumber(req.headers["x-emulator-delay"])
  if extra and extra > 0 then
    res.delay = math.max(res.delay or 0, math.min(extra, faults_mod.MAX_DELAY))
  end
  res.id, res.entry, res.started, res.method = req.id, entry, started, req.method
  res.target = req.query ~= "" and req.path .. "?" .. req.query or req.path
  if res.delay and res.delay > 0 then
    res.due = started + res.delay
    local i = #self.pending
    while i > 0 and self.pending[i].due > res.due do i = i - 1 end
    table.insert(self.pending, i + 1, res)
  else
    self:send(res)
  end
end

-- The answer's JSON text. A body JSON cannot hold (a form field that is not
-- UTF-8, echoed back) is a bug of the emulator's: 500, not a crash.
local function encode_answer(res)
  local ok, text = pcall(json.encode, res.body)
  if ok then return text end
  io.stderr:write("acrcloud emulator: internal error: ", tostring(text), "\n")
  res.status = 500
  return json.encode(json.object({ message = "Server Error" }, { "message" }))
end

function Server:send(res)
  local status
  if res.drop then
    self.http:drop(res.id)
    status = "dropped"
  else
    local headers = { ["Cache-Control"] = "no-cache, private" }
    for k, v in pairs(res.headers or {}) do headers[k] = v end
    local body = res.raw
    if body == nil and res.body ~= nil then body = encode_answer(res) end
    if body ~= nil and res.status ~= 204 then
      headers["Content-Type"] = headers["Content-Type"] or "application/json"
    else
      body = ""
    end
    self.http:respond(res.id, res.status, headers, body)
    status = res.status
  end
  res.entry.status = status
  self:log("%s %s %s %.1fms", res.method, res.target, status, (process.now() - res.started) * 1e3)
end

-- Sends the held-back answers that are due.
function Server:flush()
  local now = process.now()
  while self.pending[1] and self.pending[1].due <= now do
    self:send(table.remove(self.pending, 1))
  end
end

-- server:step([max_wait]): waits for requests (at most max_wait seconds, or
-- until the next held-back answer is due), answers them, sends what is due.
function Server:step(max_wait)
  local wait = max_wait
  local first = self.pending[1]
  if first then
    local until_due = math.max(0, first.due - process.now())
    wait = wait and math.min(wait, until_due) or until_due
  end
  for _, req in ipairs(self.http:poll(wait)) do self:handle(req) end
  self:flush()
end

-- server:run([lifetime]): serves until closed, or for lifetime seconds.
function Server:run(lifetime)
  local deadline = lifetime and process.now() + lifetime
  while not self.closed do
    local wait
    if deadline then
      wait = deadline - process.now()
      if wait <= 0 then break end
    end
    self:step(wait)
  end
  self:close()
end

-- Closes the server; held-back answers are dropped. Idempotent.
function Server:close()
  if self.closed then return end
  self.closed = true
  self.pending = {}
  self.http:close()
end

Server.__close = Server.close
Server.__gc = Server.close

return M
