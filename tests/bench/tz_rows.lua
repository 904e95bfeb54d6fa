-- The time-zone work scripts/report.lua does for a CSV, alone: tz.check once,
-- then tz.to_utc of each row's start and end (as report.lua's make_item).
-- Used by tests/bench/tz.sh; run with any acrlua:
--   acrlua tests/bench/tz_rows.lua FILE.csv ZONE
local tz = require "acrcloud.tz"

local path, zone = arg[1], arg[2]
zone = assert(tz.check(zone))
local rows, ambiguous, skipped = 0, 0, 0
local first = true
for line in io.lines(path) do
  if first then
    first = false
  else
    local _, start, stop = line:match("^([^,]*),([^,]*),([^,]*)")
    local s_utc, _, s_note = tz.to_utc(zone, start)
    local e_utc, _, e_note = tz.to_utc(zone, stop)
    rows = rows + 1
    if not (s_utc and e_utc) then skipped = skipped + 1 end
    if s_note or e_note then ambiguous = ambiguous + 1 end
  end
end
print(string.format("%d rows, %d in a gap, %d ambiguous", rows, skipped, ambiguous))
