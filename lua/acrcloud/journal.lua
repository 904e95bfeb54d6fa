--- A crash-safe, append-only journal of rows sent to an API in batches.
--
-- The reporting script keeps one next to its CSV (`reports.csv.journal`) so
-- that a run that was interrupted can be run again without losing or
-- duplicating rows. How it works:
--
-- * Every row has an identity that does not depend on where it is in the
--   file: a 64-bit FNV-1a digest of its fields (by column name), plus "-N"
--   for the Nth row with that same content. Inserting, removing or moving
--   other rows does not change it; editing the row itself makes it a new row.
-- * Before a batch is sent, an intent record lists the identities in it.
--   After the server answers, an outcome record says the batch was accepted
--   or rejected (nothing stored), or that it never left this machine.
-- * A batch with an intent and no outcome is of "unknown" fate: the run
--   stopped between sending and recording the answer, so the server may or
--   may not have it. There is never more than one: an intent is refused
--   while any batch is unknown, so the next batch is recorded only once the
--   previous outcome is on the disk, and a batch left unknown by a crash
--   must be decided (`decide_unknown`) before anything else is sent.
-- * Each record is one line ending in "\n" with a checksum of its own text,
--   written with a single write, flushed and fsynced before the call
--   returns: what the journal says survives a kill and a power cut. A line
--   cut short by a crash (no "\n", or a checksum that does not match) is
--   ignored when the journal is read, which loses at most the record being
--   written: an intent that was never complete means the batch was never
--   sent; an outcome that was never complete leaves its batch unknown,
--   never "accepted".
-- * Opened with `{ lock = true }`, the journal holds an exclusive flock(2)
--   until it is closed or the process ends (however it ends): a second
--   writer is refused instead of interleaving its records.
-- * The first run records the target (API base URL, project, stream); a
--   journal made for another target is refused.
--
-- File format, one record a line, fields separated by spaces, text fields
-- percent-escaped, each line ending in " *" and 16 hex digits of checksum:
--   H 1                          header: format version
--   S <run> <target>             a run that writes to the journal started
--   I <run.seq> <id>@<line> ...  intent: this batch is about to be sent
--   A <run.seq> <server ids>     outcome: accepted (ids comma-separated or -)
--   R <run.seq> <reason>         outcome: rejected by the server, not stored
--   N <run.seq> <reason>         outcome: not sent (failed before leaving,
--                                or the user found it was not stored)
--   M <id> ...                   the user said these rows are on the server
local acrcloud = require "acrcloud"
local by = require("acrcloud.order").by

local M = {}

local FNV_OFFSET = 0xcbf29ce484222325 -- wraps to a negative integer: intended
local FNV_PRIME = 0x100000001b3

--- 64-bit FNV-1a of a string, continuing from `h` if given.
function M.fnv1a(s, h)
  h = h or FNV_OFFSET
  local byte = string.byte
  for i = 1, #s do h = (h ~ byte(s, i)) * FNV_PRIME end
  return h
end

--- 16 hex digits of the FNV-1a digest of `s`.
function M.digest(s)
  return string.format("%016x", M.fnv1a(s))
end

