-- scripts/receive-callbacks.lua against SQLite: started as a child
-- process, posted to with curl, its database read back.
local acrcloud = require "acrcloud"
local cbs = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "callbacks_support.lua")
local process = require "acrcloud.process"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local temp = support.temp_files()

local function new_db() return cbs.new_sqlite_db(temp) end

local function count(db_url, tbl, where)
  local db = cbs.open_db(db_url)
  local n = db:rows("SELECT COUNT(*) AS n FROM " .. tbl .. (where and " WHERE " .. where or ""),
    { "n" })[1].n
  db:close()
  return n
end

local function rows(db_url, sql, numbers)
  local db = cbs.open_db(db_url)
  local out = db:rows(sql, numbers)
  db:close()
  return out
end

teardown(function()
  cbs.stop_all()
  temp.remove_all()
end)

describe("the receiver", function()
  local db, r

  setup(function()
    db = new_db()
    r = cbs.receiver({ db = db })
  end)

  teardown(function() r.stop() end)

  it("prints the URL to give ACRCloud first, on 127.0.0.1", function()
    assert.matches("^http://127%.0%.0%.1:%d+/callback$", r.url)
  end)

  it("answers 200 OK and stores each shape in its table", function()
    local before = { results = count(db, "results"), no_results = count(db, "no_results"),
      states = count(db, "states") }
    local posts = {
      { "spec-result.json", "results", 1 }, { "result-form-whole.form", "results", 1 },
      { "result-form-split.form", "results", 0 }, -- the same match as the form above
      { "result-music-custom.json", "results", 3 }, { "noresult.json", "no_results", 1 },
      { "noresult.form", "no_results", 0 }, { "noresult-empty-music.json", "no_results", 1 },
      { "spec-state.json", "states", 1 }, { "state-v2-two.json", "states", 2 },
      { "state-v2.form", "states", 0 }, { "state-legacy.form", "states", 1 },
      { "state-legacy.json", "states", 1 },
    }
    local added = { results = 0, no_results = 0, states = 0 }
    for _, p in ipairs(posts) do
      local status, body = cbs.post(r.url, p[1])
      assert.are.equal(200, status, p[1] .. ": " .. body)
      assert.are.equal("OK\n", body)
      added[p[2]] = added[p[2]] + p[3]
    end
    for tbl, n in pairs(added) do
      assert.are.equal(before[tbl] + n, count(db, tbl), tbl)
    end
  end)

  it("stores the fields of a result and the post as raw JSON text", function()
    cbs.post(r.url, "spec-result.json")
    local row = rows(db, "SELECT * FROM results WHERE acrid = '9564199dacc709123aee61c9556bacd2'",
      { "played_duration", "score", "result_type" })[1]
    local want = { stream_id = "100251", stream_name = "BBC Radio 1",
      timestamp_utc = "2020-01-14 05:49:18", played_duration = 139, title = "I Know You",
      artists = "Craig David", isrc = "GBARL1701677; GBARL1800085", score = 100,
      result_type = 0, raw = support.read_file(cbs.FIXTURES .. "spec-result.json") }
    assert.are.same(want, support.fields(row, want))
    assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$", row.received_at)
  end)

  it("stores a duplicate once, answers it 200, and changes nothing", function()
    local post = assert(acrcloud.decode(support.read_file(cbs.FIXTURES .. "spec-result.json")))
    post.data.metadata.timestamp_utc = "2020-01-14 07:00:00"
    local first = acrcloud.encode(post)
    assert.are.equal(200, (cbs.post(r.url, nil, { body = first, ctype = "application/json" })))
    -- The same event again, with another title: still one row, the first title.
    post.data.metadata.music[1].title = "Changed"
    local again = acrcloud.encode(post)
    for _ = 1, 3 do
      assert.are.equal(200, (cbs.post(r.url, nil, { body = again, ctype = "application/json" })))
    end
    local got = rows(db, "SELECT title, raw FROM results WHERE timestamp_utc = " ..
      "'2020-01-14 07:00:00'")
    assert.are.equal(1, #got)
    assert.are.equal("I Know You", got[1].title)
    assert.are.equal(first, got[1].raw)
    assert.matches("1 result%(s%): 0 stored, 1 duplicate%(s%)", r.read_log())
  end)

  it("stores a state change once by (stream_id, timestamp, code)", function()
    local n = count(db, "states", "stream_id = '222195' AND legacy = 0")
    cbs.post(r.url, "spec-state.json")
    cbs.post(r.url, "spec-state.json")
    assert.are.equal(math.max(n, 1), count(db, "states", "stream_id = '222195' AND legacy = 0"))
  end)

  it("keeps every legacy state post, stamped with the time received", function()
    local n = count(db, "states", "legacy = 1 AND stream_id = '222195'")
    cbs.post(r.url, "state-legacy.form")
    cbs.post(r.url, "state-legacy.form")
    assert.are.equal(n + 2, count(db, "states", "legacy = 1 AND stream_id = '222195'"))
    local row = rows(db, "SELECT timestamp, received_at FROM states WHERE legacy = 1 " ..
      "ORDER BY id DESC LIMIT 1")[1]
    assert.are.equal(row.received_at, row.timestamp)
  end)

  it("stores posts that come out of order, each at its own time", function()
    local post = assert(acrcloud.decode(support.read_file(cbs.FIXTURES .. "spec-result.json")))
    post.stream_id = "ooo-1"
    for _, t in ipairs({ "2021-06-01 10:30:00", "2021-06-01 10:10:00", "2021-06-01 10:20:00" }) do
      post.data.metadata.timestamp_utc = t
      assert.are.equal(200, (cbs.post(r.url, nil, { body = acrcloud.encode(post),
        ctype = "application/json" })))
    end
    local got = rows(db, "SELECT timestamp_utc FROM results WHERE stream_id = 'ooo-1' " ..
      "ORDER BY timestamp_utc")
    assert.are.same({ "2021-06-01 10:10:00", "2021-06-01 10:20:00", "2021-06-01 10:30:00" },
      { got[1].timestamp_utc, got[2].timestamp_utc, got[3].timestamp_utc })
  end)

  it("files posts to /callback/PROJECT under that project", function()
    local status = cbs.post(r.url .. "/cs-17913", "result-music-custom.json")
    assert.are.equal(200, status)
    -- Already stored by an earlier test under "", or now under cs-17913:
    -- either way the row exists once.
    assert.are.equal(3, count(db, "results", "stream_id = 's-XXXXXX'"))
  end)

  it("answers 400 with the reason for a malformed post, and stores nothing", function()
    local n = count(db, "results")
    for _, name in ipairs({ "bad-truncated.json", "bad-date.json", "bad-unknown-shape.json",
      "bad-custom-no-id.json" }) do
      local status, body = cbs.post(r.url, name)
      assert.are.equal(400, status, name)
      assert.is_true(#body > 10, body)
    end
    assert.are.equal(n, count(db, "results"))
  end)

  it("answers 405 to other methods, 404 to other paths, 415 to other types", function()
    assert.are.equal(405, (cbs.post(r.url, nil, { method = "GET" })))
    assert.are.equal(405, (cbs.post(r.url, "spec-result.json", { method = "PUT" })))
    assert.are.equal(404, (cbs.post(r.url:gsub("/callback$", "/results"), "spec-result.json")))
    assert.are.equal(404, (cbs.post(r.url .. "/a/b", "spec-result.json")))
    assert.are.equal(415, (cbs.post(r.url, "spec-result.json", { ctype = "text/xml" })))
  end)

  it("logs each post on one line without the body", function()
    cbs.post(r.url, "spec-state.json")
    local log = r.read_log()
    assert.matches("127%.0%.0%.1 POST /callback 200 [%d.]+ms 1 state%(s%)", log)
    assert.is_nil(log:find("Radio Fermo Uno", 1, true))
  end)
end)

describe("the receiver's limits", function()
  local db, r

  setup(function()
    db = new_db()
    r = cbs.receiver({ db = db, args = { "--max-body", "2000" } })
  end)

  teardown(function() r.stop() end)

  it("answers 413 to a body over --max-body and goes on serving", function()
    local big = string.rep("x", 2001)
    local status = cbs.post(r.url, nil, { body = '{"a":"' .. big .. '"}',
      ctype = "application/json" })
    assert.are.equal(413, status)
    assert.are.equal(200, (cbs.post(r.url, "spec-state.json")))
  end)

  it("takes a post at the limit", function()
    local text = support.read_file(cbs.FIXTURES .. "spec-state.json")
    local body = text:sub(1, -2) .. string.rep(" ", 2000 - #text) .. "}"
    assert.are.equal(2000, #body)
    assert.are.equal(200, (cbs.post(r.url, nil, { body = body, ctype = "application/json" })))
  end)
end)

describe("the receiver's key", function()
  local KEY = "s3cret-Key_42"
  local db, r

  setup(function()
    db = new_db()
    r = cbs.receiver({ db = db, env = { ACRCLOUD_CALLBACK_KEY = KEY } })
  end)

  teardown(function() r.stop() end)

  it("answers 401 to a post without the key, and stores nothing", function()
    local status = cbs.post(r.url, "spec-result.json")
    assert.are.equal(401, status)
    assert.are.equal(0, count(db, "results"))
  end)

  it("answers 401 to a wrong key, also one that only differs at the end or in length", function()
    for _, k in ipairs({ "wrong", KEY:sub(1, -2) .. "3", KEY .. "x", KEY:sub(1, -2), "" }) do
      assert.are.equal(401, (cbs.post(r.url .. "?key=" .. k, "spec-result.json")), k)
    end
    assert.are.equal(0, count(db, "results"))
  end)

  it("stores a post that carries the key, on /callback and /callback/PROJECT", function()
    assert.are.equal(200, (cbs.post(r.url .. "?key=" .. KEY, "spec-result.json")))
    assert.are.equal(200, (cbs.post(r.url .. "/p1?x=1&key=" .. KEY, "spec-state.json")))
    assert.are.equal(1, count(db, "results"))
  end)

  it("asks for the key before it says anything else", function()
    assert.are.equal(401, (cbs.post(r.url, nil, { method = "GET" })))
  end)

  it("never prints or logs the key", function()
    cbs.post(r.url .. "?key=" .. KEY, "spec-state.json")
    cbs.post(r.url .. "?key=" .. KEY .. "x", "spec-state.json")
    local log = r.read_log()
    assert.is_nil(log:find(KEY, 1, true), log)
    assert.is_nil(r.url:find(KEY, 1, true))
    assert.matches("not shown", log)
  end)
end)

describe("the receiver's storage", function()
  it("answers 503 when the database refuses, logs why, and stores no part of the post", function()
    local db = new_db()
    -- The tables first, then a trigger that refuses one acrid.
    local d = cbs.open_db(db)
    d:exec("CREATE TRIGGER refuse BEFORE INSERT ON results WHEN NEW.acrid = " ..
      "'5f1b0c6a2e8d4b7c9a3e1d0f8b6c4a2e' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    d:close()
    local r = cbs.receiver({ db = db })
    local status, body = cbs.post(r.url, "result-music-custom.json")
    assert.are.equal(503, status)
    assert.matches("could not be stored", body)
    -- Two of the three matches were fine: none is kept.
    assert.are.equal(0, count(db, "results"))
    assert.are.equal(200, (cbs.post(r.url, "spec-result.json")))
    r.stop()
    local log = r.read_log()
    assert.matches("POST /callback 503 .*NOT STORED %(3 result%(s%)%): .*disk on fire", log)
  end)

  it("keeps in SQLite, in WAL mode, what it acknowledged before SIGKILL", function()
    local db = new_db()
    local r = cbs.receiver({ db = db })
    local status = cbs.post(r.url, "result-music-custom.json")
    assert.are.equal(200, status)
    -- Killed at once, with no chance to clean up.
    local code, how = r.stop("KILL")
    -- Through the shell of io.popen: 128 + 9.
    assert.is_true(how == "signal" or code == 137, tostring(how) .. " " .. tostring(code))
    assert.are.equal(3, count(db, "results"))
    local mode = rows(db, "PRAGMA journal_mode")[1]
    assert.are.equal("wal", mode.journal_mode)
  end)

  it("stops on SIGTERM and on SIGINT with status 0, its posts stored", function()
    for _, sig in ipairs({ "TERM", "INT" }) do
      local db = new_db()
      local r = cbs.receiver({ db = db })
      assert.are.equal(200, (cbs.post(r.url, "spec-state.json")))
      local t0 = process.now()
      local code, how = r.stop(sig)
      assert.are.equal("exit", how, sig)
      assert.are.equal(0, code, sig)
      assert.is_true(process.now() - t0 < 3, sig)
      assert.matches("stopping on SIG" .. sig .. ": 1 post%(s%) stored", r.read_log())
      assert.are.equal(1, count(db, "states"))
    end
  end)

  it("exits 1 with a message when it cannot open the database", function()
    local err = support.error_of(cbs.receiver, { db = "sqlite:/nonexistent/dir/x.db" })
    assert.matches("cannot open /nonexistent/dir/x.db", err)
  end)

  it("refuses a database URL it does not know, without showing a password", function()
    local err = support.error_of(cbs.receiver, { db = "mysql://u:hunter2@h/db" })
    assert.matches("unknown database URL mysql://u:%*%*%*@h/db", err)
    assert.is_nil(err:find("hunter2", 1, true))
  end)
end)

describe("receive-callbacks.lua --export", function()
  local db

  local function export(args)
    local out = temp.name()
    local cmd = support.q(cbs.ACRLUA) .. " " .. support.q(cbs.RECEIVER) .. " --db " ..
      support.q(db) .. " " .. args .. " > " .. support.q(out) .. " 2>&1"
    local ok, _, code = os.execute(cmd)
    return support.read_file(out), ok and 0 or code
  end

  setup(function()
    db = new_db()
    local r = cbs.receiver({ db = db })
    -- Two streams; the stream "s-XXXXXX" posted to /callback/cs, the
    -- channel to /callback/bd.
    assert.are.equal(200, (cbs.post(r.url .. "/cs", "result-music-custom.json")))
    assert.are.equal(200, (cbs.post(r.url .. "/bd", "spec-result.json")))
    r.stop()
  end)

  it("writes the stored results of a local day with export-results.lua's columns", function()
    local csv, code = export("--export 2021-03-28 -z Europe/Berlin")
    assert.are.equal(0, code, csv)
    local lines = {}
    for line in csv:gmatch("([^\r\n]*)\r\n") do lines[#lines + 1] = line end
    assert.are.equal("channel_id,channel_name,local_time,utc_offset,utc_time,played_duration," ..
      "match,title,artists,album,label,release_date,isrc,upc,acrid,score", lines[1])
    assert.are.equal(4, #lines)
    -- 01:01:08 UTC on the day Berlin went to summer time: 03:01:08 +02:00.
    assert.are.equal("s-XXXXXX,Demo FM,2021-03-28 03:01:08,+02:00,2021-03-28 01:01:08,243," ..
      "music,Concrete Garden,Kestrel Union; Mara Quill,Overpass,Grey Signal,2020-01-31," ..
      "ZZC3G2000015,0840095000048,e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9,96", lines[2])
    assert.matches('^s%-XXXXXX,Demo FM,.-,music,"Slow River, Fast Boat",', lines[3])
    assert.matches("^s%-XXXXXX,Demo FM,.-,custom,Jingle %- news on the hour,", lines[4])
  end)

  it("keeps one project with --project", function()
    local csv = export("--export 2020-01-14 --project bd")
    assert.matches("\r\n100251,BBC Radio 1,2020%-01%-14 05:49:18,%+00:00,", csv)
    csv = export("--export 2020-01-14 --project cs")
    assert.are.equal(1, select(2, csv:gsub("\r\n", "")))
  end)

  it("--summary counts what is stored, per table and per stream", function()
    local out, code = export("--summary")
    assert.are.equal(0, code, out)
    assert.matches("\n  results%s+4  %(2020%-01%-14 05:49:18 to 2021%-03%-28 01:01:08 UTC%)\n", out)
    assert.matches("\n  100251%s+BBC Radio 1%s+1\n", out)
    assert.matches("\n  s%-XXXXXX%s+Demo FM%s+3\n", out)
    out = export("--summary --project bd")
    assert.matches("for project bd:\n  results%s+1 ", out)
  end)

  it("is a usage error (2) for a date that is no date", function()
    local out, code = export("--export 2021-02-30")
    assert.are.equal(2, code)
    assert.matches('DATE "2021%-02%-30" is not a date', out)
  end)
end)
