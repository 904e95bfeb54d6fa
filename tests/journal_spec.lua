-- acrcloud.journal: the crash-safe record of what was sent.
local journal = require "acrcloud.journal"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TARGET = "http://127.0.0.1:1/api pid=1 stream=s-1"
local read, write = support.read_file, support.write_file

local function rows(...)
  local out = {}
  for i, id in ipairs { ... } do out[i] = { id = id, line = i + 1 } end
  return out
end

-- A journal's path for each test of a describe: `path`, with no file there
-- at the start, removed after.
local path
local function use_fresh_path()
  before_each(function() path = os.tmpname() os.remove(path) end)
  after_each(function() os.remove(path) end)
end

-- The journal at `path`, opened (again) without the lock.
local function open_journal() return assert(journal.open(path, TARGET)) end

-- Leaves at `path` a journal that has the intent to send rows(...) and no
-- outcome: a run that stopped while they were under way.
local function intent_only(...)
  local j = open_journal()
  j:intend(rows(...))
  j:close()
end

-- Leaves at `path` a journal in which rows(...) were sent and accepted.
local function sent_and_accepted(...)
  local j = open_journal()
  j:accepted(j:intend(rows(...)))
  j:close()
end

describe("acrcloud.journal digests", function()
  it("computes 64-bit FNV-1a", function()
    assert.equal("cbf29ce484222325", journal.digest(""))
    assert.equal("af63dc4c8601ec8c", journal.digest("a"))
    assert.equal("85944171f73967e8", journal.digest("foobar"))
  end)

  it("identifies a row by content, not by column order", function()
    local a = journal.row_digest({ "title", "start" }, { "x", "2021-01-01 00:00:00" })
    local b = journal.row_digest({ "start", "title" }, { "2021-01-01 00:00:00", "x" })
    assert.equal(a, b)
  end)

  it("tells rows apart even when their text could run together", function()
    local a = journal.row_digest({ "a", "b" }, { "x,y", "" })
    local b = journal.row_digest({ "a", "b" }, { "x", "y" })
    local c = journal.row_digest({ "a", "b" }, { "x", ",y" })
    assert.are_not.equal(a, b)
    assert.are_not.equal(a, c)
    assert.are_not.equal(b, c)
  end)
end)

