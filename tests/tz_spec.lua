-- acrcloud.tz: zone validation and offsets from the system tz database.
local tz = require "acrcloud.tz"
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

describe("acrcloud.tz.check", function()
  it("accepts an IANA name that exists", function()
    assert.equal("Europe/Berlin", tz.check("Europe/Berlin"))
  end)

  it("accepts fixed offsets and UTC", function()
    assert.equal("+08:00", tz.check("+08:00"))
    assert.equal("-05:30", tz.check("-05:30"))
    assert.equal("UTC", tz.check("UTC"))
    assert.equal("UTC", tz.check("Z"))
  end)

  for _, case in ipairs {
    { "rejects a name that does not exist instead of falling back to UTC", "Europe/Atlantis",
      'unknown time zone "Europe/Atlantis"' },
    { "rejects files in the zone directory that are not zones", "zone.tab", "not a zone file" },
  } do
    it(case[1], function()
      local ok, err = tz.check(case[2])
      assert.is_nil(ok)
      assert.matches(case[3], err, 1, true)
    end)
  end

  it("rejects path tricks and odd characters", function()
    for _, bad in ipairs { "../etc/passwd", "/etc/localtime", "Europe//Berlin",
      "Europe/./Berlin", "", "Europe/Berlin ", "-x", "Europe/Berlin\0x" } do
      local ok, err = tz.check(bad)
      assert.is_nil(ok, bad)
      assert.is_string(err)
    end
  end)

  it("rejects malformed and out-of-range fixed offsets", function()
    for _, bad in ipairs { "+8:00", "+08", "+0800", "+08:60", "+19:00", "utc", "z" } do
      assert.is_nil((tz.check(bad)), bad)
    end
  end)

  it("honours TZDIR", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. dir .. "/Test && cp /usr/share/zoneinfo/Asia/Tokyo "
      .. dir .. "/Test/Zone"))
    local script = string.format([[
      local tz = require "acrcloud.tz"
      io.write(tostring(tz.timeoffset("Test/Zone", "2021-06-01 00:00:00")), " ",
               tostring((tz.check("Europe/Berlin"))))
    ]])
    local out = support.output("TZDIR=" .. dir .. " " .. os.getenv("ACRLUA")
      .. " -e " .. support.q(script))
    os.execute("rm -rf " .. dir)
    assert.equal("-540 nil", out)
  end)
end)