--- Digest of a CSV row given its header and fields, independent of the
-- order of the columns. Lengths are part of the input so that no two
-- different rows can be spelled the same way.
function M.row_digest(header, fields)
  local pairs_ = {}
  for i, name in ipairs(header) do
    local value = fields[i] or ""
    pairs_[#pairs_ + 1] = #name .. ":" .. name .. "=" .. #value .. ":" .. value
  end
  table.sort(pairs_)
  return M.digest(table.concat(pairs_, ";"))
end

--- Percent-escapes a text field so it holds no spaces, newlines or '%'.
local function escape(s)
  return (tostring(s):gsub("[%%%s%c*]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

local function unescape(s)
  return (s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end))
end

local function seal(text)
  return text .. " *" .. M.digest(text) .. "\n"
end

-- Returns the record's text if the line is whole and its checksum matches.
local function unseal(line)
  local text, sum = line:match("^(.*) %*(%x+)$")
  if text and #sum == 16 and M.digest(text) == sum:lower() then return text end
  return nil
end

local function split(text)
  local out = {}
  for word in text:gmatch("%S+") do out[#out + 1] = word end
  return out
end

local Journal = {}
Journal.__index = Journal

-- Applies one record to the in-memory state. Returns false if unknown.
function Journal:apply(r)
  local kind = r[1]
  if kind == "H" then
    self.version = tonumber(r[2])
  elseif kind == "S" and r[2] and r[3] then
    self.runs = math.max(self.runs, tonumber(r[2]) or 0)
    self.target = self.target or unescape(r[3])
    if unescape(r[3]) ~= self.target then self.mixed = true end
  elseif kind == "I" and r[2] then
    local members = {}
    for i = 3, #r do
      local id, line = r[i]:match("^([%x]+%-%d+)@(%d+)$")
      if id then
        members[#members + 1] = id
        local cur = self.rows[id]
        if not (cur and cur.state == "accepted") then
          self.rows[id] = { state = "unknown", batch = r[2], line = tonumber(line) }
        end
      end
    end
    self.batches[r[2]] = members
    self.open_keys[r[2]] = true
  elseif (kind == "A" or kind == "R" or kind == "N") and r[2] then
    self.open_keys[r[2]] = nil
    local state = kind == "A" and "accepted" or "rejected"
    for _, id in ipairs(self.batches[r[2]] or {}) do
      local cur = self.rows[id]
      if cur and cur.state ~= "accepted" and cur.batch == r[2] then
        cur.state = state
        cur.reason = kind ~= "A" and r[3] and unescape(r[3]) or nil
        cur.server_ids = kind == "A" and r[3] or nil
      end
    end
  elseif kind == "M" then
    for i = 2, #r do
      local cur = self.rows[r[i]] or {}
      cur.state = "accepted"
      cur.marked = true
      self.rows[r[i]] = cur
    end
  else
    return false
  end
  return true
end

-- Makes the name of a file just created durable: fsyncs its directory.
local function sync_directory(path)
  local d = io.open(path:match("^(.*)/[^/]*$") or ".", "rb")
  if d then
    acrcloud.fsync(d)
    d:close()
  end
end

-- Opens the journal for appending and takes its lock. Returns the handle,
-- or nil and a message.
local function open_locked(path)
  local existed = io.open(path, "rb")
  if existed then existed:close() end
  local f, err = io.open(path, "ab")
  if not f then return nil, "cannot open the journal: " .. tostring(err) end
  local locked, lock_err = acrcloud.lock(f)
  if locked == nil then
    f:close()
    return nil, path .. ": cannot lock the journal: " .. tostring(lock_err)
  elseif not locked then
    f:close()
    return nil, path .. " is in use by another run (it is locked); wait for that run to "
      .. "end, or give another journal file"
  end
  if not existed then sync_directory(path) end
  return f
end

--- Opens the journal at `path` for `target`, a string naming where rows go.
-- With `opts.lock`, the file is created if needed and locked until `close`
-- (refused if another process holds it); without, it is only read until the
-- first write. Returns the journal, or nil and a message.
function M.open(path, target, opts)
  local self = setmetatable({
    path = path,
    rows = {},      -- id -> { state =, batch =, line =, reason = }
    batches = {},   -- batch key -> { ids }
    open_keys = {}, -- batch keys with an intent and no outcome yet
    runs = 0,
    damaged = 0,    -- lines ignored: torn or with a bad checksum
    records = 0,
  }, Journal)
  if opts and opts.lock then
    local handle, err = open_locked(path)
    if not handle then return nil, err end
    self.file = handle
    self.started = false
  end
  local f = io.open(path, "rb")
  local ends_cleanly = true
  if f then
    local text, err = f:read("a")
    f:close()
    if not text then return nil, path .. ": " .. tostring(err) end
    for line, nl in text:gmatch("([^\n]*)(\n?)") do
      if line ~= "" or nl ~= "" then
        local rec = nl == "\n" and unseal(line)
        if rec and self:apply(split(rec)) then
          self.records = self.records + 1
        else
          self.damaged = self.damaged + 1
        end
      end
    end
    ends_cleanly = text == "" or text:sub(-1) == "\n"
    -- A journal torn while its very first lines were written has no
    -- whole record yet; anything bigger without a header is not ours.
    if (self.records > 0 and self.version ~= 1) or (self.records == 0 and #text > 256) then
      self:close()
      return nil, path .. ": not a report journal (no \"H 1\" header); "
        .. "move it away or give another journal file"
    end
  end
  local function refuse(msg)
    self:close()
    return nil, msg
  end
  if self.target and self.target ~= target then
    return refuse(string.format("%s: this journal records sends to %s, not to %s; "
      .. "give another journal file for this target", path, self.target, target))
  end
  if self.mixed then
    return refuse(path .. ": this journal mixes several targets; refusing to guess")
  end
  self.new_target = target
  self.ends_cleanly = ends_cleanly
  return self
end

-- Opens the file for appending on the first write of a run, and records the
-- start of the run (and the header, for a new journal).
function Journal:start()
  if self.started then return end
  if not self.file then
    local f, err = io.open(self.path, "ab")
    if not f then error("cannot write the journal: " .. tostring(err), 0) end
    self.file = f
  end
  self.started = true
  self.run = self.runs + 1
  self.runs = self.run
  self.seq = 0
  -- A torn last line gets its own line end, so it stays one bad line
  -- instead of spoiling the record written after it.
  local head = self.ends_cleanly and "" or "\n"
  if self.records == 0 then head = head .. seal("H 1") end
  self:put(head .. seal("S " .. self.run .. " " .. escape(self.new_target)))
  self.target = self.new_target
  self.version = 1
end

-- Appends one record and puts it on the disk. Raises if the journal cannot
-- be written: nothing may be sent that was not recorded first.
function Journal:write(text)
  self:start()
  self:put(seal(text))
  self:apply(split(text))
end

function Journal:put(s)
  local ok, err = self.file:write(s)
  if ok then ok, err = acrcloud.fsync(self.file) end
  if not ok then error("cannot write the journal " .. self.path .. ": " .. tostring(err), 0) end
end

--- State of a row: "accepted", "unknown", "rejected" or nil (never sent),
-- and its details `{ batch =, line =, reason = }`.
function Journal:state(id)
  local r = self.rows[id]
  return r and r.state, r
end

--- Records the intent to send `rows` (each `{ id =, line = }`); returns the
-- batch key to pass to the outcome functions. Raises while a batch is of
-- unknown fate (this run's last one has no outcome yet, or an earlier run's
-- was never decided): there is never more than one.
function Journal:intend(rows)
  local open = self:unknown_batches()
  if #open > 0 then
    error(string.format("journal: batch %s is of unknown fate; record its outcome or "
      .. "decide about it before sending another", open[1].key), 2)
  end
  local parts = {}
  for i, row in ipairs(rows) do
    assert(row.id:match("^%x+%-%d+$"), "bad row id")
    parts[i] = row.id .. "@" .. math.tointeger(row.line)
  end
  self:start() -- the run number is known once the journal is open
  self.seq = self.seq + 1
  local key = self.run .. "." .. self.seq
  self:write("I " .. key .. " " .. table.concat(parts, " "))
  return key
end

--- The server stored the batch; `server_ids` is an optional list of ids.
function Journal:accepted(key, server_ids)
  local ids = {}
  for i, v in ipairs(server_ids or {}) do ids[i] = escape(v) end
  self:write("A " .. key .. " " .. (#ids > 0 and table.concat(ids, ",") or "-"))
end

--- The server refused the batch; nothing of it was stored.
function Journal:rejected(key, reason)
  self:write("R " .. key .. " " .. escape(reason or "rejected"))
end

--- The batch never reached the server (e.g. connection refused).
function Journal:not_sent(key, reason)
  self:write("N " .. key .. " " .. escape(reason or "not sent"))
end

--- The user says these rows are on the server: never send them again.
function Journal:mark_accepted(ids)
  for _, id in ipairs(ids) do assert(id:match("^%x+%-%d+$"), "bad row id") end
  if #ids > 0 then self:write("M " .. table.concat(ids, " ")) end
end

--- Batches of unknown fate (at most one, except in a journal written by an
-- older version), oldest first: `{ key =, rows = { { id =, line = }, ... } }`
-- with rows sorted by line.
function Journal:unknown_batches()
  local out = {}
  for key in pairs(self.open_keys) do
    local rows = {}
    for _, id in ipairs(self.batches[key] or {}) do
      local r = self.rows[id]
      if r and r.state == "unknown" and r.batch == key then
        rows[#rows + 1] = { id = id, line = r.line }
      end
    end
    if #rows > 0 then
      table.sort(rows, function(a, b) return a.line < b.line end)
      out[#out + 1] = { key = key, rows = rows }
    else
      self.open_keys[key] = nil -- resent in a later batch, or marked
    end
  end
  local function order(key)
    local run, seq = key:match("^(%d+)%.(%d+)$")
    return tonumber(run) or 0, tonumber(seq) or 0
  end
  table.sort(out, function(a, b)
    local ra, sa = order(a.key)
    local rb, sb = order(b.key)
    if ra ~= rb then return ra < rb end
    return sa < sb
  end)
  return out
end

--- Records what the user found out about the batches of unknown fate:
-- `true` (they are on the server: their rows become accepted) or `false`
-- (they are not: their rows can be sent again). Returns the number of rows.
function Journal:decide_unknown(stored)
  local n = 0
  for _, b in ipairs(self:unknown_batches()) do
    local ids = {}
    for i, r in ipairs(b.rows) do ids[i] = r.id end
    if stored then
      self:mark_accepted(ids)
    else
      self:not_sent(b.key, "not on the server, the user found (--resend-unknown)")
    end
    n = n + #ids
  end
  return n
end

--- Rows whose fate is unknown, sorted by line: `{ id =, line =, batch = }`.
function Journal:unknown()
  local out = {}
  for id, r in pairs(self.rows) do
    if r.state == "unknown" then out[#out + 1] = { id = id, line = r.line, batch = r.batch } end
  end
  table.sort(out, by("line", "id"))
  return out
end

--- Closes the file, which releases the lock.
function Journal:close()
  if self.file then
    self.file:close()
    self.file = nil
    self.started = false
  end
end

return M
