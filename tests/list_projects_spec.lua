-- scripts/list-projects.lua against the emulator: every page of both lists,
-- the region filter, usage and exit codes.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

local SCRIPT = "scripts/list-projects.lua"

describe("list-projects.lua", function()
  local emu = support.emulator(support.SCRIPT_TOKEN, { lifetime = 600 })

  emu.hook(_ENV)

  local run = support.script_runner(emu, SCRIPT)

  -- {kind, id, name, region, type, buckets} per data line of the output
  local function rows(out)
    local list = {}
    for line in out:gmatch("[^\n]+") do
      if not line:match("^KIND") then
        local cells = {}
        for cell in line:gmatch("%S+") do cells[#cells + 1] = cell end
        list[#list + 1] = cells
      end
    end
    return list
  end

  it("prints a header and one row per project of both kinds", function()
    local r = run {}
    assert.equal(0, r.code, r.err)
    assert.matches("^KIND%s+ID%s+NAME%s+REGION%s+TYPE%s+BUCKETS\n", r.out)
    local base = assert(emu.admin:list_base_projects{ per_page = 100 }).meta.total
    local bd = assert(emu.admin:list_bd_projects{ per_page = 100 }).meta.total
    assert.equal(base + bd, #rows(r.out))
    assert.matches(base + bd .. " project%(s%)", r.err)
  end)

  it("shows each project's id, name, region, type and bucket ids", function()
    local r = run {}
    local found
    for _, row in ipairs(rows(r.out)) do
      if row[1] == "base" and row[2] == "15" then found = row end
    end
    assert.same({ "base", "15", "test", "eu-west-1", "AVR", "8881,8883" }, found)
  end)

  it("walks every page of a long list", function()
    for i = 1, 25 do
      assert(emu.admin:create_bd_project{ name = "radio-" .. i, region = "eu-west-1",
        buckets = { 23 } })
    end
    local r = run {}
    assert.equal(0, r.code, r.err)
    local bd = 0
    for _, row in ipairs(rows(r.out)) do
      if row[1] == "bd" then bd = bd + 1 end
    end
    assert.equal(26, bd) -- the seeded one and 25 new, more than one page of 20
  end)

  it("keeps only the projects of the region asked for", function()
    local r = run { "-r", "eu-west-1" }
    assert.equal(0, r.code, r.err)
    for _, row in ipairs(rows(r.out)) do assert.equal("eu-west-1", row[4]) end
    assert.is_true(#rows(r.out) >= 2)
  end)

  it("prints its help on -h and exits 0", function()
    local r = run { "-h" }
    assert.equal(0, r.code)
    assert.matches("usage: list%-projects%.lua", r.out)
  end)

  it("refuses arguments with a usage message and exit 2", function()
    local r = run { "extra" }
    assert.equal(2, r.code)
    assert.matches("usage:", r.err)
    assert.equal("", r.out)
  end)

  it("exits 1 with a message when the token is missing", function()
    local r = run({}, { token = false })
    assert.equal(1, r.code)
    assert.matches("ACRCLOUD_ACCESS_TOKEN is not set", r.err)
  end)

  it("exits 1 with the error when the API fails", function()
    -- every attempt fails: the first and the two retries
    emu.fault{ operation = "list_bd_projects", status = 500, count = 3 }
    local r = run {}
    assert.equal(1, r.code)
    assert.matches("HTTP 500", r.err)
    assert.equal("", r.out)
  end)
end)