describe("acrcloud.tz.timeoffset", function()
  it("follows the API's sign convention for fixed offsets", function()
    assert.equal(-480, tz.timeoffset("+08:00", "2021-02-01 12:13:14"))
    assert.equal(0, tz.timeoffset("UTC", "2021-02-01 12:13:14"))
    assert.equal(300, tz.timeoffset("-05:00", "2021-02-01 12:13:14"))
    assert.equal(330, tz.timeoffset("-05:30", "2021-02-01 12:13:14"))
  end)

  -- { name, zone, { local time, its offset }, { another, its offset } }
  local OFFSETS = {
    { "gives each side of Berlin's spring change its own offset", "Europe/Berlin",
      { "2021-03-28 01:59:59", -60 }, { "2021-03-28 03:00:00", -120 } },
    { "gives each side of Berlin's autumn change its own offset", "Europe/Berlin",
      { "2021-10-31 01:59:59", -120 }, { "2021-10-31 03:00:00", -60 } },
    { "gives each side of New York's spring change its own offset", "America/New_York",
      { "2021-03-14 01:59:59", 300 }, { "2021-03-14 03:00:00", 240 } },
    { "gives each side of New York's autumn change its own offset", "America/New_York",
      { "2021-11-07 00:59:59", 240 }, { "2021-11-07 02:00:00", 300 } },
    -- Moscow was UTC+4 all year from 2011 to 2014, UTC+3 since.
    { "uses the zone's rules of the given year", "Europe/Moscow",
      { "2013-01-15 12:00:00", -240 }, { "2015-01-15 12:00:00", -180 } },
  }
  for _, case in ipairs(OFFSETS) do
    it(case[1], function()
      for i = 3, 4 do
        local time, offset = table.unpack(case[i])
        assert.equal(offset, tz.timeoffset(case[2], time), time)
      end
    end)
  end

  it("refuses a local time skipped by the spring change, saying why", function()
    local off, why = tz.timeoffset("Europe/Berlin", "2021-03-28 02:30:00")
    assert.is_nil(off)
    assert.matches("does not exist in Europe/Berlin", why, 1, true)
    off, why = tz.timeoffset("America/New_York", "2021-03-14 02:00:00")
    assert.is_nil(off)
    assert.matches("does not exist in America/New_York", why, 1, true)
  end)

  it("takes the first of a repeated local time and says it was ambiguous", function()
    local off, note = tz.timeoffset("Europe/Berlin", "2021-10-31 02:30:00")
    assert.equal(-120, off)
    assert.matches("happens twice", note, 1, true)
    off, note = tz.timeoffset("America/New_York", "2021-11-07 01:30:00")
    assert.equal(240, off)
    assert.matches("happens twice", note, 1, true)
  end)

  it("has no note for an ordinary time", function()
    local off, note = tz.timeoffset("Asia/Hong_Kong", "2021-05-25 11:55:49")
    assert.equal(-480, off)
    assert.is_nil(note)
  end)

  it("rejects malformed times with an error", function()
    for _, bad in ipairs { "2021-02-30 00:00:00", "2021-13-01 00:00:00", "2021-01-01",
      "2021-01-01T00:00:00", "2021-01-01 24:00:00", "2021-01-01 00:00:60",
      " 2021-01-01 00:00:00", "2021-1-01 00:00:00" } do
      local ok, err = pcall(tz.timeoffset, "UTC", bad)
      assert.is_false(ok, bad)
      assert.matches("bad time", err, 1, true)
    end
  end)

  it("accepts the 29th of February only in leap years", function()
    assert.equal(0, tz.timeoffset("UTC", "2024-02-29 00:00:00"))
    assert.is_false(pcall(tz.timeoffset, "UTC", "2023-02-29 00:00:00"))
    assert.is_false(pcall(tz.timeoffset, "UTC", "1900-02-29 00:00:00"))
    assert.equal(0, tz.timeoffset("UTC", "2000-02-29 00:00:00"))
  end)

  it("raises for a bad zone", function()
    local ok, err = pcall(tz.timeoffset, "Mars/Olympus", "2021-01-01 00:00:00")
    assert.is_false(ok)
    assert.matches("unknown time zone", err, 1, true)
  end)
end)

describe("acrcloud.tz.to_utc and to_local", function()
  it("converts local to UTC", function()
    assert.equal("2021-05-25 03:55:49", (tz.to_utc("Asia/Hong_Kong", "2021-05-25 11:55:49")))
    assert.equal("2021-12-31 19:00:00", (tz.to_utc("-05:00", "2021-12-31 14:00:00")))
    assert.equal("2022-01-01 02:00:00", (tz.to_utc("-05:00", "2021-12-31 21:00:00")))
  end)

  it("converts UTC to local on both sides of a change", function()
    assert.same({ "2021-11-07 01:30:00", -14400 },
      { tz.to_local("America/New_York", "2021-11-07 05:30:00") })
    assert.same({ "2021-11-07 01:30:00", -18000 },
      { tz.to_local("America/New_York", "2021-11-07 06:30:00") })
  end)

  it("accepts epoch seconds", function()
    assert.same({ "1970-01-01 08:00:00", 28800 }, { tz.to_local("Asia/Shanghai", 0) })
    assert.same({ "2001-09-09 01:46:40", 0 }, { tz.to_local("UTC", 1000000000) })
  end)

  it("round-trips every hour of a year in Berlin", function()
    local t = 1609459200 -- 2021-01-01 00:00:00 UTC
    for i = 0, 365 * 24 - 1, 7 do
      local loc = tz.to_local("Europe/Berlin", t + i * 3600)
      local utc = tz.to_utc("Europe/Berlin", loc)
      local back = tz.to_local("UTC", t + i * 3600)
      -- In the repeated hour to_utc picks the first occurrence.
      if utc ~= back then
        local _, _, note = tz.to_utc("Europe/Berlin", loc)
        assert.is_string(note, loc)
      end
    end
  end)
end)

