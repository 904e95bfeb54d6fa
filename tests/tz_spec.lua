-- acrcloud.tz: zone validation and offsets from the system tz database.
local tz = require "acrcloud.tz"

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

  it("rejects a name that does not exist instead of falling back to UTC", function()
    local ok, err = tz.check("Europe/Atlantis")
    assert.is_nil(ok)
    assert.matches('unknown time zone "Europe/Atlantis"', err, 1, true)
  end)

  it("rejects files in the zone directory that are not zones", function()
    local ok, err = tz.check("zone.tab")
    assert.is_nil(ok)
    assert.matches("not a zone file", err, 1, true)
  end)

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
    local p = assert(io.popen("TZDIR=" .. dir .. " " .. os.getenv("ACRLUA")
      .. " -e '" .. script:gsub("'", "'\\''") .. "'"))
    local out = p:read("a")
    p:close()
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

  it("gives each side of Berlin's spring change its own offset", function()
    assert.equal(-60, tz.timeoffset("Europe/Berlin", "2021-03-28 01:59:59"))
    assert.equal(-120, tz.timeoffset("Europe/Berlin", "2021-03-28 03:00:00"))
  end)

  it("gives each side of Berlin's autumn change its own offset", function()
    assert.equal(-120, tz.timeoffset("Europe/Berlin", "2021-10-31 01:59:59"))
    assert.equal(-60, tz.timeoffset("Europe/Berlin", "2021-10-31 03:00:00"))
  end)

  it("gives each side of New York's spring change its own offset", function()
    assert.equal(300, tz.timeoffset("America/New_York", "2021-03-14 01:59:59"))
    assert.equal(240, tz.timeoffset("America/New_York", "2021-03-14 03:00:00"))
  end)

  it("gives each side of New York's autumn change its own offset", function()
    assert.equal(240, tz.timeoffset("America/New_York", "2021-11-07 00:59:59"))
    assert.equal(300, tz.timeoffset("America/New_York", "2021-11-07 02:00:00"))
  end)

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

  it("uses the zone's rules of the given year", function()
    -- Moscow was UTC+4 all year from 2011 to 2014, UTC+3 since.
    assert.equal(-240, tz.timeoffset("Europe/Moscow", "2013-01-15 12:00:00"))
    assert.equal(-180, tz.timeoffset("Europe/Moscow", "2015-01-15 12:00:00"))
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
    local p = assert(io.popen(env .. " " .. os.getenv("ACRLUA") .. [[ -e '
      local tz = require "acrcloud.tz"
      local before = os.getenv("TZ")
      local hour = os.date("%H", 0)
      tz.timeoffset("Asia/Tokyo", "2021-01-01 00:00:00")
      tz.to_local("America/New_York", 0)
      pcall(tz.timeoffset, "Europe/Berlin", "2021-03-28 02:30:00")
      io.write(tostring(before), " ", tostring(os.getenv("TZ")), " ",
               hour, " ", os.date("%H", 0))']]))
    local out = p:read("a")
    p:close()
    return out
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
