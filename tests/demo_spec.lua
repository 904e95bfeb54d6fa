-- scripts/demo.sh, the README's first command, runs to the end: the
-- emulator's monitoring posts to the receiver the demo starts, and the
-- receiver's database holds what was posted.
local support = dofile(debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") .. "support.lua")

describe("scripts/demo.sh", function()
  it("runs, and the receiver stores the callbacks the emulator delivers", function()
    local out = os.tmpname()
    local acrlua = os.getenv("ACRLUA") or "build/acrlua"
    local demo = support.ROOT .. "/scripts/demo.sh"
    local ok = os.execute("ACRLUA=" .. support.q(acrlua) .. " bash " .. support.q(demo) .. " > "
      .. support.q(out) .. " 2>&1")
    local text = support.read_file(out) or ""
    os.remove(out)
    assert.is_true(ok == true or ok == 0, text)
    local delivered, failed = text:match("(%d+) callbacks delivered, (%d+) failed")
    assert.is_truthy(delivered, text)
    assert.is_true(tonumber(delivered) > 20)
    assert.are.equal("0", failed)
    -- The summary read back from the database: every delivery is a row.
    local results = tonumber(text:match("\n  results%s+(%d+)"))
    local states = tonumber(text:match("\n  states%s+(%d+)"))
    assert.is_true(results > 20, text)
    assert.is_true(states >= 1, text)
    assert.matches("%d%d:%d%d:%d%d  300101%s+Aurora Hits%s+1 timeout\n", text)
    assert.matches("\n100251,BBC Radio 1,[^\n]+,music,", text)
    assert.matches("stopping on SIGTERM: %d+ post%(s%) stored", text)
    assert.matches("Done; the emulator and the receiver are stopped%.", text)
  end)
end)
