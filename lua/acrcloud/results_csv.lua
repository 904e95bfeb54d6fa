-- The CSV of broadcast-monitoring results that scripts/export-results.lua
-- writes (from the API) and `receive-callbacks.lua --export` writes (from
-- what the callbacks delivered): its columns, the local day as a stretch of
-- UTC time, and the way cells are written, so that the two files can be
-- compared line by line.
--
--   local rc = require "acrcloud.results_csv"
--   local window = rc.day_window("Europe/Berlin", "2021-03-28")
--   -- { first = "2021-03-27 23:00:00", stop = "2021-03-28 22:00:00",
--   --   utc_days = { "2021-03-27", "2021-03-28" } }
--   out:write(rc.record(rc.COLUMNS))
local csv = require "acrcloud.csv"
local tz = require "acrcloud.tz"

local M = {}

M.COLUMNS = { "channel_id", "channel_name", "local_time", "utc_offset", "utc_time",
  "played_duration", "match", "title", "artists", "album", "label", "release_date", "isrc",
  "upc", "acrid", "score" }

local function is_leap(y) return (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0 end

local function month_days(y, m)
  local days = { 31, is_leap(y) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  return days[m]
end

-- "YYYY-MM-DD" from "YYYY-MM-DD" or "YYYYmmdd", or nil if it is no date.
function M.parse_date(s)
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then y, m, d = s:match("^(%d%d%d%d)(%d%d)(%d%d)$") end
  if not y then return nil end
  local yi, mi, di = tonumber(y), tonumber(m), tonumber(d)
  if mi < 1 or mi > 12 or di < 1 or di > month_days(yi, mi) then return nil end
  return string.format("%04d-%02d-%02d", yi, mi, di)
end

local function shift_day(date, delta)
  local y, m, d = date:match("^(%d+)%-(%d+)%-(%d+)$")
  y, m, d = tonumber(y), tonumber(m), tonumber(d) + delta
  if d > month_days(y, m) then
    d, m = 1, m + 1
    if m > 12 then m, y = 1, y + 1 end
  elseif d < 1 then
    m = m - 1
    if m < 1 then m, y = 12, y - 1 end
    d = month_days(y, m)
  end
  return string.format("%04d-%02d-%02d", y, m, d)
end

-- The UTC instant at which `date` begins in `zone`: local midnight, or,
-- where the clocks skip midnight, the first local minute that exists.
local function day_start(zone, date)
  for minute = 0, 24 * 60 - 1 do
    local utc = tz.to_utc(zone, string.format("%s %02d:%02d:00", date, minute // 60,
      minute % 60))
    if utc then return utc end
  end
  return nil
end

-- day_window(zone, date) -> { first =, stop =, utc_days = } | nil: the UTC
-- time [first, stop) the local day covers (23 or 25 hours on a day the
-- clocks change) and the UTC days it touches; nil when the day does not
-- exist in the zone.
function M.day_window(zone, date)
  local first = day_start(zone, date)
  if not first then return nil end
  local stop
  local next_date = date
  for _ = 1, 3 do
    next_date = shift_day(next_date, 1)
    stop = day_start(zone, next_date)
    if stop then break end
  end
  if not stop then return nil end
  local last_day = stop:sub(1, 10)
  if stop:sub(12) == "00:00:00" then last_day = shift_day(last_day, -1) end
  local days = {}
  local d = first:sub(1, 10)
  while d <= last_day do
    days[#days + 1] = d
    d = shift_day(d, 1)
  end
  return { first = first, stop = stop, utc_days = days }
end

-- "+02:00" from an offset in seconds.
function M.offset_text(seconds)
  local sign = seconds < 0 and "-" or "+"
  seconds = math.abs(seconds)
  return string.format("%s%02d:%02d", sign, seconds // 3600, seconds % 3600 // 60)
end

-- A name as results give it (an album, a label, an artist): a string, or
-- an object { name = ... }; the name itself.
function M.name(value)
  if type(value) == "table" then return value.name end
  return value
end

-- A cell from a value: numbers without a trailing .0, nil as "".
function M.text(value)
  local t = type(value)
  if t == "nil" then return "" end
  if t == "number" then
    if math.type(value) == "integer" then return tostring(value) end
    if value == math.floor(value) and math.abs(value) < 2 ^ 53 then
      return string.format("%d", value)
    end
    return string.format("%.14g", value)
  end
  return tostring(value)
end

-- The row of one match: channel id and name, its UTC start, the seconds
-- played, "music" or "custom", then the match's cells (title, artists,
-- album, label, release_date, isrc, upc, acrid, score), lists already
-- joined by "; ".
function M.row(zone, channel_id, channel_name, utc, played, kind, m)
  local local_time, offset = tz.to_local(zone, utc)
  local t = M.text
  return { t(channel_id), t(channel_name), local_time, M.offset_text(offset), utc, t(played),
    kind, t(m.title), t(m.artists), t(m.album), t(m.label), t(m.release_date), t(m.isrc),
    t(m.upc), t(m.acrid), t(m.score) }
end

-- One CSV record (RFC 4180), CRLF-terminated.
function M.record(values)
  return csv.format_row(values, "\r\n")
end

return M
