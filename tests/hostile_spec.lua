-- Hostile peers against the receiver and the emulator, on loopback only:
-- a slowloris of 600 connections sending one header line a second and
-- 2,000 idle connections (tests/hostile_peer.c, from 127.0.0.2 and up),
-- while real posts (from 127.0.0.1) must be answered within 1 s; and the
-- deadlines that close slow, idle and non-HTTP connections.
local acrcloud = require "acrcloud"
local cbs = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "callbacks_support.lua")
local emulator = require "acrcloud.emulator"
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local q = support.q
local PEER = os.getenv("ACRLUA_HOSTILE_PEER") or "build/tests/hostile_peer"
local SLOW, IDLE = 600, 2000
local ATTACK_SECONDS = 5
local temp = support.temp_files()

teardown(function()
  cbs.stop_all()
  temp.remove_all()
end)

local function new_db() return cbs.new_sqlite_db(temp) end

-- Starts the flood; returns a function that waits for its end and returns
-- its counts.
local function attack(port, sources, slow, idle, seconds, rate)
  local p = assert(io.popen(string.format("%s %d %d %d %d %g %d", q(PEER), port, sources, slow,
    idle, seconds, rate or 2000)))
  assert.are.equal("ready", p:read("l"))
  return function()
    local line = p:read("l") or ""
    p:close()
    local counts = {}
    for k, v in line:gmatch("([%w_]+)=(%d+)") do counts[k] = tonumber(v) end
    assert.is_truthy(counts.opened, "hostile_peer said: " .. line)
    return counts
  end
end

