-- scripts/export-results.lua against the emulator: the CSV of a day for
-- every channel of a Broadcast Database project, times in a zone with
-- daylight saving, quoting, a failing channel, usage and exit codes.
--
-- The emulator runs in this process, so that its clock can be set: results
-- exist only from the time a channel was added to a project, and only once
-- a play is over. Channels are added "on" 2021-03-01 and the export runs
-- "on" 2021-04-20, so whole days in between are stable. Everything that
-- talks to the emulator (the script, and the client calls that set things
-- up) runs as a child process while this process keeps the server going.
local acrcloud = require "acrcloud"
local csv = require "acrcloud.csv"
local emulator = require "acrcloud.emulator"
local tz = require "acrcloud.tz"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local TOKEN = "export-spec-token"
local SCRIPT = support.ROOT .. "/scripts/export-results.lua"
local ADDED_AT = 1614556800 -- 2021-03-01 00:00:00 UTC
local EXPORT_AT = 1618920000 -- 2021-04-20 12:00:00 UTC
local COLUMNS = { "channel_id", "channel_name", "local_time", "utc_offset", "utc_time",
  "played_duration", "match", "title", "artists", "album", "label", "release_date", "isrc",
  "upc", "acrid", "score" }
-- Costa Azul FM, BBC Radio 2, and Radio Fermo Uno, whose URL is invalid (so
-- it never has results).
local CHANNELS = { 300102, 100252, 222195 }

local quote, read = support.q, support.read_file

