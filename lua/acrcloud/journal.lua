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
-- * A row with an intent and no outcome is "unknown": the run stopped
--   between sending and recording the answer, so the server may or may not
--   have it. The script lists such rows and sends them again only when asked.
-- * Each record is one line ending in "\n" with a checksum of its own text,
--   written with a single write and flushed at once. A line cut short by a
--   crash (no "\n", or a checksum that does not match) is ignored when the
--   journal is read, which loses at most the record being written: an intent
--   that was never complete means the batch was never sent; an outcome that
--   was never complete leaves its rows "unknown", never "accepted".
-- * The first run records the target (API base URL, project, stream); a
--   journal made for another target is refused.
--
-- Flushing hands each record to the operating system, which survives the
-- process being killed; surviving a power cut would also need fsync, which
-- plain Lua cannot ask for.
--
-- File format, one record a line, fields separated by spaces, text fields
-- percent-escaped, each line ending in " *" and 16 hex digits of checksum:
--   H 1                          header: format version
--   S <run> <target>             a run that writes to the journal started
--   I <run.seq> <id>@<line> ...  intent: this batch is about to be sent
--   A <run.seq> <server ids>     outcome: accepted (ids comma-separated or -)
--   R <run.seq> <reason>         outcome: rejected by the server, not stored
--   N <run.seq> <reason>         outcome: not sent (failed before leaving)
--   M <id> ...                   the user said these rows are on the server
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
  elseif (kind == "A" or kind == "R" or kind == "N") and r[2] then
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

--- Opens (creating if needed) the journal at `path` for `target`, a string
-- naming where rows go. Returns the journal, or nil and a message.
function M.open(path, target)
  local self = setmetatable({
    path = path,
    rows = {},     -- id -> { state =, batch =, line =, reason = }
    batches = {},  -- batch key -> { ids }
    runs = 0,
    damaged = 0,   -- lines ignored: torn or with a bad checksum
    records = 0,
  }, Journal)
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
      return nil, path .. ": not a report journal (no \"H 1\" header); "
        .. "move it away or give another journal file"
    end
  end
  if self.target and self.target ~= target then
    return nil, string.format("%s: this journal records sends to %s, not to %s; "
      .. "give another journal file for this target", path, self.target, target)
  end
  if self.mixed then
    return nil, path .. ": this journal mixes several targets; refusing to guess"
  end
  self.new_target = target
  self.ends_cleanly = ends_cleanly
  return self
end

-- Opens the file for appending on the first write of a run, and records the
-- start of the run (and the header, for a new journal).
function Journal:start()
  if self.file then return end
  local f, err = io.open(self.path, "ab")
  if not f then error("cannot write the journal: " .. tostring(err), 0) end
  self.file = f
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

-- Appends one record and flushes it. Raises if the journal cannot be
-- written: nothing may be sent that was not recorded first.
function Journal:write(text)
  self:start()
  self:put(seal(text))
  self:apply(split(text))
end

function Journal:put(s)
  local ok, err = self.file:write(s)
  if ok then ok, err = self.file:flush() end
  if not ok then error("cannot write the journal " .. self.path .. ": " .. tostring(err), 0) end
end

--- State of a row: "accepted", "unknown", "rejected" or nil (never sent),
-- and its details `{ batch =, line =, reason = }`.
function Journal:state(id)
  local r = self.rows[id]
  return r and r.state, r
end

--- Records the intent to send `rows` (each `{ id =, line = }`); returns the
-- batch key to pass to the outcome functions.
function Journal:intend(rows)
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

--- Rows whose fate is unknown, sorted by line: `{ id =, line =, batch = }`.
function Journal:unknown()
  local out = {}
  for id, r in pairs(self.rows) do
    if r.state == "unknown" then out[#out + 1] = { id = id, line = r.line, batch = r.batch } end
  end
  table.sort(out, function(a, b)
    if a.line ~= b.line then return a.line < b.line end
    return a.id < b.id
  end)
  return out
end

function Journal:close()
  if self.file then
    self.file:close()
    self.file = nil
  end
end

return M
