-- acrcloud.progress: stderr progress only on a terminal.
local progress = require "acrcloud.progress"

-- A stand-in for a file handle that keeps what is written.
local function sink()
  local s = { text = "" }
  function s:write(...)
    for _, v in ipairs { ... } do self.text = self.text .. v end
    return self
  end
  function s:flush() return self end
  return s
end

describe("acrcloud.progress", function()
  it("writes nothing when disabled", function()
    local out = sink()
    local p = progress.new { enabled = false, stream = out, total = 10 }
    for i = 1, 10 do p:update(i) end
    p:done()
    assert.equal("", out.text)
  end)

  it("draws count, total and percentage on one line", function()
    local out = sink()
    local t = 0
    local p = progress.new { enabled = true, stream = out, total = 4, label = "rows",
      clock = function() t = t + 1 return t end }
    p:update(1)
    p:update(4)
    assert.equal("\rrows: 1/4 (25%)\27[K\rrows: 4/4 (100%)\27[K", out.text)
  end)

  it("draws a bare count when the total is unknown", function()
    local out = sink()
    local p = progress.new { enabled = true, stream = out, label = "pages" }
    p:update(3)
    assert.equal("\rpages: 3\27[K", out.text)
  end)

  it("limits redraws to ten a second but always draws the last", function()
    local out = sink()
    local p = progress.new { enabled = true, stream = out, total = 100,
      clock = function() return 5 end }
    for i = 1, 100 do p:update(i) end
    local draws = select(2, out.text:gsub("\r", ""))
    assert.equal(2, draws)
    assert.matches("100/100", out.text, 1, true)
  end)

  it("clears its line when done", function()
    local out = sink()
    local p = progress.new { enabled = true, stream = out }
    p:update(1)
    p:done()
    assert.equal("\r\27[K", out.text:sub(-4))
  end)

  it("says nothing on stderr when stderr is not a terminal", function()
    local cmd = os.getenv("ACRLUA") .. [[ -e '
      local p = require("acrcloud.progress").new{ total = 3 }
      for i = 1, 3 do p:update(i, true) end
      p:done()
      io.write(tostring(require("acrcloud.progress").stderr_is_tty()))' 2>&1]]
    local f = assert(io.popen("env -u ACRLUA_PROGRESS " .. cmd))
    local out = f:read("a")
    f:close()
    assert.equal("false", out)
  end)

  it("can be forced on with ACRLUA_PROGRESS=always", function()
    local cmd = os.getenv("ACRLUA") .. [[ -e '
      local p = require("acrcloud.progress").new{ total = 3, label = "x" }
      p:update(3)' 2>&1]]
    local f = assert(io.popen("ACRLUA_PROGRESS=always " .. cmd))
    local out = f:read("a")
    f:close()
    assert.equal("\rx: 3/3 (100%)\27[K", out)
  end)
end)