describe("export-results.lua", function()
  local server, dir, pid
  local runs = 0

  -- Runs argv with env (false unsets a variable) in the background, serving
  -- the emulator until it ends. Returns { code =, out =, err = }.
  local function run(argv, env)
    runs = runs + 1
    local base = dir .. "/run" .. runs
    local vars = { ACRCLOUD_ACCESS_TOKEN = TOKEN, ACRCLOUD_BASE_URL = server.url,
      ACRLUA_PROGRESS = false }
    for k, v in pairs(env or {}) do vars[k] = v end
    local names = {}
    for k in pairs(vars) do names[#names + 1] = k end
    table.sort(names)
    local parts = { "env" }
    for _, k in ipairs(names) do
      if vars[k] == false then parts[#parts + 1] = "-u " .. k end
    end
    for _, k in ipairs(names) do
      if vars[k] then parts[#parts + 1] = quote(k .. "=" .. vars[k]) end
    end
    for _, a in ipairs(argv) do parts[#parts + 1] = quote(a) end
    -- The exit status is written last, and renamed into place, so that
    -- its file appearing means everything else is written.
    local cmd = table.concat(parts, " ") .. " >" .. base .. ".out 2>" .. base .. ".err"
      .. " </dev/null; echo $? >" .. base .. ".code.tmp; mv " .. base .. ".code.tmp "
      .. base .. ".code"
    os.execute("(" .. cmd .. ") >/dev/null 2>&1 &")
    local deadline = os.time() + 120
    while not read(base .. ".code") do
      server:step(0.02)
      assert(os.time() <= deadline, "timed out: " .. cmd)
    end
    return { code = tonumber(read(base .. ".code")), out = read(base .. ".out"),
      err = read(base .. ".err") }
  end

  local function script(args, env)
    local argv = { assert(os.getenv("ACRLUA"), "ACRLUA is not set"), SCRIPT }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    return run(argv, env)
  end

  -- Runs Lua code with `client` (connected to the emulator) in a child;
  -- returns what it returns, through JSON.
  local function with_client(code)
    local r = run({ os.getenv("ACRLUA"), "-e", [[
      local acrcloud = require "acrcloud"
      local client = acrcloud.new { token = os.getenv("ACRCLOUD_ACCESS_TOKEN"),
        base_url = os.getenv("ACRCLOUD_BASE_URL") }
      local value = (function() ]] .. code .. [[ end)()
      io.write(acrcloud.encode(value))]] })
    assert(r.code == 0, r.err)
    return acrcloud.decode(r.out)
  end

  local function clock(t)
    server.state.clock = function() return t end
  end

  -- The results the API gives for a channel and a UTC day (YYYYmmdd).
  local function api_results(channel_id, day)
    return with_client(string.format([[
      return assert(client:get_channel_results { pid = %d, channel_id = %d, type = "day",
        date = %q }).data]], pid, channel_id, day))
  end

  local function records(text)
    local out = {}
    for rec in csv.from_string(text):records() do out[#out + 1] = rec.fields end
    return out
  end

  -- "YYYY-mm-dd HH:MM:SS" rows of the API's results, one per matched
  -- track, as { channel, utc, title, acrid, match } in the API's order.
  local function expected_rows(channel_id, list, keep)
    local out = {}
    for _, r in ipairs(list) do
      local m = r.metadata
      if not keep or keep(m.timestamp_utc) then
        for _, item in ipairs(m.music or {}) do
          out[#out + 1] = { tostring(channel_id), m.timestamp_utc, item.title, item.acrid, "music" }
        end
        for _, item in ipairs(m.custom_files or {}) do
          out[#out + 1] = { tostring(channel_id), m.timestamp_utc, item.title, item.acrid,
            "custom" }
        end
      end
    end
    return out
  end

  local function column(name)
    for i, c in ipairs(COLUMNS) do
      if c == name then return i end
    end
    error("no column " .. name)
  end

  local function digest(rows)
    local out = {}
    for i, row in ipairs(rows) do
      out[i] = { row[column("channel_id")], row[column("utc_time")], row[column("title")],
        row[column("acrid")], row[column("match")] }
    end
    return out
  end

  setup(function()
    server = emulator.start { token = TOKEN, port = 0, quiet = true }
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -m 700 " .. quote(dir)))
    -- A project with ACRCloud Music (23) and a custom bucket (8881), so
    -- that both music and custom matches come back.
    clock(ADDED_AT)
    pid = with_client(string.format([[
      local project = assert(client:create_bd_project { name = "export-spec",
        region = "eu-west-1", buckets = { 23, 8881 } })
      assert(client:add_channels { pid = project.data.id, channels = { %s } })
      return project.data.id]], table.concat(CHANNELS, ", ")))
    clock(EXPORT_AT)
  end)

  teardown(function()
    if server then server:close() end
    if dir and dir:match("^/tmp/") then os.execute("rm -rf " .. quote(dir)) end
  end)

  before_each(function()
    server.faults:clear()
  end)

  describe("a UTC day", function()
    it("has a row per matched track of every channel, by channel then time", function()
      local r = script { tostring(pid), "2021-04-09" }
      assert.equal(0, r.code, r.err)
      assert.equal("", r.err)
      local rows = records(r.out)
      assert.same(COLUMNS, table.remove(rows, 1))
      local expected = {}
      for _, id in ipairs { 100252, 222195, 300102 } do
        for _, row in ipairs(expected_rows(id, api_results(id, "20210409"))) do
          expected[#expected + 1] = row
        end
      end
      assert.is_true(#expected > 100)
      assert.same(expected, digest(rows))
    end)

    it("fills every column from the result", function()
      local r = script { tostring(pid), "20210409" }
      assert.equal(0, r.code, r.err)
      local rows = records(r.out)
      local first_music
      for i = 2, #rows do
        if rows[i][column("match")] == "music" then
          first_music = rows[i]
          break
        end
      end
      local result
      for _, x in ipairs(api_results(100252, "20210409")) do
        if x.metadata.music then
          result = x
          break
        end
      end
      local item = result.metadata.music[1]
      local artists = {}
      for i, a in ipairs(item.artists) do artists[i] = a.name end
      assert.same({
        "100252", "BBC Radio 2", result.metadata.timestamp_utc, "+00:00",
        result.metadata.timestamp_utc, tostring(result.metadata.played_duration), "music",
        item.title, table.concat(artists, "; "), item.album.name, item.label,
        item.release_date, item.external_ids.isrc[1], item.external_ids.upc[1], item.acrid,
        tostring(item.score),
      }, first_music)
    end)

    it("writes the header alone, with a warning, for a project without channels", function()
      local empty = with_client([[return assert(client:create_bd_project { name = "no-channels",
        region = "eu-west-1", buckets = { 23 } }).data.id]])
      local r = script { tostring(empty), "2021-04-09" }
      assert.equal(0, r.code, r.err)
      assert.equal(table.concat(COLUMNS, ",") .. "\r\n", r.out)
      assert.matches("project " .. empty .. " has no channels", r.err, 1, true)
    end)

    it("finds the project by name", function()
      local by_id = script { tostring(pid), "2021-04-09" }
      local by_name = script { "export-spec", "2021-04-09" }
      assert.equal(0, by_name.code, by_name.err)
      assert.equal(by_id.out, by_name.out)
    end)

    it("shows progress on stderr only, and only when asked to (not a terminal)", function()
      local quiet = script { tostring(pid), "2021-04-09" }
      local shown = script({ tostring(pid), "2021-04-09" }, { ACRLUA_PROGRESS = "always" })
      assert.equal(0, shown.code, shown.err)
      assert.equal("", quiet.err)
      assert.truthy(shown.err:find("channels: 3/3", 1, true))
      assert.equal(quiet.out, shown.out)
    end)

    it("writes the same CSV to a file with -o, and nothing to stdout", function()
      local path = dir .. "/day.csv"
      local to_stdout = script { tostring(pid), "2021-04-09" }
      local to_file = script { "-o", path, tostring(pid), "2021-04-09" }
      assert.equal(0, to_file.code, to_file.err)
      assert.equal("", to_file.out)
      assert.equal(to_stdout.out, read(path))
      assert.is_nil(read(path .. ".tmp"))
    end)
  end)

  describe("a day in Europe/Berlin when the clocks go forward", function()
    -- 2021-03-28 in Berlin: 2021-03-27 23:00 to 2021-03-28 22:00 UTC (23 hours).
    local FIRST, STOP = "2021-03-27 23:00:00", "2021-03-28 22:00:00"
    local CHANGE = "2021-03-28 01:00:00"

    it("fetches both UTC days and keeps the results of the local day", function()
      local r = script { "-z", "Europe/Berlin", tostring(pid), "2021-03-28" }
      assert.equal(0, r.code, r.err)
      local rows = records(r.out)
      table.remove(rows, 1)
      local expected = {}
      local function keep(utc) return utc >= FIRST and utc < STOP end
      for _, id in ipairs { 100252, 222195, 300102 } do
        local both = {}
        for _, day in ipairs { "20210327", "20210328" } do
          for _, x in ipairs(api_results(id, day)) do both[#both + 1] = x end
        end
        for _, row in ipairs(expected_rows(id, both, keep)) do expected[#expected + 1] = row end
      end
      assert.same(expected, digest(rows))
    end)

    it("writes the same rows whatever the number of requests in flight (-j)", function()
      local one = script { "-j", "1", "-z", "Europe/Berlin", tostring(pid), "2021-03-28" }
      local many = script { "-j", "16", "-z", "Europe/Berlin", tostring(pid), "2021-03-28" }
      assert.equal(0, many.code, many.err)
      assert.equal(one.out, many.out)
      assert.is_true(#records(many.out) > 1)
    end)

    it("gives local times and the offset in force at each", function()
      local r = script { "--timezone", "Europe/Berlin", tostring(pid), "2021-03-28" }
      local rows = records(r.out)
      local before, after = 0, 0
      for i = 2, #rows do
        local row = rows[i]
        local utc = row[column("utc_time")]
        -- Fixed-offset arithmetic, apart from the zone database.
        local offset = utc < CHANGE and "+01:00" or "+02:00"
        if utc < CHANGE then before = before + 1 else after = after + 1 end
        assert.equal(offset, row[column("utc_offset")], utc)
        assert.equal(tz.to_local(offset, utc), row[column("local_time")], utc)
        assert.equal("2021-03-28", row[column("local_time")]:sub(1, 10))
      end
      assert.is_true(before > 0 and after > 0, "rows on both sides of the change")
    end)

    it("asks for each channel's two UTC days", function()
      local r = script { "-z", "Europe/Berlin", tostring(pid), "2021-03-28" }
      assert.equal(0, r.code, r.err)
      local log = with_client([[return assert(client:request("GET", "/_emulator/requests")).data]])
      local dates = {}
      for _, req in ipairs(log) do
        if req.operation == "get_channel_results" then
          -- The log keeps the query as it came, as text or as fields.
          local q = req.query
          local date = type(q) == "table" and q.date or tostring(q):match("date=(%d+)")
          local kind = type(q) == "table" and q.type or tostring(q):match("type=(%a+)")
          dates[#dates + 1] = req.path:match("/channels/(%d+)/") .. " " .. tostring(date) .. " "
            .. tostring(kind)
        end
      end
      local last = {}
      for i = #dates - 5, #dates do last[#last + 1] = dates[i] end
      assert.same({ "100252 20210327 day", "100252 20210328 day", "222195 20210327 day",
        "222195 20210328 day", "300102 20210327 day", "300102 20210328 day" }, last)
    end)

    it("takes a fixed offset too", function()
      local r = script { "-z", "-03:00", tostring(pid), "2021-03-28" }
      assert.equal(0, r.code, r.err)
      local rows = records(r.out)
      assert.is_true(#rows > 1)
      for i = 2, #rows do
        local utc = rows[i][column("utc_time")]
        assert.is_true(utc >= "2021-03-28 03:00:00" and utc < "2021-03-29 03:00:00", utc)
        assert.equal("-03:00", rows[i][column("utc_offset")])
      end
    end)
  end)

  describe("CSV", function()
    it("quotes fields per RFC 4180 and ends records with CRLF", function()
      local r = script { tostring(pid), "2021-04-09" }
      assert.equal(0, r.code, r.err)
      -- A catalogue title with a comma, quoted; every record ends in CRLF.
      assert.truthy(r.out:find(',"Slow River, Fast Boat",', 1, true))
      assert.is_nil(r.out:find("[^\r]\n"))
      assert.equal("\r\n", r.out:sub(-2))
      -- Several artists in one field.
      assert.truthy(r.out:find(",Mira Okafor; Len Darrow,", 1, true))
    end)

    it("reads back to the same fields", function()
      local r = script { tostring(pid), "2021-04-09" }
      local rows = records(r.out)
      for i, row in ipairs(rows) do
        assert.equal(#COLUMNS, #row, "record " .. i)
        local line = {}
        for j, v in ipairs(row) do line[j] = csv.quote(v) end
        assert.truthy(r.out:find(table.concat(line, ",") .. "\r\n", 1, true), "record " .. i)
      end
    end)
  end)

  describe("a channel that fails", function()
    it("is reported, leaves the others whole, and makes the exit status 1", function()
      local good = script { tostring(pid), "2021-04-09" }
      with_client(string.format([[
        assert(client:request("POST", "/_emulator/faults", { body = {
          path = "/bm-bd-projects/%d/channels/100252/results", status = 500, count = 3,
          body = { message = "boom" } } }))
        return true]], pid))
      local r = script { tostring(pid), "2021-04-09" }
      assert.equal(1, r.code)
      assert.matches("channel 100252 %(BBC Radio 2%): results of 2021%-04%-09 %(UTC%): .*HTTP 500",
        r.err)
      assert.matches("1 of 3 channel%(s%) failed", r.err)
      local expected = {}
      for _, row in ipairs(records(good.out)) do
        if row[1] ~= "100252" then expected[#expected + 1] = row end
      end
      assert.is_true(#expected > 1)
      assert.same(expected, records(r.out))
    end)
  end)

  describe("usage", function()
    for name, test in support.run_cases(script, {
      { "prints the help on -h and exits 0", args = { "-h" }, code = 0,
        out_match = "^usage: export%-results%.lua",
        out_has = { "UTC day", "-z, --timezone ZONE" } },
      { "exits 1 for a project that does not exist", args = { "999999", "2021-04-09" },
        code = 1, err_has = "HTTP 404", out = "" },
    }) do it(name, test) end

    it("exits 2 on bad dates, zones and arguments", function()
      for _, args in ipairs {
        { tostring(pid), "2021-02-30" },
        { tostring(pid), "2021-4-9" },
        { "-z", "Mars/Olympus_Mons", tostring(pid), "2021-04-09" },
        { "-z", "Pacific/Apia", tostring(pid), "2011-12-30" },
        { tostring(pid) },
        { "-x", tostring(pid), "2021-04-09" },
        { "-j", "0", tostring(pid), "2021-04-09" },
        { "-j", "many", tostring(pid), "2021-04-09" },
      } do
        support.check_run(script(args), { code = 2, err_has = "usage: export-results.lua", out = "",
          about = table.concat(args, " ") })
      end
    end)

    it("exits 1 when the token is missing", function()
      support.check_run(script({ tostring(pid), "2021-04-09" }, { ACRCLOUD_ACCESS_TOKEN = false }),
        { code = 1, err_has = "ACRCLOUD_ACCESS_TOKEN" })
    end)
  end)
end)
