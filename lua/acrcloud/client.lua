-- The client's composites: everything that makes more than one request, or
-- decides whether to make another, written in Lua over single requests.
--
-- This file is compiled into the C module (see CMakeLists.txt) and runs once,
-- when `acrcloud` is loaded, with the module table and `core`: the client's
-- constructor and methods table (src/client.c), request builders
-- (src/request.c) and the transport (src/transport.c). It adds `acrcloud.new`
-- and the client's methods: one per operation, request, prepare, each, batch
-- and upload_fs_file.
local M, core = ...

local methods = core.methods

local ops = {}
for _, op in ipairs(M.operations) do ops[op.name] = op end

local DEFAULT_RETRIES = 2
local DEFAULT_CONCURRENCY = 8
-- Backoff: about 0.5 s before the first retry, doubling, at most 8 s.
local BACKOFF_FIRST, BACKOFF_CAP = 0.5, 8
-- A longer Retry-After is not waited for: the error goes back to the caller.
local MAX_RETRY_AFTER = 60
-- How long one wait on the transfers lasts at most, so that retries and the
-- rate limit are looked at in time.
local MAX_WAIT = 1

local RETRY_STATUS = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }
-- Methods that may be sent again whatever became of the first attempt.
local REPEATABLE = { GET = true, HEAD = true, PUT = true, DELETE = true }

local function fail(fmt, ...)
  error(string.format(fmt, ...), 0)
end

-- Runs f(...), which may raise a misuse; re-raises it as coming from the
-- caller `level` frames up (1: the function that calls guarded), without
-- the position in this file that a C check would give it.
local function guarded(level, f, ...)
  local ok, a, b = pcall(f, ...)
  if ok then return a, b end
  if type(a) == "string" then a = a:gsub("^[^\n]-client%.lua:%d+: ", "") end
  error(a, level + 1)
end

-- Options --------------------------------------------------------------------

local function check_boolean(where, name, v)
  if type(v) ~= "boolean" then fail("%s: option '%s' must be a boolean", where, name) end
end

-- A check that an option is an integer >= min, which the message calls
-- `what` ("a whole number").
local function check_integer(what, min)
  return function(where, name, v)
    if math.type(v) ~= "integer" or v < min then
      fail("%s: option '%s' must be %s >= %d", where, name, what, min)
    end
  end
end

local check_count = check_integer("a whole number", 0)
local check_positive = check_integer("a whole number", 1)
local check_bytes = check_integer("a whole number of bytes", 1)

local function check_function(where, name, v)
  if type(v) ~= "function" then fail("%s: option '%s' must be a function", where, name) end
end