describe("acrcloud.tz and the caller's TZ", function()
  local function run(env)
    return (support.output(env .. " " .. os.getenv("ACRLUA") .. [[ -e '
      local tz = require "acrcloud.tz"
      local before = os.getenv("TZ")
      local hour = os.date("%H", 0)
      tz.timeoffset("Asia/Tokyo", "2021-01-01 00:00:00")
      tz.to_local("America/New_York", 0)
      pcall(tz.timeoffset, "Europe/Berlin", "2021-03-28 02:30:00")
      io.write(tostring(before), " ", tostring(os.getenv("TZ")), " ",
               hour, " ", os.date("%H", 0))']]))
  end

  it("puts back a TZ that was set", function()
    assert.equal("Asia/Kolkata Asia/Kolkata 05 05", run("TZ=Asia/Kolkata"))
  end)

  it("leaves TZ unset when it was unset", function()
    local before_tz, after_tz, hour_before, hour_after =
      run("env -u TZ"):match("^(%S+) (%S+) (%S+) (%S+)$")
    assert.equal("nil", before_tz)
    assert.equal("nil", after_tz)
    assert.equal(hour_before, hour_after)
  end)
end)

-- Against glibc ---------------------------------------------------------------

local q = support.q
local ACRLUA = os.getenv("ACRLUA")
local COMPARE = "tests/fixtures/tz/glibc_compare.lua"

-- Days since 1970-01-01 of a Gregorian date (for zdump's output).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m > 2 and m - 3 or m + 9) + 2) // 5 + d - 1
  return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8,
  Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

-- The instants around each of the zone's transitions from 1850 to 2400, as
-- glibc's zdump sees them (the last second before and the first after).
local function zdump_instants(zone)
  local out = {}
  local p = assert(io.popen("zdump -v -c 1850,2400 " .. q(zone)))
  for line in p:lines() do
    local mon, d, hh, mm, ss, y = line:match(
      "^%S+%s+%a+ (%a+)%s+(%d+) (%d+):(%d+):(%d+) (%d+) UT = ")
    if mon then
      out[#out + 1] = days_from_civil(tonumber(y), MONTHS[mon], tonumber(d)) * 86400
        + hh * 3600 + mm * 60 + ss
    end
  end
  p:close()
  return out
end

-- Instants from 1900 to 2400 about every 37 days, at varying times of day.
local function sampled_instants()
  local out = {}
  local t = days_from_civil(1900, 1, 1) * 86400
  local stop = days_from_civil(2400, 1, 1) * 86400
  while t < stop do
    out[#out + 1] = t
    t = t + 37 * 86400 + 3607
  end
  return out
end

-- Runs the comparison in a child whose TZ is `tz_value`; `zone` is the name
-- acrcloud.tz is asked about. Returns how many instants were checked and the
-- mismatch lines.
local function compare(tz_value, zone, instants, env)
  local list = os.tmpname()
  local f = assert(io.open(list, "w"))
  for _, t in ipairs(instants) do f:write(t, "\n") end
  f:close()
  local out = support.output(string.format("env %s TZ=%s %s %s %s %s 2>&1", env or "",
    q(tz_value), q(ACRLUA), q(COMPARE), q(zone), q(list)))
  os.remove(list)
  local mismatches = {}
  for line in out:gmatch("mismatch: [^\n]*") do mismatches[#mismatches + 1] = line end
  return tonumber(out:match("checked (%d+)")), mismatches, out
end

describe("acrcloud.tz against glibc's localtime", function()
  local ZONES = { "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
    "Asia/Kathmandu", "America/Sao_Paulo", "Pacific/Apia", "Africa/Casablanca",
    "Asia/Tehran", "Asia/Jerusalem", "America/Nuuk", "America/Santiago", "Europe/Dublin" }

  for _, zone in ipairs(ZONES) do
    it("gives glibc's local time in " .. zone .. " at every transition and 5,000 more instants",
      function()
        local instants = zdump_instants(zone)
        local transitions = #instants
        for _, t in ipairs(sampled_instants()) do instants[#instants + 1] = t end
        local checked, mismatches, out = compare(zone, zone, instants)
        assert.equal(#instants, checked, out)
        assert.same({}, mismatches)
        -- Every zone here changed its offset at least a few times.
        assert.is_true(transitions >= 4, zone)
      end)
  end

  it("uses the footer's rule for a far-future date past the table", function()
    -- zic writes transitions up to 2037; 2250 comes from "CET-1CEST,M3.5.0,M10.5.0/3".
    assert.same({ "2250-07-01 14:00:00", 7200 }, { tz.to_local("Europe/Berlin",
      days_from_civil(2250, 7, 1) * 86400 + 12 * 3600) })
    -- The last Sunday of March 2250 is the 31st.
    assert.same({ "2250-03-31 01:59:59", 3600 }, { tz.to_local("Europe/Berlin",
      days_from_civil(2250, 3, 31) * 86400 + 3599) })
    assert.same({ "2250-03-31 03:00:00", 7200 }, { tz.to_local("Europe/Berlin",
      days_from_civil(2250, 3, 31) * 86400 + 3600) })
    assert.equal(3600, (tz.utc_offset("Europe/Berlin", "2250-03-24 02:30:00")))
    local off, why = tz.utc_offset("Europe/Berlin", "2250-03-31 02:30:00")
    assert.is_nil(off)
    assert.matches("does not exist", why, 1, true)
  end)

  it("gives the answers of zones with 30- and 45-minute offsets and changed rules", function()
    -- Lord Howe moves by 30 minutes: +10:30 in winter, +11:00 in summer.
    assert.equal(37800, (tz.utc_offset("Australia/Lord_Howe", "2021-07-01 12:00:00")))
    assert.equal(39600, (tz.utc_offset("Australia/Lord_Howe", "2021-01-01 12:00:00")))
    local off, note = tz.utc_offset("Australia/Lord_Howe", "2021-04-04 01:45:00")
    assert.equal(39600, off)
    assert.matches("happens twice", note, 1, true)
    assert.is_nil((tz.utc_offset("Australia/Lord_Howe", "2021-10-03 02:15:00")))
    assert.equal(-345, tz.timeoffset("Asia/Kathmandu", "2021-01-01 00:00:00"))
    -- Brazil dropped daylight saving time in 2019.
    assert.equal(-7200, (tz.utc_offset("America/Sao_Paulo", "2018-12-01 12:00:00")))
    assert.equal(-10800, (tz.utc_offset("America/Sao_Paulo", "2019-12-01 12:00:00")))
    -- Samoa skipped 2011-12-30 altogether.
    assert.is_nil((tz.to_utc("Pacific/Apia", "2011-12-30 12:00:00")))
    assert.equal("2011-12-29 23:59:59", (tz.to_local("Pacific/Apia", "2011-12-30 09:59:59")))
    assert.equal("2011-12-31 00:00:00", (tz.to_local("Pacific/Apia", "2011-12-30 10:00:00")))
  end)
end)

-- TZif files made here ---------------------------------------------------------

local BERLIN = assert(support.read_file("/usr/share/zoneinfo/Europe/Berlin"))

-- A version 2 TZif file with no transitions, one type, and `rule` as footer.
local function footer_only(rule, utoff)
  local function header(version)
    return "TZif" .. version .. ("\0"):rep(15) .. string.pack(">I4I4I4I4I4I4", 0, 0, 0, 0, 1, 4)
  end
  local block = string.pack(">i4BB", utoff, 0, 0) .. "XXX\0"
  return header("2") .. block .. header("2") .. block .. "\n" .. rule .. "\n"
end

-- Berlin's file cut down to its version 1 part (32-bit times, no footer).
local function berlin_v1()
  local counts = { string.unpack(">I4I4I4I4I4I4", BERLIN, 21) }
  local isut, isstd, leap, time, types, chars = table.unpack(counts, 1, 6)
  local size = time * 5 + types * 6 + chars + leap * 8 + isstd + isut
  return "TZif\0" .. BERLIN:sub(6, 44 + size)
end

-- Writes files { [name] = bytes } under a new TZDIR and runs `script` (Lua
-- source, given the names in `...`) in a child with that TZDIR. Returns its
-- output.
local function with_tzdir(files, script)
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. q(dir .. "/T")))
  for name, bytes in pairs(files) do support.write_file(dir .. "/T/" .. name, bytes) end
  local code = os.tmpname()
  support.write_file(code, script)
  local out = support.output(string.format("TZDIR=%s %s %s 2>&1", q(dir), q(ACRLUA), q(code)))
  os.remove(code)
  os.execute("rm -rf " .. q(dir))
  return out
end

describe("acrcloud.tz reading TZif files", function()
  it("reads a version 1 file (32-bit times, no footer) as glibc does", function()
    local out = with_tzdir({ V1 = berlin_v1() }, [[
      local tz = require "acrcloud.tz"
      print(tz.to_local("T/V1", 1616893199))
      print(tz.to_local("T/V1", 1616893200))
      print(tz.utc_offset("T/V1", "2021-10-31 02:30:00"))]])
    assert.matches("^2021%-03%-28 01:59:59\t3600\n2021%-03%-28 03:00:00\t7200\n7200\t"
      .. "2021%-10%-31 02:30:00 happens twice", out)
  end)

  -- POSIX TZ rules, each in a footer-only file, against glibc reading the same
  -- rule from TZ: Julian and zero-based days, negative and >24 h times, DST
  -- all year, negative DST, a 30-minute DST and seconds in offsets.
  local RULES = {
    { "CET-1CEST,M3.5.0,M10.5.0/3", 3600 },
    { "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", -7200 },
    { "IST-2IDT,M3.4.4/26,M10.5.0", 7200 },
    { "<-04>4<-03>,M9.1.6/24,M4.1.6/24", -14400 },
    { "AAA3BBB,J60/2,J300/2", -10800 },
    { "AAA3BBB,59/2,299/2", -10800 },
    { "IST-1GMT0,M10.5.0,M3.5.0/1", 3600 },
    { "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 37800 },
    { "XXX3:30:15YYY2,M4.1.0/-100,M9.5.6/150", -12615 },
    { "<+0545>-5:45", 20700 },
  }
  for i, case in ipairs(RULES) do
    it("follows the footer rule " .. case[1] .. " as glibc does", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. q(dir .. "/R")))
      support.write_file(dir .. "/R/" .. i, footer_only(case[1], case[2]))
      local instants = {}
      local t = days_from_civil(1990, 1, 1) * 86400
      while t < days_from_civil(2060, 1, 1) * 86400 do
        instants[#instants + 1] = t
        t = t + 3 * 86400 + 3593
      end
      local checked, mismatches, out = compare(case[1], "R/" .. i, instants,
        "TZDIR=" .. q(dir))
      os.execute("rm -rf " .. q(dir))
      assert.equal(#instants, checked, out)
      assert.same({}, mismatches)
    end)
  end

  it("keeps daylight saving time all year under a rule that says so", function()
    local out = with_tzdir({ D = footer_only("EST5EDT,0/0,J365/25", -18000) }, [[
      local tz = require "acrcloud.tz"
      for _, t in ipairs { "2030-01-01 00:00:00", "2030-01-01 04:30:00", "2030-07-01 00:00:00",
        "2030-12-31 23:59:59" } do
        io.write(tz.timeoffset("T/D", t), " ")
      end]])
    assert.equal("240 240 240 240 ", out)
  end)

  it("refuses every truncation of a real file with a clear error", function()
    local files = {}
    for cut = 0, #BERLIN - 1 do files["cut" .. cut] = BERLIN:sub(1, cut) end
    local out = with_tzdir(files, [[
      local tz = require "acrcloud.tz"
      local ok = 0
      for cut = 0, ]] .. (#BERLIN - 1) .. [[ do
        local zone, err = tz.check("T/cut" .. cut)
        if zone then print("accepted cut " .. cut)
        elseif err:find("bad zone file", 1, true) or err:find("not a zone file", 1, true) then
          ok = ok + 1
        else print("odd error: " .. err) end
      end
      print("refused " .. ok)]])
    assert.equal("refused " .. #BERLIN .. "\n", out)
  end)

  it("names what is wrong with a damaged file", function()
    local v2 = BERLIN
    local function put32(s, pos, n)
      return s:sub(1, pos - 1) .. string.pack(">I4", n) .. s:sub(pos + 4)
    end
    local v1_size = #berlin_v1()
    local cases = {
      huge_count = { put32(v2, 33, 0xFFFFFFFF), "truncated" },
      second_magic = { v2:sub(1, v1_size) .. "XXXX" .. v2:sub(v1_size + 5), "second header" },
      version = { "TZif7" .. v2:sub(6), nil },
      bad_version = { "TZif\1" .. v2:sub(6), "unknown TZif version" },
      no_types = { put32(v2, v1_size + 37, 0), "no local time types" },
      footer = { v2:gsub("\nCET%-1CEST,M3.5.0,M10.5.0/3\n$", "\nCET-1CEST,M13.5.0\n"),
        "footer's TZ rule is malformed" },
      no_footer = { v2:gsub("\nCET%-1CEST,M3.5.0,M10.5.0/3\n$", ""), "footer is missing" },
      leap = { assert(support.read_file("/usr/share/zoneinfo/right/Europe/Berlin")),
        "leap seconds" },
      not_tzif = { "# zone.tab\n", "not a zone file" },
    }
    -- A type index past the types: the first transition of the 64-bit block.
    local time64 = string.unpack(">I4", v2, v1_size + 33)
    local idx_pos = v1_size + 45 + time64 * 8
    cases.type_index = { v2:sub(1, idx_pos - 1) .. "\255" .. v2:sub(idx_pos + 1),
      "missing type" }
    -- Two transitions swapped.
    local t1 = v1_size + 45 + 8 * 10
    cases.order = { v2:sub(1, t1 - 1) .. v2:sub(t1 + 8, t1 + 15) .. v2:sub(t1, t1 + 7)
      .. v2:sub(t1 + 16), "ascending order" }
    local files = {}
    for name, case in pairs(cases) do files[name] = case[1] end
    local out = with_tzdir(files, [[
      local tz = require "acrcloud.tz"
      for _, name in ipairs { ]] .. (function()
        local list = {}
        for name in pairs(cases) do list[#list + 1] = string.format("%q", name) end
        return table.concat(list, ", ")
      end)() .. [[ } do
        local zone, err = tz.check("T/" .. name)
        print(name .. "=" .. tostring(zone or err))
        local ok, raised = pcall(tz.to_local, "T/" .. name, 0)
        print(name .. " raises=" .. tostring(not ok and raised:find("bad zone file", 1, true)
          ~= nil or not ok and raised:find("not a zone", 1, true) ~= nil))
      end]])
    for name, case in pairs(cases) do
      local said = ("\n" .. out):match("\n" .. name .. "=([^\n]*)")
      if case[2] then
        assert.matches(case[2], said, 1, true)
        assert.matches('"T/' .. name .. '"', said, 1, true)
        assert.matches(name .. " raises=true", out, 1, true)
      else
        -- An unknown later version is read like version 2.
        assert.equal("T/" .. name, said)
      end
    end
  end)

  it("survives random damage without crashing", function()
    local files = {}
    local seed = 12345
    local function rand(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    end
    for i = 1, 300 do
      local bytes = { BERLIN:byte(1, -1) }
      for _ = 1, 1 + rand(6) do
        bytes[1 + rand(#bytes)] = rand(256)
      end
      files["f" .. i] = string.char(table.unpack(bytes))
    end
    local out = with_tzdir(files, [[
      local tz = require "acrcloud.tz"
      local n = 0
      for i = 1, 300 do
        local zone = tz.check("T/f" .. i)
        if zone then
          -- Answers may be odd, and the ends of the range may be out of it.
          tz.to_local(zone, 0)
          pcall(tz.to_local, zone, -62135596800)
          pcall(tz.to_local, zone, 253402300799)
          tz.to_utc(zone, "2021-03-28 02:30:00")
          tz.to_utc(zone, "0001-01-01 00:00:00")
          tz.to_utc(zone, "9999-12-31 23:59:59")
        end
        n = n + 1
      end
      print("done " .. n)]])
    assert.equal("done 300\n", out)
  end)
end)

describe("acrcloud.tz without global state", function()
  it("refuses names that would leave the zone directory", function()
    for _, bad in ipairs { "../zoneinfo/Europe/Berlin", "Europe/../../../etc/passwd",
      "/usr/share/zoneinfo/Europe/Berlin", "Europe/..", "./Europe/Berlin" } do
      local ok, err = tz.check(bad)
      assert.is_nil(ok, bad)
      assert.matches("bad time zone", err, 1, true)
    end
  end)

  it("reads a zone's file once and keeps it", function()
    local out = with_tzdir({ Z = BERLIN }, [[
      local tz = require "acrcloud.tz"
      local before = tz.timeoffset("T/Z", "2021-07-01 00:00:00")
      os.remove(os.getenv("TZDIR") .. "/T/Z")
      print(before, (tz.timeoffset("T/Z", "2021-01-01 00:00:00")))]])
    assert.equal("-120\t-60\n", out)
  end)

  it("does not link the C library's TZ machinery into the module", function()
    local so = assert(os.getenv("ACRLUA_MODULE_DIR"), "ACRLUA_MODULE_DIR is not set")
      .. "/acrcloud.so"
    local undefined = support.output("nm -D --undefined-only " .. q(so))
    assert.matches("fopen", undefined, 1, true) -- the listing is real
    for _, name in ipairs { "tzset", "setenv", "unsetenv", "putenv", "localtime_r",
      "localtime", "mktime" } do
      assert.is_nil(undefined:match("%f[%w_]" .. name .. "%f[^%w_@]"), name)
    end
  end)
end)
