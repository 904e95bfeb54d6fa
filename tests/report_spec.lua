-- scripts/report.lua against the emulator: CSV edge cases, time zones and
-- daylight saving, bad rows, resuming after interruptions, usage and exit
-- codes.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
local write, start, expect = support.write_file, support.start_script, support.check_run

local SCRIPT = "scripts/report.lua"
local PID, STREAM = "17913", "s-XXXXXX"

-- A CSV of n rows titled "row 01".."row NN", a minute each from 10:00.
local function numbered_csv(n)
  local lines = { "title,start,end,artists" }
  for i = 1, n do
    lines[#lines + 1] = string.format("row %02d,2021-06-01 10:%02d:00,2021-06-01 10:%02d:30,A%d",
      i, i, i, i)
  end
  return table.concat(lines, "\n") .. "\n"
end

describe("report.lua", function()
  local emu = support.emulator(support.SCRIPT_TOKEN, { lifetime = 600 })
  local dir, csv_path

  setup(emu.start)
  teardown(emu.stop)
  before_each(function()
    emu.reset()
    dir = support.tmpdir()
    csv_path = dir .. "/reports.csv"
  end)
  after_each(function() support.rmdir(dir) end)

  local run = support.script_runner(emu, SCRIPT)

  -- The usual invocation, with extra options in front.
  local function report(extra, opts)
    local args = {}
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    for _, a in ipairs { "-z", "Europe/Berlin", PID, STREAM, csv_path } do
      args[#args + 1] = a
    end
    return run(args, opts)
  end

  local function stored()
    return emu.reports(PID, STREAM)
  end

  -- title -> how many times the server stored it
  local function stored_titles()
    local count = {}
    for _, r in ipairs(stored()) do
      count[r.result.title] = (count[r.result.title] or 0) + 1
    end
    return count
  end

  -- Asserts that rows first..last of a numbered CSV are stored exactly once
  -- each and no other row is.
  local function assert_exactly(titles, numbers)
    local want = {}
    for _, i in ipairs(numbers) do want[string.format("row %02d", i)] = 1 end
    assert.same(want, titles)
  end

  local function range(a, b)
    local out = {}
    for i = a, b do out[#out + 1] = i end
    return out
  end

  -- Checks a run that exited 0 (and what else `want` says of it), after
  -- which rows 1..n of a numbered CSV are stored exactly once each.
  local function all_stored(r, n, want)
    want = want or {}
    want.code = 0
    expect(r, want)
    assert_exactly(stored_titles(), range(1, n))
  end

  describe("usage", function()
    it("explains the journal in -h and exits 0", function()
      expect(run { "-h" }, { code = 0, out_match = "^usage: report.lua", out_has = {
        "reports.csv.journal",
        "--resend-unknown",
        "UNKNOWN fate",
        -- How to find out what became of a batch, and what to say then.
        "never more than one such batch",
        "Deciding about a batch of unknown fate:",
        "ACRCloud console",
        "--assume-sent     if they are there",
        "--resend-unknown  if they are not",
        "a second run on the same journal is refused",
      } })
    end)

    it("exits 2 without arguments", function()
      expect(run {}, { code = 2, err_has = { "missing arguments", "usage: report.lua" } })
    end)

    it("exits 2 without --timezone", function()
      write(csv_path, numbered_csv(1))
      expect(run { PID, STREAM, csv_path }, { code = 2, err_has = "--timezone is required" })
    end)

    it("exits 2 on an unknown time zone instead of using UTC", function()
      write(csv_path, numbered_csv(1))
      expect(run { "-z", "Europe/Atlantis", PID, STREAM, csv_path },
        { code = 2, err_has = 'unknown time zone "Europe/Atlantis"' })
    end)

    it("exits 2 on a bad project id, batch size or option mix", function()
      write(csv_path, numbered_csv(1))
      assert.equal(2, run({ "-z", "UTC", "abc", STREAM, csv_path }).code)
      assert.equal(2, report({ "-b", "0" }).code)
      assert.equal(2, report({ "-b", "1001" }).code)
      assert.equal(2, report({ "--resend-unknown", "--assume-sent" }).code)
      assert.same({}, stored())
    end)

    it("exits 1 when the CSV does not exist", function()
      expect(report(), { code = 1, err_has = "No such file" })
    end)

    it("exits 1 when the token is missing, sending nothing", function()
      write(csv_path, numbered_csv(2))
      expect(report({}, { token = false }),
        { code = 1, err_has = "ACRCLOUD_ACCESS_TOKEN is not set" })
      assert.same({}, stored())
    end)

    it("exits 1 on a wrong token, and a rerun with the right one sends everything", function()
      write(csv_path, numbered_csv(3))
      expect(report({}, { env = { ACRCLOUD_ACCESS_TOKEN = "wrong" } }),
        { code = 1, err_has = "HTTP 401" })
      all_stored(report(), 3, { out_has = "Rows sent: 3" })
    end)
  end)

  describe("sending", function()
    it("sends every row in batches and prints the counts", function()
      write(csv_path, numbered_csv(7))
      all_stored(report { "-b", "3" }, 7,
        { out = "Rows sent: 7, skipped: 0, already sent before: 0.\n" })
      local posts = 0
      for _, q in ipairs(emu.operations()) do
        if q == "POST add_stream_user_reports" then posts = posts + 1 end
      end
      assert.equal(3, posts)
    end)

    it("puts extra columns into user_defined and leaves empty cells out", function()
      write(csv_path, "title,start,end,artists,album,isrc\n"
        .. "Dancing Queen,2021-06-01 10:00:00,2021-06-01 10:03:51,ABBA,Arrival,SEA107600100\n"
        .. "Intro,2021-06-01 11:00:00,2021-06-01 11:00:10,,,\n")
      assert.equal(0, report().code)
      local list = stored()
      assert.equal("ABBA", list[1].result.artists)
      assert.equal("Arrival", list[1].result.album)
      assert.equal("SEA107600100", list[1].result.raw_metadata.isrc)
      assert.equal("", list[2].result.artists)
      assert.is_nil(list[2].result.raw_metadata.isrc)
    end)

    it("reads quoted fields, embedded commas, quotes and newlines, CRLF and a BOM", function()
      write(csv_path, "\239\187\191title,start,end,note\r\n"
        .. '"Hello, Goodbye",2021-06-01 10:00:00,2021-06-01 10:03:00,plain\r\n'
        .. '"The ""Best"" Song",2021-06-01 10:05:00,2021-06-01 10:06:00,"a, ""b"""\r\n'
        .. '"Two\r\nLines",2021-06-01 10:07:00,2021-06-01 10:08:00,x\r\n'
        .. "Motörhead – Ace,2021-06-01T10:09,2021-06-01T10:10,y\r\n")
      expect(report(), { code = 0 })
      local titles = {}
      for i, e in ipairs(stored()) do titles[i] = e.result.title end
      assert.same({ "Hello, Goodbye", 'The "Best" Song', "Two\r\nLines", "Motörhead – Ace" },
        titles)
      assert.equal('a, "b"', stored()[2].result.raw_metadata.note)
      assert.equal("2021-06-01 10:09:00", stored()[4].result.start_timestamp_local)
    end)

    it("reports bad rows with line number and reason, skips them, sends the rest", function()
      write(csv_path, table.concat({
        "title,start,end",
        "good 1,2021-06-01 10:00:00,2021-06-01 10:01:00",
        "no end,2021-06-01 10:00:00,",
        "bad date,2021-02-30 10:00:00,2021-02-30 10:01:00",
        "backwards,2021-06-01 10:05:00,2021-06-01 10:01:00",
        "too,many,fields,here",
        '"after quote"x,2021-06-01 10:00:00,2021-06-01 10:01:00',
        ",2021-06-01 10:00:00,2021-06-01 10:01:00",
        "gap,2021-03-28 02:30:00,2021-03-28 03:30:00",
        "good 2,2021-06-01 11:00:00,2021-06-01 11:01:00",
      }, "\n") .. "\n")
      local r = expect(report(),
        { code = 3, out = "Rows sent: 2, skipped: 7, already sent before: 0.\n" })
      for _, want in ipairs {
        'line 3: end: expected YYYY-mm-dd HH:MM:SS, got ""; skipped',
        'line 4: start: "2021-02-30 10:00:00" is not a real date and time; skipped',
        "line 5: end (2021-06-01 10:01:00) is before start (2021-06-01 10:05:00); skipped",
        "line 6: expected 3 fields (as in the header), found 4; skipped",
        "line 7: unexpected \"x\" after the closing quote of field 1; skipped",
        "line 8: title is empty; skipped",
        "line 9: start: 2021-03-28 02:30:00 does not exist in Europe/Berlin",
      } do
        assert.matches(want, r.err, 1, true)
      end
      local titles = stored_titles()
      assert.same({ ["good 1"] = 1, ["good 2"] = 1 }, titles)
    end)

    it("stops before sending anything when a quote is never closed", function()
      write(csv_path, numbered_csv(3) .. '"unterminated,2021-06-01 12:00:00,x\nmore\n')
      expect(report(), { code = 1, err_has = {
        "unterminated quoted field (the quote opened on line 5", "nothing was sent" } })
      assert.same({}, stored())
    end)

    it("sends nothing and writes no journal with --dry-run", function()
      write(csv_path, numbered_csv(4))
      expect(report { "--dry-run" }, { code = 0, out_has = "Dry run: 4 row(s) would be sent" })
      assert.same({}, stored())
      assert.is_nil(io.open(csv_path .. ".journal"))
    end)

    it("keeps stdout for the result: progress goes to stderr, only on a terminal", function()
      write(csv_path, numbered_csv(3))
      local quiet = report()
      assert.is_nil(quiet.err:find("\r", 1, true))
      emu.reset()
      os.remove(csv_path .. ".journal")
      local forced = report({}, { env = { ACRLUA_PROGRESS = "always" } })
      assert.matches("\rrows: 3/3 (100%)", forced.err, 1, true)
      assert.equal("Rows sent: 3, skipped: 0, already sent before: 0.\n", forced.out)
    end)
  end)

  describe("time zones", function()
    -- Sends rows (start times) in a zone; returns the stored UTC starts.
    local function utc_starts(zone, starts)
      local lines = { "title,start,end" }
      for i, s in ipairs(starts) do lines[#lines + 1] = "t" .. i .. "," .. s .. "," .. s end
      write(csv_path, table.concat(lines, "\n") .. "\n")
      local r = expect(run { "-z", zone, PID, STREAM, csv_path }, { code = 0 })
      local out = {}
      for i, e in ipairs(stored()) do out[i] = e.result.start_timestamp_utc end
      return out, r
    end

    it("gives each row in Berlin the offset of its own time, across both changes", function()
      assert.same({
        "2021-03-28 00:59:59", "2021-03-28 01:00:00", -- spring: +01:00, then +02:00
        "2021-10-30 23:59:59", "2021-10-31 02:00:00", -- autumn: +02:00, then +01:00
        "2021-01-15 11:00:00", "2021-07-15 10:00:00",
      }, utc_starts("Europe/Berlin", { "2021-03-28 01:59:59", "2021-03-28 03:00:00",
        "2021-10-31 01:59:59", "2021-10-31 03:00:00", "2021-01-15 12:00:00",
        "2021-07-15 12:00:00" }))
    end)

    it("gives each row in New York the offset of its own time, across both changes", function()
      assert.same({
        "2021-03-14 06:59:59", "2021-03-14 07:00:00", -- spring: -05:00, then -04:00
        "2021-11-07 04:59:59", "2021-11-07 07:00:00", -- autumn: -04:00, then -05:00
      }, utc_starts("America/New_York", { "2021-03-14 01:59:59", "2021-03-14 03:00:00",
        "2021-11-07 00:59:59", "2021-11-07 02:00:00" }))
    end)

    it("takes the first of a repeated hour and warns", function()
      local starts, r = utc_starts("America/New_York", { "2021-11-07 01:30:00" })
      assert.same({ "2021-11-07 05:30:00" }, starts)
      assert.matches("line 2: warning: start 2021-11-07 01:30:00 happens twice in "
        .. "America/New_York", r.err, 1, true)
    end)

    it("uses a fixed offset as given", function()
      assert.same({ "2021-05-25 03:55:49" }, utc_starts("+08:00", { "2021-05-25 11:55:49" }))
      emu.reset()
      os.remove(csv_path .. ".journal")
      assert.same({ "2021-05-25 16:55:49" }, utc_starts("-05:00", { "2021-05-25 11:55:49" }))
      emu.reset()
      os.remove(csv_path .. ".journal")
      assert.same({ "2021-05-25 11:55:49" }, utc_starts("UTC", { "2021-05-25 11:55:49" }))
    end)

    it("sends the timeoffset the API expects", function()
      write(csv_path, "title,start,end\nx,2021-05-25 11:55:49,2021-05-25 11:56:37\n")
      assert.equal(0, run({ "-z", "Asia/Hong_Kong", PID, STREAM, csv_path }).code)
      local body = assert(emu.admin:request("GET", "/_emulator/requests")).data[1].body
      assert.matches('"timeoffset":-480', body, 1, true)
    end)

    it("keeps the duration right when a row spans the spring change", function()
      write(csv_path, "title,start,end\nnight,2021-03-28 01:50:00,2021-03-28 03:10:00\n")
      expect(report(), { code = 0, err_has = "both sides of a clock change" })
      local e = stored()[1].result
      assert.equal("2021-03-28 00:50:00", e.start_timestamp_utc)
      assert.equal("2021-03-28 01:10:00", e.end_timestamp_utc)
      assert.equal(20 * 60, e.duration)
    end)
  end)

  describe("running again", function()
    it("sends nothing the second time", function()
      write(csv_path, numbered_csv(5))
      assert.equal(0, report().code)
      all_stored(report(), 5, { out = "Rows sent: 0, skipped: 0, already sent before: 5.\n" })
    end)

    it("sends only new rows after other rows were added, removed or moved", function()
      write(csv_path, numbered_csv(5))
      assert.equal(0, report().code)
      local lines = {}
      for line in numbered_csv(6):gmatch("[^\n]+") do lines[#lines + 1] = line end
      -- header, row 06 (new), row 05, row 01, row 03 (row 02 and 04 removed)
      write(csv_path, table.concat({ lines[1], lines[7], lines[6], lines[2], lines[4] }, "\n")
        .. "\n")
      all_stored(report(), 6, { out = "Rows sent: 1, skipped: 0, already sent before: 3.\n" })
    end)

    it("sends rows that are exactly alike once each", function()
      local row = "same,2021-06-01 10:00:00,2021-06-01 10:01:00\n"
      write(csv_path, "title,start,end\n" .. row .. row)
      assert.equal(0, report().code)
      assert.equal(0, report().code)
      assert.same({ same = 2 }, stored_titles())
      write(csv_path, "title,start,end\n" .. row .. row .. row)
      assert.equal("Rows sent: 1, skipped: 0, already sent before: 2.\n", report().out)
      assert.same({ same = 3 }, stored_titles())
    end)

    it("refuses a journal made for another stream", function()
      write(csv_path, numbered_csv(2))
      assert.equal(0, report().code)
      expect(run { "-z", "UTC", PID, "s-Jq2n5T", csv_path },
        { code = 1, err_has = "this journal records sends to" })
      assert.same({}, emu.reports(PID, "s-Jq2n5T"))
      expect(run { "-z", "UTC", "-j", dir .. "/other.journal", PID, "s-Jq2n5T", csv_path },
        { code = 0 })
      assert.equal(2, #emu.reports(PID, "s-Jq2n5T"))
    end)
  end)

  describe("resuming after an interruption", function()
    -- 10 rows, 3 a batch: batches hold rows 1-3, 4-6, 7-9 and 10.
    local function crash(stage)
      write(csv_path, numbered_csv(10))
      expect(report({ "-b", "3" }, { env = { ACRLUA_REPORT_CRASH_AFTER = stage } }),
        { code = 137 })
    end

    it("killed after recording a batch, before sending it: lists it, sends nothing else",
      function()
      crash("intent:2")
      assert_exactly(stored_titles(), range(1, 3))
      expect(report { "-b", "3" }, { code = 3, out_has = {
        "Rows sent: 0, skipped: 0, already sent before: 3, of unknown fate: 3, "
          .. "waiting to be sent: 4.",
        "3 row(s) may or may not be on the server",
        "line 5: 2021-06-01 10:04:00, row 04",
        "line 7: 2021-06-01 10:06:00, row 06",
        "--resend-unknown",
        "Nothing else is sent until you say what became of them",
      } })
      -- Until the user decides, nothing more goes out: a kill now cannot
      -- leave a second batch of unknown fate beside the first.
      assert_exactly(stored_titles(), range(1, 3))
      -- They are not on the server: asked to, it sends them, then the rest.
      all_stored(report { "-b", "3", "--resend-unknown" }, 10,
        { out = "Rows sent: 7, skipped: 0, already sent before: 3.\n" })
      assert.equal("Rows sent: 0, skipped: 0, already sent before: 10.\n", report().out)
    end)

    it("killed after the server stored a batch, before the journal said so", function()
      crash("send:2")
      assert_exactly(stored_titles(), range(1, 6))
      expect(report { "-b", "3" }, { code = 3, out_has = "of unknown fate: 3" })
      -- Nothing is sent twice without asking, nor anything else.
      assert_exactly(stored_titles(), range(1, 6))
      -- The user checked: they are there.
      expect(report { "--assume-sent" }, { code = 0, out = "Rows sent: 4, skipped: 0, "
        .. "already sent before: 3, recorded as sent (--assume-sent): 3.\n" })
      all_stored(report(), 10, { out = "Rows sent: 0, skipped: 0, already sent before: 10.\n" })
    end)

    it("says so when a row of unknown fate was edited, and lets it be cleared", function()
      crash("send:2")
      -- Row 05 was in the batch of unknown fate; the user edits it.
      write(csv_path, (numbered_csv(10):gsub("row 05,", "row 05 (fixed),")))
      expect(report { "-b", "3" }, { code = 3, out_has = {
        "of unknown fate: 2",
        "3 row(s) may or may not be on the server",
        "and 1 row(s) no longer in the CSV as they were",
      } })
      assert.is_nil(stored_titles()["row 05 (fixed)"])
      -- They are there: recorded, and the rest is sent, the edited row as a
      -- new row.
      expect(report { "--assume-sent" },
        { code = 0, out_has = "recorded as sent (--assume-sent): 3" })
      assert.equal(1, stored_titles()["row 05 (fixed)"])
      expect(report(), { out = "Rows sent: 0, skipped: 0, already sent before: 10.\n" })
    end)

    it("killed between batches: sends the rest, nothing unknown", function()
      crash("outcome:2")
      assert_exactly(stored_titles(), range(1, 6))
      all_stored(report { "-b", "3" }, 10,
        { out = "Rows sent: 4, skipped: 0, already sent before: 6.\n" })
    end)

    it("killed before the first batch left: nothing stored, nothing lost", function()
      crash("intent:1")
      assert.same({}, stored())
      all_stored(report { "-b", "3", "--resend-unknown" }, 10)
    end)

    it("killed with SIGKILL while a batch was under way", function()
      write(csv_path, numbered_csv(10))
      -- The first batch goes through; the server stores the second at once
      -- but holds its answer back.
      emu.fault { operation = "add_stream_user_reports", count = 1 }
      emu.fault { operation = "add_stream_user_reports", count = 1, delay = 30 }
      local job = start(emu, { SCRIPT, "-z", "UTC", "-b", "3", PID, STREAM, csv_path })
      local stored_second = support.wait_for(function() return #stored() == 6 end, 20)
      os.execute("kill -KILL " .. job.pid)
      assert.is_true(stored_second)
      os.execute("sleep 0.2")
      os.remove(job.out)
      os.remove(job.err)
      expect(run { "-z", "UTC", "-b", "3", PID, STREAM, csv_path },
        { code = 3, out_has = "of unknown fate: 3" })
      assert_exactly(stored_titles(), range(1, 6))
      -- The server has them: say so, and the rest goes.
      all_stored(run { "-z", "UTC", "-b", "3", "--assume-sent", PID, STREAM, csv_path }, 10)
    end)

    it("stopped by a connection lost mid-request: no row lost, none sent twice", function()
      write(csv_path, numbered_csv(10))
      emu.fault { operation = "add_stream_user_reports", count = 1 }
      emu.fault { operation = "add_stream_user_reports", count = 1, drop = true }
      expect(report { "-b", "3" },
        { code = 1, out_has = "Rows sent: 3",
          err_has = "may or may not have stored the last 3 row(s)" })
      assert_exactly(stored_titles(), range(1, 3))
      expect(report { "-b", "3" }, { code = 3, out_has = "of unknown fate: 3" })
      all_stored(report { "-b", "3", "--resend-unknown" }, 10)
    end)

    it("leaves a 429 to the library's retries: the batch is stored once", function()
      write(csv_path, numbered_csv(4))
      emu.fault { operation = "add_stream_user_reports", count = 1, status = 429,
        headers = { ["Retry-After"] = "1" } }
      all_stored(report { "-b", "2" }, 4, { err_match = "HTTP 429.*attempt 2 again in 1%.0 s" })
    end)

    it("stops when the server keeps answering 429; a later run sends the rest", function()
      write(csv_path, numbered_csv(4))
      emu.fault { operation = "add_stream_user_reports", count = 3, status = 429,
        headers = { ["Retry-After"] = "0" } }
      expect(report { "-b", "2" },
        { code = 1, err_has = "kept asking to slow down (HTTP 429, retry after 0 s)" })
      assert_exactly(stored_titles(), {})
      all_stored(report { "-b", "2" }, 4)
    end)

    it("treats a server error as unknown fate and stops", function()
      write(csv_path, numbered_csv(4))
      emu.fault { operation = "add_stream_user_reports", count = 1, status = 503 }
      expect(report { "-b", "2" }, { code = 1, err_has = "HTTP 503" })
      assert.same({}, stored())
      all_stored(report { "-b", "2", "--resend-unknown" }, 4)
    end)

    it("records a batch that never left as not sent, so a rerun sends it", function()
      write(csv_path, numbered_csv(2))
      -- The port of an emulator that was just stopped: nothing listens there.
      local gone = require("acrcloud.emulator").spawn { token = emu.token, lifetime = 60 }
      local closed = gone.url
      gone.stop()
      expect(report({}, { env = { ACRCLOUD_BASE_URL = closed } }),
        { code = 1, err_has = "Couldn't connect" })
      expect(report({}, { env = { ACRCLOUD_BASE_URL = closed } }),
        { code = 1, out_lacks = "unknown fate" })
    end)

    it("sets aside the rows the server names as invalid and sends the others", function()
      write(csv_path, numbered_csv(3))
      emu.fault { operation = "add_stream_user_reports", count = 1, status = 422,
        body = { message = "The given data was invalid.",
          errors = { ["data.1.title"] = { "The data.1.title is not allowed." } } } }
      expect(report(),
        { code = 3, out_has = "rejected by the server: 1",
          err_has = "line 3: rejected by the server: The data.1.title is not allowed." })
      assert_exactly(stored_titles(), { 1, 3 })
      -- Rejected rows are not "sent": the next run tries them again.
      all_stored(report(), 3)
    end)
  end)
  describe("never more than one batch of unknown fate", function()
    local journal_mod = require "acrcloud.journal"

    -- The journal as the next run would read it.
    local function pending()
      local j = assert(journal_mod.open(csv_path .. ".journal",
        string.format("%s pid=%s stream=%s", emu.url, PID, STREAM)))
      local batches = j:unknown_batches()
      j:close()
      return batches
    end

    -- What the user would find on the server about the batch of unknown fate:
    -- the flag to run with (nil when there is no such batch).
    local function decide(batches)
      if #batches == 0 then return nil end
      local titles, there = stored_titles(), 0
      for _, r in ipairs(batches[1].rows) do
        -- numbered_csv: line L holds "row L-1"
        if titles[string.format("row %02d", r.line - 1)] then there = there + 1 end
      end
      assert(there == 0 or there == #batches[1].rows, "a batch was stored in part")
      return there > 0 and "--assume-sent" or "--resend-unknown"
    end

    -- Runs with the flag the server calls for (plus `extra`); returns the result.
    local function run_decided(extra, opts)
      local args = { "-b", "3" }
      local flag = decide(pending())
      if flag then args[#args + 1] = flag end
      for _, a in ipairs(extra or {}) do args[#args + 1] = a end
      return report(args, opts)
    end

    local function no_duplicates()
      for title, n in pairs(stored_titles()) do assert.equal(1, n, title) end
    end

    -- Killed at `first`, then run again with no decision (sends nothing),
    -- then with the right decision but killed at `second`, then to the end.
    local FIRST = { "intent:1", "send:1", "intent:2", "send:2", "outcome:2", "intent:4",
      "send:4" }
    local SECOND = { "decided:1", "intent:1", "send:1", "outcome:1", "send:2" }
    it("after a kill at any point, and a kill while deciding", function()
      for _, first in ipairs(FIRST) do
        for _, second in ipairs(SECOND) do
          local where = first .. " then " .. second
          emu.reset()
          os.remove(csv_path .. ".journal")
          write(csv_path, numbered_csv(10))
          local r = report({ "-b", "3" }, { env = { ACRLUA_REPORT_CRASH_AFTER = first } })
          assert.equal(137, r.code, where .. ": " .. r.err)
          assert.is_true(#pending() <= 1, where)
          if #pending() == 1 then
            -- Undecided, a run sends nothing at all.
            local before = stored_titles()
            r = report { "-b", "3" }
            assert.equal(3, r.code, where)
            assert.same(before, stored_titles(), where)
            assert.equal(1, #pending(), where)
          end
          r = run_decided({}, { env = { ACRLUA_REPORT_CRASH_AFTER = second } })
          assert.is_true(#pending() <= 1, where)
          no_duplicates()
          for _ = 1, 3 do
            if r.code == 0 then break end
            r = run_decided()
          end
          assert.equal(0, r.code, where .. ": " .. r.out .. r.err)
          assert.same({}, pending(), where)
          assert_exactly(stored_titles(), range(1, 10))
        end
      end
    end)

    it("after SIGKILLs at arbitrary moments", function()
      local acrcloud = require "acrcloud"
      local rows = 30
      write(csv_path, numbered_csv(rows))
      -- Every answer comes 50 ms after the batch is stored: wide windows
      -- in which a kill leaves a batch stored but not recorded.
      emu.fault { operation = "add_stream_user_reports", count = 1000, delay = 0.05 }
      local delays = { 0.02, 0.11, 0.17, 0.26, 0.33, 0.41, 0.05, 0.52, 0.08, 0.37, 0.14, 0.6 }
      local kills = 0
      for i, d in ipairs(delays) do
        local args = { SCRIPT, "-z", "Europe/Berlin", "-b", "2", PID, STREAM, csv_path }
        -- Every other run comes without a decision, as a user might start it.
        local flag = i % 2 == 0 and decide(pending())
        if flag then table.insert(args, 2, flag) end
        local job = start(emu, args)
        os.execute("sleep " .. d)
        os.execute("kill -KILL " .. job.pid .. " 2>/dev/null")
        -- The kernel drops the lock when the process is gone.
        assert.is_true(support.wait_for(function()
          local f = io.open(csv_path .. ".journal", "ab")
          if not f then return true end
          local free = acrcloud.lock(f)
          f:close()
          return free
        end, 10))
        os.remove(job.out)
        os.remove(job.err)
        assert.is_true(#pending() <= 1, "after a kill at " .. d .. " s")
        no_duplicates()
        local count = 0
        for _ in pairs(stored_titles()) do count = count + 1 end
        if count == rows and #pending() == 0 then break end
        kills = kills + 1
      end
      assert.is_true(kills >= 3)
      local r = run_decided { "-b", "2" }
      assert.is_true(r.code == 0, r.out .. r.err)
      assert.same({}, pending())
      assert_exactly(stored_titles(), range(1, rows))
    end)
  end)

  describe("the journal's lock", function()
    it("refuses a second run while one is running, and is free after a SIGKILL", function()
      write(csv_path, numbered_csv(6))
      -- The first run's first batch is stored, its answer held back 30 s.
      emu.fault { operation = "add_stream_user_reports", count = 1, delay = 30 }
      local job = start(emu, { SCRIPT, "-z", "UTC", "-b", "3", PID, STREAM, csv_path })
      assert.is_true(support.wait_for(function() return #stored() == 3 end, 20))
      expect(run { "-z", "UTC", "-b", "3", PID, STREAM, csv_path },
        { code = 1, out = "",
          err_has = csv_path .. ".journal is in use by another run (it is locked)" })
      assert_exactly(stored_titles(), range(1, 3))
      -- A dry run only reads, and is not refused.
      assert.equal(3, run({ "-n", "-z", "UTC", "-b", "3", PID, STREAM, csv_path }).code)
      os.execute("kill -KILL " .. job.pid)
      os.remove(job.out)
      os.remove(job.err)
      local after
      assert.is_true(support.wait_for(function()
        after = run { "-z", "UTC", "-b", "3", PID, STREAM, csv_path }
        return not after.err:find("in use", 1, true)
      end, 10))
      assert.equal(3, after.code, after.err)
      assert.matches("of unknown fate: 3", after.out, 1, true)
      all_stored(run { "-z", "UTC", "-b", "3", "--assume-sent", PID, STREAM, csv_path }, 6)
    end)
  end)
end)

