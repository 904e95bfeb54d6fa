-- Receivers writing into one PostgreSQL 15 server that this spec starts
-- itself (a cluster in a temporary directory, on 127.0.0.1, as nobody when
-- run as root), and stops and removes at the end. Skipped, saying why,
-- only where PostgreSQL is not installed.
local acrcloud = require "acrcloud"
local cbs = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "callbacks_support.lua")
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local q = support.q
local cluster, why_not

setup(function()
  cluster, why_not = cbs.postgres()
end)

teardown(function()
  cbs.stop_all()
  if cluster then cluster.stop() end
end)

local function count(tbl, where)
  local db = cbs.open_db(cluster.url)
  local n = db:rows("SELECT COUNT(*) AS n FROM " .. tbl .. (where and " WHERE " .. where or ""),
    { "n" })[1].n
  db:close()
  return n
end

-- n result posts of one channel, a minute apart, each with two songs.
local function posts(n, stream)
  local text = support.read_file(cbs.FIXTURES .. "result-music-custom.json")
  local base = assert(acrcloud.decode(text))
  base.stream_id = stream
  base.data.metadata.custom_files = nil
  local out = {}
  for i = 1, n do
    base.data.metadata.timestamp_utc = string.format("2021-07-01 10:%02d:00", i - 1)
    out[i] = acrcloud.encode(base)
  end
  return out
end