-- One request with curl: status and seconds taken (curl's own clock).
local function timed(url, o)
  o = o or {}
  local cmd = { "curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5" }
  if o.body then
    local f = temp.file(o.body)
    cmd[#cmd + 1] = "-H 'Content-Type: application/json' --data-binary @" .. q(f)
  end
  if o.token then cmd[#cmd + 1] = "-H " .. q("Authorization: Bearer " .. o.token) end
  cmd[#cmd + 1] = q(url)
  local p = assert(io.popen(table.concat(cmd, " ")))
  local out = p:read("a")
  p:close()
  local status, seconds = out:match("^(%d+) ([%d.]+)$")
  return tonumber(status), tonumber(seconds) or math.huge
end

-- A state post of its own for each i, so that each is stored.
local function state_post(i)
  return acrcloud.encode({ status = { { stream_id = "legit", stream_name = "Legit",
    code = i % 2 == 0 and 0 or 12, state = "x", type = "unknown",
    timestamp = string.format("2022-01-22 14:%02d:00", i) } } })
end

-- n real requests, a quarter of a second apart, during the attack; each
-- must be answered 200 within 1 s. Returns the slowest time.
local function real_requests(n, send)
  local slowest = 0
  for i = 1, n do
    local status, seconds = send(i)
    assert.are.equal(200, status, "request " .. i)
    assert.is_true(seconds < 1, string.format("request %d took %.3f s", i, seconds))
    slowest = math.max(slowest, seconds)
    os.execute("sleep 0.25")
  end
  return slowest
end

-- A receiver attacked from `addresses` addresses while 8 real posts (each
-- one stored) must be answered in time: the receiver (still running), its
-- database, the attacker's counts and the slowest real post's time.
local function attacked_receiver(addresses)
  local db = new_db()
  local r = cbs.receiver({ db = db })
  local done = attack(r.port, addresses, SLOW, IDLE, ATTACK_SECONDS)
  local slowest = real_requests(8, function(i)
    return timed(r.url, { body = state_post(i) })
  end)
  return r, db, done(), slowest
end

describe("under a slowloris and an idle flood", function()
  it("the receiver answers real posts within 1 s (the attack from one address)", function()
    local r, db, counts, slowest = attacked_receiver(1)
    assert.is_true(counts.closed > 1000, "the server closed " .. counts.closed)
    assert.are.equal(200, (cbs.post(r.url, "spec-state.json")))
    r.stop()
    -- The limit per address (64) held the attacker's connections, the
    -- real client's beside them.
    local peak = tonumber(r.read_log():match("at most (%d+) connection"))
    assert.is_true(peak <= 64 + 2, "the receiver held " .. tostring(peak))
    assert.are.equal(9, cbs.open_db(db):count("states"))
    print(string.format("\n# one address: slowest real post %.3f s; attacker: %s connections " ..
      "opened, %s closed by the server; the receiver held at most %d", slowest, counts.opened,
      counts.closed, peak))
  end)

  it("the receiver answers real posts within 1 s (the attack from 40 addresses)", function()
    local r, db, counts, slowest = attacked_receiver(40)
    r.stop()
    local log = r.read_log()
    local evicted = tonumber(log:match("(%d+) evicted"))
    assert.is_true(evicted > 1000, "evicted: " .. tostring(evicted))
    -- At most max_connections (256) and the room for newcomers (64).
    local peak = tonumber(log:match("at most (%d+) connection"))
    assert.is_true(peak <= 320, "the receiver held " .. tostring(peak))
    assert.are.equal(8, cbs.open_db(db):count("states"))
    print(string.format("# 40 addresses: slowest real post %.3f s; attacker: %s connections " ..
      "opened, %s closed by the server; the receiver held at most %d, evicted %d", slowest,
      counts.opened, counts.closed, peak, evicted))
  end)

  it("the emulator answers real requests within 1 s (the attack from 40 addresses)", function()
    local emu = emulator.spawn({ token = "hostile-token", lifetime = 60 })
    local done = attack(emu.port, 40, SLOW, IDLE, ATTACK_SECONDS)
    local slowest = real_requests(8, function()
      return timed(emu.url .. "/base-projects/15", { token = "hostile-token" })
    end)
    local counts = done()
    -- and at once again when the attack stops
    local status, after = timed(emu.url .. "/base-projects/15", { token = "hostile-token" })
    emu.stop()
    assert.are.equal(200, status)
    assert.is_true(after < 1, string.format("%.3f s after the attack", after))
    print(string.format("# emulator, 40 addresses: slowest real request %.3f s, %.3f s after; " ..
      "attacker: %s connections opened, %s closed by the server", slowest, after, counts.opened,
      counts.closed))
  end)
end)

describe("the receiver's deadlines", function()
  it("closes connections that do not finish their headers in --header-timeout", function()
    local r = cbs.receiver({ db = new_db(), args = { "--header-timeout", "1" } })
    local done = attack(r.port, 1, 20, 0, 2.6)
    local counts = done()
    assert.is_true(counts.closed >= 20, "closed " .. counts.closed)
    r.stop()
    assert.is_true(tonumber(r.read_log():match("(%d+) overdue")) >= 20, r.read_log())
  end)

  it("closes a connection that sends no request line (a TLS handshake) in time", function()
    local r = cbs.receiver({ db = new_db(), args = { "--header-timeout", "1" } })
    local t0 = process.now()
    -- A TLS ClientHello's first bytes, no line break.
    os.execute("printf '\\026\\003\\001\\002\\000\\001\\000\\001\\374\\003\\003' | " ..
      "timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/" .. r.port .. "; cat >&3; cat <&3' " ..
      ">/dev/null 2>&1")
    local took = process.now() - t0
    assert.is_true(took < 3, string.format("closed after %.1f s", took))
    r.stop()
  end)

  it("answers 400 at once to a line that is not HTTP, or closes the connection", function()
    local r = cbs.receiver({ db = new_db() })
    local function send(bytes)
      local out = temp.name()
      local t0 = process.now()
      os.execute("printf " .. q(bytes) .. " | timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/" ..
        r.port .. "; cat >&3; cat <&3' > " .. q(out) .. " 2>/dev/null")
      return support.read_file(out), process.now() - t0
    end
    local answer, took = send("hello there friend\\r\\n\\r\\n")
    assert.matches("^HTTP/1%.1 400", answer)
    assert.is_true(took < 1)
    answer, took = send("SSH-2.0-OpenSSH_9.2\\r\\n")
    assert.are.equal("", answer)
    assert.is_true(took < 1)
    r.stop()
  end)

  it("closes connections idle for --idle-timeout", function()
    local r = cbs.receiver({ db = new_db(), args = { "--idle-timeout", "1",
      "--header-timeout", "0" } })
    local done = attack(r.port, 1, 0, 20, 3.2)
    local counts = done()
    assert.is_true(counts.opened >= 20)
    assert.is_true(counts.closed >= 20, "closed " .. counts.closed)
    r.stop()
  end)
end)
