-- How much the Lua heap grows while `acr LIST --all` streams a long list,
-- against the size of what it writes (not part of ctest):
--
--   build/acrlua tests/bench/acr_all_memory.lua [PAGES [ITEMS [SIZE]]]
--
-- Serves PAGES pages of ITEMS items of about SIZE bytes (tests/fixtures/
-- pager.lua), runs acr in this process for each format, and prints the
-- bytes written, the heap's growth at its peak, and the CPU time taken.
local httpd = require "acrcloud.httpd"
local shell = require "acrcloud.shell"

local here = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local pages, per_page, size = tonumber(arg[1]) or 300, tonumber(arg[2]) or 100,
  tonumber(arg[3]) or 1000
local exe = arg[-1] or "acrlua"
local p = assert(io.popen(string.format("exec %q %q %d %d %d", exe,
  here .. "/../fixtures/pager.lua", pages, per_page, size)))
local url, pid = p:read("l"):match("^(%S+) (%d+)$")

print(string.format("%d pages x %d items of ~%d bytes", pages, per_page, size))
print(string.format("%-6s %12s %12s %8s", "format", "written", "heap peak+", "cpu s"))
for _, format in ipairs({ "jsonl", "json", "csv", "table" }) do
  collectgarbage()
  collectgarbage()
  local base = collectgarbage("count")
  local peak, written = base, 0
  local sink = { write = function(self, ...)
    for i = 1, select("#", ...) do written = written + #select(i, ...) end
    local now = collectgarbage("count")
    if now > peak then peak = now end
    return self
  end, flush = function() end }
  local env = { ACRCLOUD_ACCESS_TOKEN = "t", ACRCLOUD_BASE_URL = url, HOME = "/nonexistent" }
  local argv = { "list_buckets", "--all", "-o", format }
  if format == "csv" or format == "table" then
    argv[#argv + 1] = "--fields"
    argv[#argv + 1] = "id,name,note"
  end
  local t0 = os.clock()
  local code = shell.main(argv, { stdout = sink, getenv = function(k) return env[k] end,
    is_tty = function() return false end })
  assert(code == 0, "acr exited " .. code)
  print(string.format("%-6s %9.1f MB %9.0f KB %8.2f", format, written / 1e6, peak - base,
    os.clock() - t0))
end
httpd.kill(math.tointeger(tonumber(pid)), "TERM")
p:close()