-- Per-call options (the second argument of client:NAME, the third element
-- of a batch entry, client:request's third) are checked in C, by the
-- builders and core.check_options (src/request.c).

local NO_OPTIONS = {}

-- Returns opts checked against `known` (name -> check), or NO_OPTIONS.
local function check_options(where, opts, known)
  if opts == nil then return NO_OPTIONS end
  if type(opts) ~= "table" then fail("%s: options must be a table, got %s", where, type(opts)) end
  for k, v in pairs(opts) do
    local check = known[k]
    if not check then fail("%s: unknown option '%s'", where, tostring(k)) end
    check(where, k, v)
  end
  return opts
end

-- acrcloud.new ---------------------------------------------------------------

-- Options of acrcloud.new kept here; the others go to the C constructor.
local CLIENT_OPTIONS = {
  retries = check_count,
  on_retry = check_function,
  max_per_second = function(where, name, v)
    if type(v) ~= "number" or not (v > 0 and v < math.huge) then
      fail("%s: option '%s' must be a number > 0", where, name)
    end
  end,
}

-- The token and base URL from profiles (lua/acrcloud/profiles.lua: the
-- option, an explicit profile, the environment, the default profile, the
-- official CLI's config), when its module can be loaded: a host that embeds
-- the module without the Lua files gets options and the environment only.
local function resolve_profile(opts)
  if opts.token ~= nil and opts.base_url ~= nil and opts.profile == nil then return opts end
  local found, profiles = pcall(require, "acrcloud.profiles")
  if not found then
    if opts.profile ~= nil then
      fail("acrcloud.new: profiles need the module acrcloud.profiles: %s", profiles)
    end
    return opts
  end
  return (guarded(3, profiles.client_options, opts))
end

function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    fail("acrcloud.new: options must be a table, got %s", type(opts))
  end
  opts = resolve_profile(opts)
  local rest, own = {}, {}
  for k, v in pairs(opts) do
    if CLIENT_OPTIONS[k] then
      CLIENT_OPTIONS[k]("acrcloud.new", k, v)
      own[k] = v
    else
      rest[k] = v
    end
  end
  local client = guarded(2, core.new, rest)
  local state = core.state(client)
  state.retries = own.retries or DEFAULT_RETRIES
  state.on_retry = own.on_retry
  if own.max_per_second then
    local rate = own.max_per_second
    state.bucket = { rate = rate, size = math.max(1, rate), tokens = math.max(1, rate),
      last = core.now() }
  end
  return client
end

-- What an answer tells ---------------------------------------------------------

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8,
  Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- Seconds since the epoch of an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"),
-- or nil.
local function http_date(s)
  local d, mon, y, h, mi, sec =
    s:match("^%a+, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d):(%d%d):(%d%d) GMT$")
  local m = MONTHS[mon]
  if not m then return nil end
  y, m, d = tonumber(y), m, tonumber(d)
  -- days from the civil date (proleptic Gregorian), then seconds
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  local days = era * 146097 + doe - 719468
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec)
end

-- Seconds to wait that a Retry-After value asks for (delta seconds or an
-- HTTP date), or nil.
local function retry_after(value)
  if not value then return nil end
  local n = tonumber(value:match("^%s*(%d+)%s*$"))
  if n then return n end
  local t = http_date(value)
  return t and math.max(0, t - os.time())
end

-- {limit, remaining, reset} from X-RateLimit-* (or the legacy X-Rate-Limit-*)
-- headers, or nil.
local function rate_limit(headers)
  local limit = headers["x-ratelimit-limit"] or headers["x-rate-limit-limit"]
  local remaining = headers["x-ratelimit-remaining"] or headers["x-rate-limit-remaining"]
  if not (limit or remaining) then return nil end
  return {
    limit = tonumber(limit),
    remaining = tonumber(remaining),
    reset = tonumber(headers["x-ratelimit-reset"] or headers["x-rate-limit-reset"]),
  }
end

-- Adds what the headers tell to a response or an error: rate_limit, and for
-- an error retry_after. (A response whose headers say neither has them made
-- on first use: rawget leaves them unmade.)
local function annotate(res, failed)
  local headers = rawget(res, "headers")
  if not headers then return end
  res.rate_limit = rate_limit(headers)
  if failed then res.retry_after = retry_after(headers["retry-after"]) end
end

-- Retries --------------------------------------------------------------------

-- Seconds before the attempt after `attempt`: about 0.5 s, doubling, capped,
-- with jitter so that many clients do not come back at once.
local function backoff(attempt)
  local base = math.min(BACKOFF_CAP, BACKOFF_FIRST * 2 ^ (attempt - 1))
  return math.min(BACKOFF_CAP, base * (0.75 + 0.5 * math.random()))
end

-- The delay before another attempt at a request that failed with err, or
-- nil when it must not be sent again.
local function retry_delay(method, err, attempt, retries, idempotent)
  if attempt > retries then return nil end
  local kind = err.kind
  if kind == "http" then
    -- The server answered: only a method that may run twice goes again,
    -- but for a 429, which refuses the request before acting on it (the
    -- API's rate limiter answers before the request reaches its handler).
    if not RETRY_STATUS[err.status] then return nil end
    if err.status ~= 429 and not (REPEATABLE[method] or idempotent) then return nil end
  elseif kind == "network" or kind == "timeout" then
    -- err.sent == false: the request never left, whatever its method.
    if not (REPEATABLE[method] or idempotent or err.sent == false) then return nil end
  else
    return nil
  end
  local after = err.retry_after
  if after then return after <= MAX_RETRY_AFTER and after or nil end
  return backoff(attempt)
end

-- Seconds until the client's rate limit lets a request go (0: now, and the
-- request is counted).
local function throttle(state)
  local b = state.bucket
  if not b then return 0 end
  local now = core.now()
  b.tokens = math.min(b.size, b.tokens + (now - b.last) * b.rate)
  b.last = now
  if b.tokens >= 1 then
    b.tokens = b.tokens - 1
    return 0
  end
  return (1 - b.tokens) / b.rate
end

local function interrupted_error(method, url)
  return core.error{ kind = "interrupted", message = "interrupted", method = method, url = url,
    sent = false }
end

-- Sends req (method is its HTTP method) until it succeeds or must not be sent
-- again. Returns body, res or nil, err; both carry `attempts`. Given body,
-- res, req was sent once already (by an operation's method, src/call.c) and
-- they are what came of it.
local function perform(client, req, method, opts, body, res)
  opts = opts or NO_OPTIONS
  local state = core.state(client)
  local retries = opts.retries or state.retries
  local attempt = 0
  if res == nil then core.clear_interrupt() else attempt = 1 end
  while true do
    if attempt > 0 then
      annotate(res, body == nil)
      res.attempts = attempt
      if body ~= nil then return body, res end
      local delay = retry_delay(method, res, attempt, retries, opts.idempotent)
      if not delay then return nil, res end
      if state.on_retry then state.on_retry(attempt, res, delay) end
      if not core.sleep(delay) then
        local err = interrupted_error(method, res.url)
        err.attempts, err.previous = attempt, res
        return nil, err
      end
    end
    local wait = throttle(state)
    while wait > 0 do
      if not core.sleep(wait) then
        local d = core.describe(req)
        return nil, interrupted_error(method, d.url)
      end
      wait = throttle(state)
    end
    attempt = attempt + 1
    body, res = core.send(req)
  end
end

-- Requests from operations -----------------------------------------------------

-- The region of a file-scanning container, asked of the API once and cached
-- for the client's life; or nil, err.
local function container_region(client, id)
  local cache = core.state(client).regions
  if cache[id] then return cache[id] end
  local body, res = client:get_fs_container{ id = id }
  if not body then return nil, res end
  local data = type(body) == "table" and body.data
  local region = type(data) == "table" and data.region
  if type(region) ~= "string" then
    return nil, core.error{ kind = "response", status = res.status, body = body,
      message = "the container's answer holds no data.region", method = res.method, url = res.url }
  end
  cache[id] = region
  return region
end

-- The request for an operation; or nil, err when the container's region
-- could not be found. Misuse raises.
local function build(client, op, params, opts)
  local region
  if op.region_from and type(params) == "table" and params.region == nil then
    region = core.state(client).regions[params[op.region_from]]
  end
  local req = core.build(client, op.name, params, opts, region)
  if req then return req end
  local err
  region, err = container_region(client, params[op.region_from])
  if not region then return nil, err end
  return core.build(client, op.name, params, opts, region, true) -- checked once, above
end

-- The methods of operations are in C (src/call.c), but for those whose
-- region may have to be asked of a container first.
for name, op in pairs(ops) do
  if op.region_from then
    methods[name] = function(client, params, opts)
      local req, err = guarded(2, build, client, op, params, opts)
      if not req then return nil, err end
      local body, res = perform(client, req, op.method, opts)
      return body, res
    end
  else
    methods[name] = core.method(name, perform)
  end
end

-- client:request(method, path, {query =, body =, content_type =, raw =, ...})
local function build_custom(client, method, path, opts)
  opts = core.check_options("request", opts, true)
  return core.build_request(client, method, path, opts), opts
end

function methods.request(client, method, path, opts)
  local req, checked = guarded(2, build_custom, client, method, path, opts)
  local body, res = perform(client, req, method, checked)
  return body, res
end

-- client:prepare(name, params): the request an operation would send,
-- {method =, url =, body =, parts =}, checked but not sent. (A file-scanning
-- operation may ask the API for its container's region first.)
function methods.prepare(client, name, params)
  local op = ops[name]
  if not op then fail("prepare: unknown operation '%s'", tostring(name)) end
  local req, err = guarded(2, build, client, op, params, nil)
  if not req then return nil, err end
  return core.describe(req)
end

-- Many requests at once ------------------------------------------------------------

-- A scheduler runs jobs ({req =, method =, retries =, idempotent =}) over the
-- client's transfers, at most `limit` at once, retrying as perform does
-- without holding up the others, and hands back each job's final outcome.
local Scheduler = {}
Scheduler.__index = Scheduler

local function new_scheduler(client, limit)
  return setmetatable({ client = client, state = core.state(client), limit = limit,
    queue = {}, head = 1, tail = 0, running = {}, nrunning = 0, waiting = {}, finished = {} },
    Scheduler)
end

function Scheduler:add(job)
  job.attempt = 0
  self.tail = self.tail + 1
  self.queue[self.tail] = job
end

function Scheduler:pending()
  return self.nrunning > 0 or #self.waiting > 0 or self.head <= self.tail
    or #self.finished > 0
end

-- An attempt of job ended with body, res: retry it later, or it is finished.
function Scheduler:settle(job, body, res)
  annotate(res, body == nil)
  res.attempts = job.attempt
  if body == nil then
    local delay = retry_delay(job.method, res, job.attempt, job.retries, job.idempotent)
    if delay and not core.interrupted() then
      if self.state.on_retry then self.state.on_retry(job.attempt, res, delay) end
      job.due = core.now() + delay
      self.waiting[#self.waiting + 1] = job
      return
    end
  end
  self.finished[#self.finished + 1] = { job, body, res }
end

function Scheduler:launch(job)
  job.attempt = job.attempt + 1
  if core.start(job.req) then
    self.running[job.req] = job
    self.nrunning = self.nrunning + 1
  else
    self:settle(job, core.result(job.req))
  end
end

-- Starts what may start now: retries whose time has come, then new jobs,
-- each as a free slot and the rate limit allow. Returns when to look again
-- (the rate limit's time, or the next retry's), or nil when only a finishing
-- transfer can let anything start.
function Scheduler:launch_ready()
  local now = core.now()
  local i = 1
  while i <= #self.waiting and self.nrunning < self.limit do
    local job = self.waiting[i]
    if job.due > now then
      i = i + 1
    else
      local wait = throttle(self.state)
      if wait > 0 then return now + wait end
      table.remove(self.waiting, i)
      self:launch(job)
    end
  end
  while self.nrunning < self.limit and self.head <= self.tail do
    local wait = throttle(self.state)
    if wait > 0 then return now + wait end
    local job = self.queue[self.head]
    self.queue[self.head] = nil
    self.head = self.head + 1
    self:launch(job)
  end
  -- Every slot busy: a retry that is due waits for one, not for the clock.
  if self.nrunning >= self.limit then return nil end
  local wake
  for _, job in ipairs(self.waiting) do wake = math.min(wake or job.due, job.due) end
  return wake
end

-- Every job not finished is finished as interrupted.
function Scheduler:stop_all()
  for req, job in pairs(self.running) do
    core.abort(req)
    self:settle(job, core.result(req))
  end
  self.running, self.nrunning = {}, 0
  local rest = self.waiting
  for i = self.head, self.tail do rest[#rest + 1] = self.queue[i] end
  self.waiting, self.queue, self.head, self.tail = {}, {}, 1, 0
  for _, job in ipairs(rest) do
    local d = core.describe(job.req)
    self.finished[#self.finished + 1] = { job, nil, interrupted_error(d.method, d.url) }
  end
end

-- Runs until at least one job has finished; returns the finished ones as
-- {job, body, res}, oldest first ({} when nothing is left).
function Scheduler:step()
  while #self.finished == 0 and self:pending() do
    local wake = self:launch_ready()
    if #self.finished > 0 then break end
    local timeout = MAX_WAIT
    if wake then timeout = math.max(0, math.min(timeout, wake - core.now())) end
    for _, req in ipairs(core.wait(self.client, timeout)) do
      local job = self.running[req]
      self.running[req] = nil
      self.nrunning = self.nrunning - 1
      self:settle(job, core.result(req))
    end
    if core.interrupted() then self:stop_all() end
  end
  local done = self.finished
  self.finished = {}
  return done
end

-- Closing a scheduler (on an error, or a loop left early) stops its
-- transfers: none is left running.
function Scheduler:__close()
  for req in pairs(self.running) do core.abort(req) end
  self.running, self.nrunning = {}, 0
end

local BATCH_OPTIONS = {
  concurrency = check_positive, on_result = check_function,
  retries = check_count, idempotent = check_boolean,
}

-- client:batch(calls, options) -> results: calls[i] = {"operation", params
-- [, call options]}; results[i] = {body, res} or {nil, err}, in order.
function methods.batch(client, calls, opts)
  opts = check_options("batch", opts, BATCH_OPTIONS)
  if type(calls) ~= "table" then fail("batch: calls must be a list, got %s", type(calls)) end
  local jobs = {}
  for i, entry in ipairs(calls) do
    local op = type(entry) == "table" and ops[entry[1]]
    if not op then
      fail("batch: entry %d: %s", i, type(entry) ~= "table" and "must be a table"
        or string.format("unknown operation '%s'", tostring(entry[1])))
    end
    local copts = entry[3]
    local built, req, err = pcall(guarded, 1, build, client, op, entry[2], copts)
    if not built then fail("batch: entry %d: %s", i, req) end
    copts = copts or NO_OPTIONS -- checked by the builder
    local idempotent = copts.idempotent
    if idempotent == nil then idempotent = opts.idempotent end
    jobs[i] = { index = i, req = req, err = err, method = op.method,
      retries = copts.retries or opts.retries, idempotent = idempotent }
  end
  local results = {}
  local sched <close> = new_scheduler(client, opts.concurrency or DEFAULT_CONCURRENCY)
  core.clear_interrupt()
  for i, job in ipairs(jobs) do
    if job.req then
      job.retries = job.retries or sched.state.retries
      sched:add(job)
    else
      results[i] = { nil, job.err }
      if opts.on_result then opts.on_result(i, nil, job.err) end
    end
  end
  while sched:pending() do
    for _, f in ipairs(sched:step()) do
      local job, body, res = f[1], f[2], f[3]
      results[job.index] = { body, res }
      if opts.on_result then opts.on_result(job.index, body, res) end
    end
  end
  return results
end

-- Pages ---------------------------------------------------------------------

-- The page after `page` of a list answer, or nil: current_page < last_page
-- in meta (either may be a string) or at the top level (a flat paginator),
-- else a links.next URL; never backwards. Also returns the last page when
-- the answer tells it.
local function next_page(body, page)
  local pager = type(body.meta) == "table" and body.meta
    or (body.current_page ~= nil and body) or nil
  if pager then
    local current = math.tointeger(tonumber(pager.current_page))
    local last = math.tointeger(tonumber(pager.last_page))
    if current and last then
      if current < last and current >= page then return current + 1, last end
      return nil, last
    end
  elseif type(body.links) == "table" and type(body.links.next) == "string" then
    return page + 1
  end
  return nil
end

local EACH_OPTIONS = {
  concurrency = check_positive, retries = check_count, idempotent = check_boolean,
  max_body = check_bytes,
}

-- client:each(name, params, options): an iterator over every item of every
-- page, in page order. With concurrency = N, up to N pages are fetched
-- ahead once the first page tells how many there are; at most N are held.
-- A page that cannot be fetched raises its error object, with err.page.
function methods.each(client, name, params, opts)
  local op = ops[name]
  if not op then fail("each: unknown operation '%s'", tostring(name)) end
  if not op.paginated then fail("each: %s is not a paginated list", name) end
  opts = check_options("each", opts, EACH_OPTIONS)
  if params ~= nil and type(params) ~= "table" then
    fail("%s: params must be a table, got %s", name, type(params))
  end
  local first = 1
  local base = {}
  for k, v in pairs(params or {}) do base[k] = v end
  if base.page ~= nil then
    first = math.tointeger(base.page)
    if not first or first < 1 then fail("each: page must be a positive integer") end
  end
  local limit = opts.concurrency or 1
  -- what each page's request takes of the options
  local call_opts = { retries = opts.retries, idempotent = opts.idempotent,
    max_body = opts.max_body }

  local function page_request(page)
    local p = {}
    for k, v in pairs(base) do p[k] = v end
    p.page = page
    return build(client, op, p, call_opts)
  end

  local function raise(err, page)
    err.page = page
    error(err, 0)
  end

  -- the first page's request now, so that misuse raises here
  local first_req, first_err = guarded(2, page_request, first)

  -- The body of page p as answered: raises unless it holds a data list.
  local function checked(body, res, p)
    if not body then raise(res, p) end
    if type(body) ~= "table" or type(body.data) ~= "table" then
      raise(core.error{ kind = "response", status = res.status, body = body, method = res.method,
        url = res.url, message = name .. " answered without a data list" }, p)
    end
    return body
  end

  local function fetch(page) -- one page, now
    local req, err = first_req, first_err
    if page ~= first then req, err = page_request(page) end
    if not req then raise(err, page) end
    local body, res = perform(client, req, op.method, opts)
    return checked(body, res, page)
  end

  local sched = new_scheduler(client, limit)
  local items, i = nil, 0
  local page, upcoming, last = first, first, nil
  local ahead, scheduled = {}, 0 -- pages fetched ahead: page -> {job, body, res}

  local function schedule_ahead()
    while last and upcoming <= last and scheduled < limit do
      local req, err = page_request(upcoming)
      if not req then raise(err, upcoming) end
      sched:add{ req = req, method = op.method, page = upcoming,
        retries = opts.retries or sched.state.retries, idempotent = opts.idempotent }
      upcoming, scheduled = upcoming + 1, scheduled + 1
    end
  end

  local function load(p) -- the body of page p
    if p == first or limit == 1 or not last then return fetch(p) end
    while ahead[p] == nil do
      schedule_ahead()
      for _, f in ipairs(sched:step()) do ahead[f[1].page] = f end
    end
    local body, res = ahead[p][2], ahead[p][3]
    ahead[p], scheduled = nil, scheduled - 1
    return checked(body, res, p)
  end

  local done = false
  local function iterate()
    while true do
      if items then
        i = i + 1
        if items[i] ~= nil then return items[i] end
      end
      if done then return nil end
      local body = load(page)
      items, i = body.data, 0
      local nxt, lst = next_page(body, page)
      if page == first then
        last = lst
        upcoming = page + 1
      end
      if not nxt or #items == 0 then done = true else page = nxt end
      if limit > 1 and not last then limit = 1 end
    end
  end
  return iterate, nil, nil, sched
end

-- Uploads -------------------------------------------------------------------

local UPLOAD_KEYS = { container_id = true, file = true, name = true, region = true }

-- client:upload_fs_file{container_id =, file =, name =, region =}: the
-- file-scanning upload flow: a presigned URL (get_fs_upload_url), the file
-- streamed to it (no token: the URL carries its own authority), then the
-- file registered (create_fs_file). Returns what create_fs_file returns.
function methods.upload_fs_file(client, params)
  if type(params) ~= "table" then
    fail("upload_fs_file: params must be a table, got %s", type(params))
  end
  for k in pairs(params) do
    if not UPLOAD_KEYS[k] then fail("upload_fs_file: unknown option '%s'", tostring(k)) end
  end
  if params.container_id == nil then
    fail("upload_fs_file: missing required parameter 'container_id'")
  end
  local file = params.file
  if type(file) ~= "string" then fail("upload_fs_file: parameter 'file' must be a path") end
  local f, msg = io.open(file, "rb")
  if not f then
    return nil, core.error{ kind = "file", message = "cannot read '" .. file .. "': "
      .. (msg:match(": ([^:]*)$") or msg), sent = false }
  end
  f:close()
  local filename = file:match("[^/]*$")
  local body, res = client:get_fs_upload_url{ container_id = params.container_id,
    filename = filename, region = params.region }
  if not body then return nil, res end
  local data = type(body) == "table" and body.data
  local method = type(data) == "table" and (data.method or "PUT")
  local url = type(data) == "table" and data.presigned_url
  local function bad(message)
    return nil, core.error{ kind = "response", status = res.status, body = body,
      message = message, method = res.method, url = res.url }
  end
  if type(url) ~= "string" or data.key == nil then
    return bad("get_fs_upload_url gave no presigned_url or key")
  end
  local headers = data.headers
  if headers ~= nil and type(headers) ~= "table" then headers = nil end
  local ok, req = pcall(core.build_upload, client, method, url, headers or {}, file)
  if not ok then return bad("the presigned upload cannot be used: " .. tostring(req)) end
  local put, err = perform(client, req, method, NO_OPTIONS)
  if not put then return nil, err end
  return client:create_fs_file{ container_id = params.container_id, data_type = "audio",
    key = data.key, filename = filename, name = params.name, region = params.region }
end