describe("acrcloud.journal", function()
  use_fresh_path()

  it("starts empty when there is no file, and creates none until written", function()
    local j = open_journal()
    assert.is_nil(j:state("0123456789abcdef-1"))
    j:close()
    assert.is_nil(io.open(path))
  end)

  it("marks rows unknown once the intent is written", function()
    local j = open_journal()
    j:intend(rows("aaaaaaaaaaaaaaaa-1", "bbbbbbbbbbbbbbbb-1"))
    assert.equal("unknown", j:state("aaaaaaaaaaaaaaaa-1"))
    j:close()
    local again = open_journal()
    assert.equal("unknown", again:state("bbbbbbbbbbbbbbbb-1"))
    assert.equal(2, #again:unknown())
  end)

  it("remembers accepted rows across runs", function()
    local j = open_journal()
    local key = j:intend(rows("aaaaaaaaaaaaaaaa-1"))
    j:accepted(key, { 984590 })
    j:close()
    local again = open_journal()
    assert.equal("accepted", again:state("aaaaaaaaaaaaaaaa-1"))
    assert.same({}, again:unknown())
  end)

  it("records rejected and never-sent batches as not stored", function()
    local j = open_journal()
    j:rejected(j:intend(rows("aaaaaaaaaaaaaaaa-1")), "422 title: required")
    j:not_sent(j:intend(rows("bbbbbbbbbbbbbbbb-1")), "connection refused")
    j:close()
    local again = open_journal()
    local state, info = again:state("aaaaaaaaaaaaaaaa-1")
    assert.equal("rejected", state)
    assert.equal("422 title: required", info.reason)
    assert.equal("rejected", (again:state("bbbbbbbbbbbbbbbb-1")))
  end)

  it("gives batches keys that differ across runs", function()
    local j1 = open_journal()
    local k1 = j1:intend(rows("aaaaaaaaaaaaaaaa-1"))
    j1:rejected(k1, "422")
    j1:intend(rows("cccccccccccccccc-1"))
    j1:close()
    local j2 = open_journal()
    j2:decide_unknown(false)
    local k2 = j2:intend(rows("bbbbbbbbbbbbbbbb-1"))
    j2:accepted(k2)
    j2:close()
    assert.are_not.equal(k1, k2)
    local j3 = open_journal()
    -- Accepting run 2's batch says nothing about run 1's.
    assert.equal("rejected", (j3:state("aaaaaaaaaaaaaaaa-1")))
    assert.equal("rejected", (j3:state("cccccccccccccccc-1")))
    assert.equal("accepted", (j3:state("bbbbbbbbbbbbbbbb-1")))
  end)

  it("refuses a new intent while this run's last batch has no outcome", function()
    local j = open_journal()
    local key = j:intend(rows("aaaaaaaaaaaaaaaa-1"))
    assert.has_error(function() j:intend(rows("bbbbbbbbbbbbbbbb-1")) end,
      "journal: batch " .. key .. " is of unknown fate; record its outcome or decide about "
      .. "it before sending another")
    j:accepted(key)
    j:accepted(j:intend(rows("bbbbbbbbbbbbbbbb-1")))
    j:close()
  end)

  it("refuses a new intent until an earlier run's unknown batch is decided", function()
    local j = open_journal()
    local key = j:intend(rows("aaaaaaaaaaaaaaaa-1", "cccccccccccccccc-1"))
    j:close()
    local again = open_journal()
    local pending = again:unknown_batches()
    assert.equal(1, #pending)
    assert.equal(key, pending[1].key)
    assert.same({ { id = "aaaaaaaaaaaaaaaa-1", line = 2 },
      { id = "cccccccccccccccc-1", line = 3 } }, pending[1].rows)
    assert.has_error(function() again:intend(rows("bbbbbbbbbbbbbbbb-1")) end)
    assert.equal(2, again:decide_unknown(true))
    assert.same({}, again:unknown_batches())
    again:accepted(again:intend(rows("bbbbbbbbbbbbbbbb-1")))
    again:close()
    local third = open_journal()
    assert.equal("accepted", (third:state("aaaaaaaaaaaaaaaa-1")))
    assert.equal("accepted", (third:state("bbbbbbbbbbbbbbbb-1")))
  end)

  it("lets rows the user found missing be sent again", function()
    intent_only("aaaaaaaaaaaaaaaa-1")
    local again = open_journal()
    assert.equal(1, again:decide_unknown(false))
    again:close()
    local third = open_journal()
    local state, info = third:state("aaaaaaaaaaaaaaaa-1")
    assert.equal("rejected", state)
    assert.matches("--resend-unknown", info.reason, 1, true)
    assert.same({}, third:unknown_batches())
    -- Sent again and left unknown, it is one batch of unknown fate again.
    third:intend(rows("aaaaaaaaaaaaaaaa-1"))
    assert.equal(1, #third:unknown_batches())
  end)

  it("ignores a torn last line: a lost outcome leaves rows unknown", function()
    sent_and_accepted("aaaaaaaaaaaaaaaa-1")
    local text = read(path)
    write(path, text:sub(1, -6)) -- cut inside the outcome record
    local again = open_journal()
    assert.equal(1, again.damaged)
    assert.equal("unknown", (again:state("aaaaaaaaaaaaaaaa-1")))
  end)

  it("ignores a torn intent: those rows were never sent", function()
    local j = open_journal()
    j:accepted(j:intend(rows("aaaaaaaaaaaaaaaa-1")))
    j:intend(rows("bbbbbbbbbbbbbbbb-1"))
    j:close()
    local text = read(path)
    write(path, text:sub(1, -3)) -- only the last intent's tail is cut
    local again = open_journal()
    assert.equal("accepted", (again:state("aaaaaaaaaaaaaaaa-1")))
    assert.is_nil(again:state("bbbbbbbbbbbbbbbb-1"))
  end)

  it("can be read after a cut at any byte", function()
    local j = open_journal()
    j:accepted(j:intend(rows("aaaaaaaaaaaaaaaa-1", "cccccccccccccccc-1")), { 1, 2 })
    j:intend(rows("bbbbbbbbbbbbbbbb-1"))
    j:close()
    local text = read(path)
    for cut = 0, #text do
      write(path, text:sub(1, cut))
      local again = open_journal()
      local a = again:state("aaaaaaaaaaaaaaaa-1")
      -- Never "accepted" unless the whole outcome record made it.
      assert.is_true(a == nil or a == "unknown" or a == "accepted")
      if a == "accepted" then assert.equal("accepted", (again:state("cccccccccccccccc-1"))) end
    end
  end)

  it("keeps writing correctly after a torn line", function()
    intent_only("aaaaaaaaaaaaaaaa-1")
    write(path, read(path):sub(1, -4))
    local j2 = open_journal()
    j2:accepted(j2:intend(rows("bbbbbbbbbbbbbbbb-1")))
    j2:close()
    local j3 = open_journal()
    assert.equal("accepted", (j3:state("bbbbbbbbbbbbbbbb-1")))
    assert.equal(1, j3.damaged)
  end)

  it("ignores a line whose checksum does not match", function()
    sent_and_accepted("aaaaaaaaaaaaaaaa-1")
    write(path, (read(path):gsub("\nA ", "\nA  ")))
    local again = open_journal()
    assert.equal("unknown", (again:state("aaaaaaaaaaaaaaaa-1")))
  end)

  it("refuses a journal made for another target", function()
    intent_only("aaaaaaaaaaaaaaaa-1")
    local again, err = journal.open(path, "https://api-v2.acrcloud.com/api pid=1 stream=s-1")
    assert.is_nil(again)
    assert.matches("this journal records sends to http://127.0.0.1:1/api", err, 1, true)
  end)

  it("refuses a file that is not a journal", function()
    write(path, ("some unrelated text\n"):rep(20))
    local j, err = journal.open(path, TARGET)
    assert.is_nil(j)
    assert.matches("not a report journal", err, 1, true)
  end)

  it("records rows the user says are on the server", function()
    local j = open_journal()
    j:intend(rows("aaaaaaaaaaaaaaaa-1"))
    j:mark_accepted { "aaaaaaaaaaaaaaaa-1" }
    j:close()
    local again = open_journal()
    assert.equal("accepted", (again:state("aaaaaaaaaaaaaaaa-1")))
  end)

  it("lists unknown rows by line", function()
    local j = open_journal()
    j:intend { { id = "bbbbbbbbbbbbbbbb-1", line = 9 }, { id = "aaaaaaaaaaaaaaaa-1", line = 4 } }
    local list = j:unknown()
    assert.equal(4, list[1].line)
    assert.equal("aaaaaaaaaaaaaaaa-1", list[1].id)
    assert.equal(9, list[2].line)
  end)

  it("writes one flushed line per record, readable while open", function()
    local j = open_journal()
    j:intend(rows("aaaaaaaaaaaaaaaa-1"))
    -- Not closed: another reader must already see the intent.
    local other = open_journal()
    assert.equal("unknown", (other:state("aaaaaaaaaaaaaaaa-1")))
    j:close()
    for line in read(path):gmatch("[^\n]+") do assert.matches(" %*%x+$", line) end
  end)

  it("raises when it cannot write, so nothing is sent unrecorded", function()
    local j = assert(journal.open("/nonexistent-dir/x.journal", TARGET))
    assert.has_error(function() j:intend(rows("aaaaaaaaaaaaaaaa-1")) end)
  end)

  it("fsyncs every record before the call returns", function()
    local acrcloud = require "acrcloud"
    local real = acrcloud.fsync
    local synced = {}
    acrcloud.fsync = function(f)
      -- What the file holds once each fsync is done.
      local ok, err = real(f)
      synced[#synced + 1] = read(path)
      return ok, err
    end
    local ok, err = pcall(function()
      local j = assert(journal.open(path, TARGET, { lock = true }))
      j:accepted(j:intend(rows("aaaaaaaaaaaaaaaa-1")))
      j:close()
    end)
    acrcloud.fsync = real
    assert(ok, err)
    -- Header and start, the intent, the outcome (and the new file's directory).
    local last = synced[#synced]
    assert.matches("\nA 1%.1 %- %*%x+\n$", last)
    local intent_synced = false
    for _, text in ipairs(synced) do
      if text and text:match("\nI 1%.1 [^\n]*\n$") then intent_synced = true end
    end
    assert.is_true(intent_synced)
  end)
end)

describe("acrcloud.journal's lock", function()
  use_fresh_path()

  it("refuses a second locked open while the first is open", function()
    local a = assert(journal.open(path, TARGET, { lock = true }))
    local b, err = journal.open(path, TARGET, { lock = true })
    assert.is_nil(b)
    assert.equal(path .. " is in use by another run (it is locked); wait for that run to end, "
      .. "or give another journal file", err)
    -- Reading without the lock is still possible.
    assert.truthy(journal.open(path, TARGET))
    a:close()
    local c = assert(journal.open(path, TARGET, { lock = true }))
    c:close()
  end)

  it("is held by another process until the kernel drops it at SIGKILL", function()
    local acrlua = assert(os.getenv("ACRLUA"), "ACRLUA is not set")
    local ready = os.tmpname()
    local p = assert(io.popen(string.format([[%s -e '
      local j = assert(require("acrcloud.journal").open(%q, %q, { lock = true }))
      io.open(%q, "w"):write("locked"):close()
      os.execute("sleep 30")' >/dev/null 2>&1 & echo $!]], support.q(acrlua), path, TARGET,
      ready)))
    local pid = tonumber(p:read("l"))
    p:close()
    local deadline = os.time() + 20
    while read(ready) ~= "locked" and os.time() < deadline do os.execute("sleep 0.05") end
    assert.equal("locked", read(ready))
    local j, err = journal.open(path, TARGET, { lock = true })
    assert.is_nil(j)
    assert.matches("in use by another run", err, 1, true)
    os.execute("kill -KILL " .. pid)
    -- The child's `sleep 30` does not inherit the lock (close-on-exec).
    local free
    deadline = os.time() + 10
    repeat
      free = journal.open(path, TARGET, { lock = true })
      if not free then os.execute("sleep 0.05") end
    until free or os.time() > deadline
    assert.truthy(free)
    free:close()
    os.remove(ready)
  end)
end)

describe("acrcloud.fsync and acrcloud.lock", function()
  local acrcloud = require "acrcloud"

  it("fsyncs an open file and a directory", function()
    local name = os.tmpname()
    local f = assert(io.open(name, "w"))
    f:write("x")
    assert.is_true(acrcloud.fsync(f))
    f:close()
    assert.equal("x", read(name))
    os.remove(name)
    local d = assert(io.open("/tmp", "rb"))
    assert.is_true(acrcloud.fsync(d))
    d:close()
  end)

  it("raises on a closed file and on what is not a file", function()
    local f = assert(io.open(os.tmpname(), "w"))
    f:close()
    assert.has_error(function() acrcloud.fsync(f) end, "attempt to use a closed file")
    assert.has_error(function() acrcloud.lock(f) end, "attempt to use a closed file")
    assert.has_error(function() acrcloud.fsync("x") end)
  end)

  it("returns nil and the system's message when fsync fails", function()
    local p = assert(io.popen("true"))
    local ok, msg, code = acrcloud.fsync(p) -- a pipe cannot be synced
    p:close()
    assert.is_nil(ok)
    assert.equal("Invalid argument", msg)
    assert.equal(22, code)
  end)

  it("tells a lock held elsewhere from one taken", function()
    local name = os.tmpname()
    local a, b = assert(io.open(name, "a")), assert(io.open(name, "a"))
    assert.is_true(acrcloud.lock(a))
    assert.is_false(acrcloud.lock(b))
    a:close()
    assert.is_true(acrcloud.lock(b))
    b:close()
    os.remove(name)
  end)
end)
