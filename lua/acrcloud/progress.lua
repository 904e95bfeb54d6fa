--- Progress on stderr, shown only when stderr is a terminal.
--
--   local progress = require "acrcloud.progress"
--   local p = progress.new{ label = "rows", total = 1200 }   -- total optional
--   for i = 1, 1200 do ...; p:update(i) end
--   p:done()
--
-- When stderr is not a terminal (a pipe, a file, a test) nothing is written,
-- so logs stay clean. stdout is never touched. The check runs the shell's
-- `test -t 2` once per process; ACRLUA_PROGRESS=always|never overrides it.
local M = {}

local tty_cache

--- Whether stderr is a terminal (cached).
function M.stderr_is_tty()
  if tty_cache == nil then
    local force = os.getenv("ACRLUA_PROGRESS")
    if force == "always" then
      tty_cache = true
    elseif force == "never" then
      tty_cache = false
    else
      -- The child inherits our stderr, so it answers for it.
      tty_cache = os.execute("test -t 2") == true
    end
  end
  return tty_cache
end

local Bar = {}
Bar.__index = Bar

--- A progress line. opts: label, total (optional), enabled (defaults to
-- stderr_is_tty()), stream (defaults to io.stderr), clock (for tests).
function M.new(opts)
  opts = opts or {}
  local enabled = opts.enabled
  if enabled == nil then enabled = M.stderr_is_tty() end
  return setmetatable({
    label = opts.label or "items",
    total = opts.total,
    enabled = enabled,
    stream = opts.stream or io.stderr,
    clock = opts.clock or os.clock,
    shown = false,
    last_draw = nil,
    last_text = nil,
  }, Bar)
end

local function render(self, done)
  if self.total and self.total > 0 then
    local pct = math.floor(done * 100 / self.total)
    return string.format("%s: %d/%d (%d%%)", self.label, done, self.total, pct)
  end
  return string.format("%s: %d", self.label, done)
end

--- Reports `done` items so far. Redraws at most ten times a second (of CPU
-- time, which is what os.clock measures: cheap and good enough here), and
-- always when the total is reached.
function Bar:update(done, force)
  if not self.enabled then return end
  local now = self.clock()
  local final = self.total and done >= self.total
  if not force and not final and self.last_draw and now - self.last_draw < 0.1 then return end
  local text = render(self, done)
  if text == self.last_text then return end
  self.last_draw = now
  self.last_text = text
  self.shown = true
  -- \r back to the start of the line, \27[K clears what is left of it.
  self.stream:write("\r", text, "\27[K")
  self.stream:flush()
end

--- Changes the label (e.g. a new phase) and redraws.
function Bar:set_label(label, total)
  self.label = label
  self.total = total
  self.last_text = nil
end

--- Clears the progress line, leaving the terminal as it was.
function Bar:done()
  if self.enabled and self.shown then
    self.stream:write("\r\27[K")
    self.stream:flush()
  end
  self.shown = false
end

--- Writes a message on stderr without tearing the progress line.
function Bar:say(msg)
  if self.enabled and self.shown then self.stream:write("\r\27[K") end
  self.stream:write(msg, "\n")
  if self.enabled and self.shown and self.last_text then
    self.stream:write(self.last_text)
  end
  self.stream:flush()
end

return M
