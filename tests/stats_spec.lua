-- scripts/stats.lua against the emulator: output formats, totals, project
-- lookup, usage and exit codes.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")
local csv = require "acrcloud.csv"
local acrcloud = require "acrcloud"

local SCRIPT = "scripts/stats.lua"

describe("stats.lua", function()
  local emu = support.emulator(support.SCRIPT_TOKEN, { lifetime = 600 })
  local expected

  setup(function()
    emu.start()
    -- What the API says for project 15, to compare the output with.
    expected = assert(emu.admin:get_base_project_day_stat { id = 15, start = "2021-04-09",
      ["end"] = "2021-04-15" }).data
  end)
  teardown(emu.stop)
  before_each(emu.reset)

  local run = support.script_runner(emu, SCRIPT)

  local function sum(key)
    local s = 0
    for _, row in ipairs(expected) do s = s + row[key] end
    return s
  end

  describe("table output", function()
    it("prints aligned columns, one row a day, and totals", function()
      local r = run { "15", "2021-04-09", "2021-04-15" }
      assert.equal(0, r.code, r.err)
      assert.equal("", r.err)
      local lines = {}
      for line in r.out:gmatch("[^\n]+") do lines[#lines + 1] = line end
      assert.equal(1 + 7 + 1 + 1, #lines) -- header, days, rule, totals
      assert.matches("^date%s+no_results%s+results%s+total$", lines[1])
      -- Every line ends its columns at the same places.
      local function ends(line)
        local out = {}
        for e in line:gmatch("()%S+") do out[#out + 1] = e end
        return out
      end
      for i = 2, 8 do
        local row = expected[i - 1]
        assert.equal(string.format("%s  %10d  %7d  %5d", row.date, row.no_results, row.results,
          row.total), lines[i])
      end
      assert.equal(#lines[1], #lines[2])
      assert.equal(#ends(lines[1]), #ends(lines[10]))
      assert.equal(string.format("total       %10d  %7d  %5d", sum("no_results"), sum("results"),
        sum("total")), lines[10])
    end)

    it("can leave the totals out", function()
      local r = run { "--no-totals", "15", "2021-04-09", "2021-04-15" }
      assert.equal(0, r.code)
      assert.is_nil(r.out:find("total ", 1, true))
      assert.is_nil(r.out:find("---", 1, true))
    end)
  end)

  describe("csv output", function()
    it("prints a header, the days and a totals row", function()
      local r = run { "-o", "csv", "15", "2021-04-09", "2021-04-15" }
      assert.equal(0, r.code, r.err)
      local rows = {}
      for rec in csv.from_string(r.out):records() do rows[#rows + 1] = rec.fields end
      assert.same({ "date", "no_results", "results", "total" }, rows[1])
      assert.equal(9, #rows)
      for i, row in ipairs(expected) do
        assert.same({ row.date, tostring(row.no_results), tostring(row.results),
          tostring(row.total) }, rows[i + 1])
      end
      assert.same({ "total", tostring(sum("no_results")), tostring(sum("results")),
        tostring(sum("total")) }, rows[9])
    end)
  end)

  describe("json output", function()
    it("prints the days and totals as one JSON object", function()
      local r = run { "--output=json", "15", "2021-04-09", "2021-04-15" }
      assert.equal(0, r.code, r.err)
      local doc = assert(acrcloud.decode(r.out))
      assert.equal(15, doc.project)
      assert.equal("2021-04-09", doc.start)
      assert.equal("2021-04-15", doc["end"])
      assert.same({ "no_results", "results", "total" }, doc.columns)
      assert.equal(7, #doc.days)
      for i, row in ipairs(expected) do
        assert.equal(row.date, doc.days[i].date)
        assert.equal(row.total, doc.days[i].total)
      end
      assert.equal(sum("total"), doc.totals.total)
      assert.equal(sum("no_results"), doc.totals.no_results)
    end)

    it("is the codec's text, keys in the documented order", function()
      local r = run { "-o", "json", "15", "2021-04-09", "2021-04-15" }
      assert.equal(0, r.code, r.err)
      local doc = assert(acrcloud.decode(r.out))
      local cols = { "no_results", "results", "total" }
      local days = acrcloud.array()
      for i, day in ipairs(doc.days) do
        days[i] = acrcloud.object(day, { "date", "no_results", "results", "total" })
      end
      local again = acrcloud.encode(acrcloud.object({ project = doc.project, start = doc.start,
        ["end"] = doc["end"], columns = doc.columns, days = days,
        totals = acrcloud.object(doc.totals, cols) },
        { "project", "start", "end", "columns", "days", "totals" }))
      assert.equal(again .. "\n", r.out)
      assert.matches('^{"project":15,"start":"2021%-04%-09","end":"2021%-04%-15","columns":%[',
        r.out)
    end)

    it("prints the same bytes run after run", function()
      local a = run { "-o", "json", "15", "2021-04-09", "2021-04-15" }
      local b = run { "-o", "json", "15", "2021-04-09", "2021-04-15" }
      assert.equal(a.out, b.out)
    end)
  end)

  describe("projects", function()
    it("finds a project by name", function()
      local by_id = run { "15", "2021-04-09", "2021-04-10" }
      local by_name = run { "test", "2021-04-09", "2021-04-10" }
      assert.equal(0, by_name.code, by_name.err)
      assert.equal(by_id.out, by_name.out)
    end)

    for name, test in support.run_cases(run, {
      { "exits 1 for a name no project has",
        args = { "no-such-project", "2021-04-09", "2021-04-10" },
        code = 1, err_has = 'no base project is named "no-such-project"', out = "" },
      { "exits 1 with the API's message for an unknown id",
        args = { "999999", "2021-04-09", "2021-04-10" }, code = 1, err_has = "HTTP 404" },
    }) do it(name, test) end

    it("exits 1 for a name two projects have", function()
      for _ = 1, 2 do
        assert(emu.admin:create_base_project { name = "twin", region = "eu-west-1",
          type = "AVR", buckets = { 8881 } })
      end
      local r = run { "twin", "2021-04-09", "2021-04-10" }
      assert.equal(1, r.code)
      assert.matches('2 base projects are named "twin"', r.err, 1, true)
    end)
  end)

  describe("usage", function()
    for name, test in support.run_cases(run, {
      { "prints the help on -h and exits 0", args = { "-h" },
        code = 0, out_match = "^usage: stats.lua", out_has = "-o, --output FORMAT" },
      { "exits 1 when the token is missing", args = { "15", "2021-04-09", "2021-04-10" },
        opts = { token = false }, code = 1, err_has = "ACRCLOUD_ACCESS_TOKEN" },
    }) do it(name, test) end

    it("exits 2 on bad dates, reversed dates and unknown formats", function()
      for _, args in ipairs {
        { "15", "2021-02-30", "2021-03-01" },
        { "15", "2021-4-9", "2021-04-10" },
        { "15", "2021-04-10", "2021-04-09" },
        { "-o", "xml", "15", "2021-04-09", "2021-04-10" },
        { "15", "2021-04-09" },
        { "-x", "15", "2021-04-09", "2021-04-10" },
      } do
        support.check_run(run(args), { code = 2, err_has = "usage: stats.lua", out = "",
          about = table.concat(args, " ") })
      end
    end)
  end)
end)