-- Posts every body to every URL at the same time (one curl process per
-- post); returns the statuses, in no particular order.
local function post_all_at_once(urls, bodies)
  local files, outs, cmd = {}, {}, {}
  for i, body in ipairs(bodies) do
    files[i] = os.tmpname()
    support.write_file(files[i], body)
    for _, url in ipairs(urls) do
      local out = os.tmpname()
      outs[#outs + 1] = out
      cmd[#cmd + 1] = "curl -s -o /dev/null -w '%{http_code}' --max-time 30 " ..
        "-H 'Content-Type: application/json' --data-binary @" .. q(files[i]) .. " " ..
        q(url) .. " > " .. q(out) .. " &"
    end
  end
  os.execute("{ " .. table.concat(cmd, " ") .. " wait; }")
  local statuses = {}
  for _, out in ipairs(outs) do
    statuses[#statuses + 1] = tonumber(support.read_file(out))
    os.remove(out)
  end
  for _, f in ipairs(files) do os.remove(f) end
  return statuses
end

describe("receivers on PostgreSQL", function()
  it("runs against a PostgreSQL server of its own", function()
    if not cluster then
      pending("PostgreSQL tests skipped: " .. tostring(why_not))
      return
    end
    assert.matches("^postgresql://postgres@127%.0%.0%.1:%d+/postgres$", cluster.url)
  end)

  it("two receivers posting the same events at once store each one once", function()
    if not cluster then return pending("skipped: " .. tostring(why_not)) end
    local a = cbs.receiver({ db = cluster.url })
    local b = cbs.receiver({ db = cluster.url })
    local bodies = posts(30, "pg-two")
    local statuses = post_all_at_once({ a.url, b.url }, bodies)
    assert.are.equal(60, #statuses)
    for _, s in ipairs(statuses) do assert.are.equal(200, s) end
    -- 30 posts of 2 songs: 60 events, each stored once though posted twice.
    assert.are.equal(60, count("results", "stream_id = 'pg-two'"))
    a.stop()
    b.stop()
    local logs = a.read_log() .. b.read_log()
    local stored, dup = 0, 0
    for n in logs:gmatch("result%(s%): (%d+) stored") do stored = stored + tonumber(n) end
    for n in logs:gmatch("stored, (%d+) duplicate") do dup = dup + tonumber(n) end
    assert.are.equal(60, stored)
    assert.are.equal(60, dup)
  end)

  it("the uniqueness is the database's: a constraint and a unique index", function()
    if not cluster then return pending("skipped: " .. tostring(why_not)) end
    local db = cbs.open_db(cluster.url)
    local got = db:rows("SELECT conname FROM pg_constraint WHERE contype = 'u' AND " ..
      "conrelid::regclass::text IN ('results', 'no_results', 'states') ORDER BY conname")
    local names = {}
    for i, r in ipairs(got) do names[i] = r.conname end
    assert.are.same({ "no_results_event", "results_event" }, names)
    local idx = db:rows("SELECT indexdef FROM pg_indexes WHERE indexname = 'states_event'")
    assert.matches("UNIQUE INDEX states_event ON public.states USING btree %(stream_id, " ..
      '"timestamp", code%) WHERE %(legacy = 0%)', idx[1].indexdef)
    -- And no column of a unique key may be NULL.
    local nullable = db:rows("SELECT table_name, column_name FROM information_schema.columns " ..
      "WHERE is_nullable = 'YES' AND column_name IN ('stream_id', 'timestamp_utc', 'acrid', " ..
      "'timestamp', 'code')")
    assert.are.same({}, nullable)
    db:close()
  end)

  it("stores every shape, and states and duplicates as SQLite does", function()
    if not cluster then return pending("skipped: " .. tostring(why_not)) end
    local r = cbs.receiver({ db = cluster.url })
    for _, name in ipairs({ "spec-result.json", "noresult.json", "spec-state.json",
      "state-v2-two.json", "state-legacy.form", "state-legacy.form", "spec-state.json" }) do
      assert.are.equal(200, (cbs.post(r.url .. "/pg", name)), name)
    end
    r.stop()
    assert.are.equal(1, count("results", "stream_id = '100251'"))
    assert.are.equal(1, count("no_results"))
    assert.are.equal(3, count("states", "legacy = 0"))
    assert.are.equal(2, count("states", "legacy = 1"))
  end)

  it("answers 503 while the database is down, and stores again once it is back", function()
    if not cluster then return pending("skipped: " .. tostring(why_not)) end
    local r = cbs.receiver({ db = cluster.url })
    assert.is_true(cluster.pg_ctl("stop"))
    local status = cbs.post(r.url, nil, { body = posts(1, "pg-down")[1],
      ctype = "application/json" })
    assert.are.equal(503, status)
    assert.is_true(cluster.pg_ctl("start"))
    status = cbs.post(r.url, nil, { body = posts(1, "pg-down")[1], ctype = "application/json" })
    assert.are.equal(200, status)
    r.stop()
    assert.matches("POST /callback 503 .*NOT STORED %(2 result%(s%)%)", r.read_log())
    assert.are.equal(2, count("results", "stream_id = 'pg-down'"))
  end)

  it("exports from PostgreSQL what it exports from SQLite", function()
    if not cluster then return pending("skipped: " .. tostring(why_not)) end
    local lite = os.tmpname()
    os.remove(lite)
    local r = cbs.receiver({ db = "sqlite:" .. lite })
    local rp = cbs.receiver({ db = cluster.url })
    for _, body in ipairs(posts(30, "pg-cmp")) do
      for _, url in ipairs({ r.url, rp.url }) do
        assert.are.equal(200, (cbs.post(url .. "/cmp", nil, { body = body,
          ctype = "application/json" })))
      end
    end
    r.stop()
    rp.stop()
    local function export(db)
      local p = io.popen(q(cbs.ACRLUA) .. " " .. q(cbs.RECEIVER) .. " --db " .. q(db) ..
        " --export 2021-07-01 -z Asia/Kolkata --project cmp")
      local out = p:read("a")
      p:close()
      return out
    end
    local from_pg, from_lite = export(cluster.url), export("sqlite:" .. lite)
    os.remove(lite)
    os.remove(lite .. "-wal")
    os.remove(lite .. "-shm")
    assert.are.equal(61, select(2, from_lite:gsub("\r\n", "")))
    assert.are.equal(from_lite, from_pg)
  end)
end)
